"""Crashes in the middle of things, and what is left after the restart.

kill -9 of the action server, the Rasa server or the back-office, or the database connection cut, at a chosen
point (bot/faults.py) of a submission, an OTP check, a payment callback or a notification delivery. After the
restart (or the outage): no dossier duplicated or half-written, no notification lost or sent twice, no payment
recorded twice, and the conversation goes on where it was. The last test kills processes at random moments
while several citizens file dossiers and officers act on them.

`make test` runs the cheaper variants (about three minutes); DVC_SOAK=1 (`make soak`, marker `soak`) adds the
others and repeats the random kills DVC_SOAK_ROUNDS times (default 20). Every run of the random test writes
its counts to test-results/soak/faults.json."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import random
import re
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.catalog.answers import start_payload
from bot.db.models import Dossier, Notification, Payment
from bot.forms.definitions import load_forms
from bot.forms.sample_answers import answer_for, latest_otp
from bot.payments.dev_gateway import DevGateway
from bot.settings import payment_settings
from devtools.services import ROOT, Services
from tests.conftest import Citizen
from tests.integration.test_dossier_conversations import CODE, fill_form, joined, otp_code, stored
from tests.integration.test_dossier_status import act, bot_texts, database, officers, submit  # noqa: F401
from tests.integration.test_payments import links
from tests.integration.test_telegram_channel import TelegramCitizen, submit_birth_registration

pytestmark = pytest.mark.servers

SOAK = os.environ.get("DVC_SOAK", "").strip().lower() in {"1", "true", "yes"}
SOAK_ROUNDS = int(os.environ.get("DVC_SOAK_ROUNDS") or 20)
SOAK_ONLY = (pytest.mark.soak, pytest.mark.skipif(not SOAK, reason="a costlier variant: DVC_SOAK=1"))
SUMMARY = ROOT / "test-results" / "soak" / "faults.json"
FORMS = load_forms()
FEE_FORM = "1.004873"  # the commune's fee table: 15.000 đồng
LOAD_FORMS = ("1.004873", "1.001193", "2.000635")
ACCEPTED = "Bộ phận Một cửa đã tiếp nhận"
RECEIPT = "em đã nhận lệ phí"
NO_ANSWER = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)
_phones = itertools.count(916000001)


def new_phone() -> str:
    return f"0{next(_phones)}"  # a fresh number per conversation: OTP limits are per phone


@pytest.fixture(autouse=True)
def whole_stack_afterwards(services):
    """Whatever a test left behind, the next one finds no fault armed and every process running."""
    yield
    services.disarm()
    for name in ("backoffice", "actions", "rasa"):
        process = services.processes.get(name)
        if process is None or process.poll() is not None:
            services.processes.pop(name, None)
            services.start(name)


def restart(services: Services, name: str) -> None:
    """The process died at the armed point (SIGKILL, as a crash): start it again."""
    assert services.wait_exit(name) == -signal.SIGKILL
    assert services.fault_fired()
    services.kill(name)  # reaps it
    services.start(name)


# -- what must hold afterwards -----------------------------------------------------------------------------


def dossiers_of(services: Services, sender: str) -> list[Dossier]:
    with database(services)() as session:
        query = select(Dossier).where(Dossier.sender_id == sender).options(selectinload(Dossier.events))
        return list(session.execute(query).scalars())


def whole(dossier: Dossier) -> bool:
    """Every answer its form asks, its keys, and exactly one 'submit' step on its timeline."""
    asked = FORMS[dossier.procedure_code].asked(dossier.form_data)
    answered = all(dossier.form_data.get(spec.name) for spec in asked if spec.required)
    keys = all((dossier.applicant_name, dossier.phone_hash, dossier.idempotency_key, dossier.department_id))
    return answered and keys and [event.action for event in dossier.events].count("submit") == 1


def the_one_dossier(services: Services, sender: str, receipt: str) -> Dossier:
    [dossier] = dossiers_of(services, sender)
    assert CODE.search(receipt).group(1) == dossier.code
    assert whole(dossier)
    return dossier


def widget_updates(services: Services, sender: str) -> list[str]:
    """What the web widget shows of the conversation's dossier updates (/webchat/updates)."""
    url = f"{services.backoffice_url}/webchat/updates?sender={sender}&after=0"
    with urllib.request.urlopen(url, timeout=30) as response:
        return [message["text"] for message in json.loads(response.read())["messages"]]


def updates_in_chat(services: Services, sender: str, marker: str) -> tuple[int, int]:
    """How often an update reached the conversation: (in Rasa's saved conversation, in the widget)."""
    said = [text for text in bot_texts(services, sender) if marker in text]
    return len(said), len([text for text in widget_updates(services, sender) if marker in text])


def assert_delivered_once(services: Services, sender: str, marker: str) -> None:
    services.wait_delivered(channels=("telegram",), timeout=120)  # then a few more rounds: nothing twice
    assert updates_in_chat(services, sender, marker) == (1, 1)


def telegram_updates(telegram, person: TelegramCitizen, code: str) -> int:
    return len([text for text in telegram.sent_texts(person.user_id) if code in text and ACCEPTED in text])


def sms_count(services: Services, phone: str) -> int:
    return services.sms_outbox.read_text(encoding="utf-8").count(f'"{phone}"')


# -- a submission: the code checked, the dossier written ---------------------------------------------------


@pytest.mark.parametrize(
    "point",
    [
        "submission.after_commit",
        pytest.param("submission.before_commit", marks=SOAK_ONLY),
        pytest.param("otp.after_verify", marks=SOAK_ONLY),
    ],
)
def test_the_action_server_killed_mid_submission(services, citizen, point):
    """kill -9 while the code is checked and the dossier written: the citizen's retry finds the form at the
    code step (the used code refused, a new one sent); one whole dossier is filed, whatever was committed."""
    person, phone = citizen(), new_phone()
    fill_form(person, FEE_FORM, phone)
    assert "mã xác thực" in joined(person.say("/affirm"))
    code = otp_code(services, phone)
    services.arm(point)
    assert person.say(code) == []  # Rasa answers the turn with nothing: the action server died in it
    restart(services, "actions")
    again = joined(person.say(code))
    assert "yêu cầu gửi mã mới" in again and "Bước 1/" not in again
    assert "đã gửi mã xác thực" in joined(person.say("/resend_code"))
    receipt = joined(person.say(otp_code(services, phone)))
    the_one_dossier(services, person.sender, receipt)


@pytest.mark.parametrize("point", ["otp.after_verify", "submission.before_commit", "submission.after_commit"])
def test_the_database_cut_mid_submission(services, citizen, point):
    """The database fails at the point: the citizen is told so, not left without an answer. Once the code was
    accepted the phone stays verified: "Gửi lại hồ sơ" files the one dossier without a new SMS. A failure in
    the code check itself leaves the code used: a new one is asked for."""
    person, phone = citizen(), new_phone()
    fill_form(person, FEE_FORM, phone)
    person.say("/affirm")
    code = otp_code(services, phone)
    services.arm(point, "error")
    failed = person.say(code)
    assert services.fault_fired() and "sự cố" in joined(failed)
    if point == "otp.after_verify":
        assert "yêu cầu gửi mã mới" in joined(person.say(code))
        person.say("/resend_code")
        receipt = joined(person.say(otp_code(services, phone)))
    else:
        assert [button["payload"] for reply in failed for button in reply.get("buttons", [])] == ["/affirm"]
        sent = sms_count(services, phone)
        receipt = joined(person.say("/affirm"))  # "Gửi lại hồ sơ"
        assert sms_count(services, phone) == sent
    the_one_dossier(services, person.sender, receipt)


# -- a payment callback ------------------------------------------------------------------------------------


def gateway_answer(monkeypatch, services: Services, payment_link: str) -> dict[str, str]:
    """The signed IPN that VNPay sends once the citizen has paid this order (the development gateway's)."""
    monkeypatch.setenv("DVC_DEV_PAYMENT_GATEWAY", "1")
    gateway = DevGateway(payment_settings(services.backoffice_url))
    order = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(payment_link).query))
    now = datetime.now(timezone.utc)
    return gateway.decide(gateway.order(order, now), "pay", now)


def ipn(services: Services, answer: dict[str, str]) -> str:
    url = f"{services.backoffice_url}/payments/vnpay/ipn?{urllib.parse.urlencode(answer)}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())["RspCode"]


def payment_records(services: Services, code: str) -> tuple[list[str], list[str], int]:
    """(the dossier's payment attempts' statuses, its timeline's actions, its receipts in the outbox)."""
    with database(services)() as session:
        dossier = session.execute(
            select(Dossier).where(Dossier.code == code).options(selectinload(Dossier.events))
        ).scalar_one()
        payments = session.execute(select(Payment.status).where(Payment.dossier_id == dossier.id)).scalars()
        receipts = session.execute(
            select(Notification).where(
                Notification.dossier_id == dossier.id, Notification.text.contains(RECEIPT)
            )
        ).all()
        return list(payments), [event.action for event in dossier.events], len(receipts)


@pytest.mark.parametrize(
    ("point", "action", "replayed"),
    [
        ("payment.before_commit", "kill", "00"),
        ("payment.after_commit", "error", "02"),
        pytest.param("payment.after_commit", "kill", "02", marks=SOAK_ONLY),
        pytest.param("payment.before_commit", "error", "00", marks=SOAK_ONLY),
    ],
)
def test_an_ipn_replayed_after_a_crash_mid_settle(services, citizen, monkeypatch, point, action, replayed):
    """The back-office dies (or loses its database) while it records VNPay's IPN; VNPay sends the same IPN
    again until it hears 00 or 02: one payment 'paid', one 'fee_paid' step, one receipt, delivered once."""
    person, phone = citizen(), new_phone()
    fill_form(person, FEE_FORM, phone)
    person.say("/affirm")
    replies = person.say(otp_code(services, phone))
    code = CODE.search(joined(replies)).group(1)
    [link] = links(replies)
    answer = gateway_answer(monkeypatch, services, link["url"])
    services.arm(point, action)
    if action == "kill":
        with pytest.raises(NO_ANSWER):
            ipn(services, answer)
        restart(services, "backoffice")
    else:
        assert ipn(services, answer) == "99"  # "unknown error": VNPay will try again
    assert ipn(services, answer) == replayed
    assert ipn(services, answer) == "02"
    statuses, steps, receipts = payment_records(services, code)
    assert statuses == ["paid"] and steps.count("fee_paid") == 1 and "fee_paid_twice" not in steps
    assert receipts == 1
    assert_delivered_once(services, person.sender, RECEIPT)


# -- a notification delivery -------------------------------------------------------------------------------


def two_citizens(services, citizen, telegram) -> tuple[Citizen, str, TelegramCitizen, str]:
    """A citizen on the web widget (REST) and one on Telegram, each with a dossier just filed."""
    web = citizen()
    web_code = submit(services, web)
    on_telegram = TelegramCitizen(services, telegram)
    filed = submit_birth_registration(services, telegram, on_telegram, new_phone(), on_telegram.user_id)
    return web, web_code, on_telegram, CODE.search(filed).group(1)


def test_the_action_server_killed_mid_delivery(services, citizen, telegram, officers):  # noqa: F811
    """kill -9 after the action read the update, before Rasa had it: both citizens get it once (it used to be
    marked delivered first, and lost)."""
    web, web_code, on_telegram, telegram_code = two_citizens(services, citizen, telegram)
    services.arm("notification.before_reply")
    act(services, officers["ttmotcua"], web_code, "accept")
    act(services, officers["ttmotcua"], telegram_code, "accept")
    restart(services, "actions")
    assert_delivered_once(services, web.sender, ACCEPTED)
    assert telegram_updates(telegram, on_telegram, telegram_code) == 1


@pytest.mark.parametrize("action", ["kill", "error"])
def test_the_back_office_failing_after_rasa_took_an_update(services, citizen, officers, action):  # noqa: F811
    """Rasa has said the update in the conversation, the back-office dies (or loses its database) before it
    records that: the retry finds it in the conversation and says nothing twice."""
    person = citizen()
    code = submit(services, person)
    services.arm("delivery.after_trigger", action)
    act(services, officers["ttmotcua"], code, "accept")
    if action == "kill":
        restart(services, "backoffice")
    assert_delivered_once(services, person.sender, ACCEPTED)


@pytest.mark.soak
@pytest.mark.skipif(not SOAK, reason="a costlier variant: DVC_SOAK=1")
def test_the_rasa_server_killed_mid_delivery(services, citizen, telegram, officers):  # noqa: F811
    """kill -9 of Rasa while the action holds the update (paused at the point): both citizens get it once."""
    web, web_code, on_telegram, telegram_code = two_citizens(services, citizen, telegram)
    services.arm("notification.before_reply", "pause")
    act(services, officers["ttmotcua"], web_code, "accept")
    act(services, officers["ttmotcua"], telegram_code, "accept")
    wait(services.fault_reached, timeout=60)
    services.kill("rasa")
    services.release()
    services.start("rasa")
    assert_delivered_once(services, web.sender, ACCEPTED)
    assert telegram_updates(telegram, on_telegram, telegram_code) == 1


def wait(condition: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{condition} not met in {timeout} s")


# -- random kills under load -------------------------------------------------------------------------------

QUESTION = re.compile(r"Bước \d+/\d+: (.*)")
TOO_SOON = re.compile(r"đợi (\d+) giây")


@dataclass
class Conversation:
    """A citizen filing a dossier over REST as a person would: answering what the chat last asked and, when a
    message got no answer, looking at the chat again (Rasa's saved conversation) rather than starting over."""

    services: Services
    form_code: str
    phone: str = field(default_factory=new_phone)
    answers: dict[str, str] = field(default_factory=dict)
    dossier_code: str | None = None
    problem: str = ""
    unanswered: int = 0  # messages that got no answer (a process died during the turn, or was down)

    def __post_init__(self) -> None:
        self.person = Citizen(self.services)

    def file(self, deadline: float) -> None:
        message: str | None = start_payload(self.form_code)
        while message is not None and time.monotonic() < deadline:
            reply = self._say(message) or self._last_turn(deadline)
            message = self._next(reply, message) if reply else message
        if self.dossier_code is None and not self.problem:
            self.problem = f"no dossier before the deadline ({self.form_code})"

    def _say(self, message: str) -> str:
        try:
            reply = joined(self.person.say(message))
        except NO_ANSWER:
            reply = ""
        if not reply:
            self.unanswered += 1
            time.sleep(1)  # as a person would, before looking at the chat again
        return reply

    def _last_turn(self, deadline: float) -> str:
        """What the chat shows last: the bot's messages after the latest of the citizen's that got any."""
        while time.monotonic() < deadline:
            try:
                url = f"{self.services.rasa_url}/conversations/{self.person.sender}/tracker"
                with urllib.request.urlopen(
                    f"{url}?token={self.services.auth_token}", timeout=30
                ) as response:
                    events = json.loads(response.read())["events"]
            except NO_ANSWER:
                time.sleep(0.5)  # Rasa is starting again
                continue
            turns: list[list[str]] = [[]]
            for event in events:
                if event["event"] == "user":
                    turns.append([])
                elif event["event"] == "bot":
                    turns[-1].append(event.get("text") or "")
            return "\n".join(next((turn for turn in reversed(turns) if turn), []))
        return ""

    def _next(self, reply: str, last: str) -> str | None:
        """The citizen's next message after `reply`, or None once the dossier is filed."""
        form, code = FORMS[self.form_code], CODE.search(reply)
        if code:
            self.dossier_code = code.group(1)
            return None
        question = QUESTION.search(reply)
        if question:
            asked = max(
                (spec for spec in form.fields if question.group(1).startswith(spec.question)),
                key=lambda spec: len(spec.question),
            )
            typed = answer_for(asked, self.answers, self.phone)
            self.answers[asked.name] = stored(asked, typed)
            return typed
        if "kiểm tra lại thông tin" in reply or "Gửi lại hồ sơ" in reply or "Nghị định 13/2023" in reply:
            return "/affirm"
        if "yêu cầu gửi mã mới" in reply or "hết hiệu lực" in reply:
            return "/resend_code"
        if "mã xác thực" in reply or TOO_SOON.search(reply):
            return latest_otp(self.services.sms_outbox, self.phone)
        if "sự cố" in reply:
            return last
        self.problem = f"unexpected reply to {last!r}: {reply[:200]!r}"
        return None


@dataclass
class Tally:
    rounds: int = 0
    faults_injected: int = 0
    kills: dict[str, int] = field(default_factory=dict)
    conversations: int = 0
    messages_unanswered: int = 0  # shows that the kills hit conversations in flight
    dossiers_lost: int = 0
    dossiers_duplicated: int = 0
    dossiers_half_written: int = 0
    notifications_lost: int = 0
    notifications_doubled: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def clean(self) -> bool:
        counts = (self.dossiers_lost, self.dossiers_duplicated, self.dossiers_half_written)
        return not any((*counts, self.notifications_lost, self.notifications_doubled, self.problems))


def kill_at_random(services: Services, tally: Tally, name: str, delay: float) -> threading.Thread:
    """kill -9 `name` after `delay` seconds and start it again, in the background."""

    def crash() -> None:
        time.sleep(delay)
        services.kill(name)
        tally.faults_injected += 1
        tally.kills[name] = tally.kills.get(name, 0) + 1
        services.start(name, timeout=600)

    killer = threading.Thread(target=crash)
    killer.start()
    return killer


def load_round(services: Services, tokens: dict[str, str], rng: random.Random, tally: Tally) -> None:
    """Several citizens file dossiers while a process is killed; then an officer accepts each dossier while
    another is killed. Counts what was lost, duplicated, half-written or delivered twice."""
    conversations = [Conversation(services, form_code) for form_code in LOAD_FORMS]
    victims = ("actions", "rasa") if SOAK else ("actions",)
    killer = kill_at_random(services, tally, rng.choice(victims), rng.uniform(1.0, 8.0))
    deadline = time.monotonic() + 600
    filing = [threading.Thread(target=c.file, args=(deadline,)) for c in conversations]
    for thread in filing:
        thread.start()
    for thread in [*filing, killer]:
        thread.join()
    filed = []
    for conversation in conversations:
        tally.conversations += 1
        tally.messages_unanswered += conversation.unanswered
        dossiers = dossiers_of(services, conversation.person.sender)
        tally.dossiers_lost += not dossiers
        tally.dossiers_duplicated += max(0, len(dossiers) - 1)
        tally.dossiers_half_written += sum(not whole(dossier) for dossier in dossiers)
        if conversation.problem:
            tally.problems.append(conversation.problem)
        if len(dossiers) == 1 and dossiers[0].code == conversation.dossier_code:
            filed.append(conversation)
    for conversation in filed:
        act(services, tokens["ttmotcua"], conversation.dossier_code, "accept")
    victims = ("actions", "rasa", "backoffice") if SOAK else ("backoffice",)
    kill_at_random(services, tally, rng.choice(victims), rng.uniform(0.0, 1.5)).join()
    try:
        services.wait_delivered(channels=("telegram",), timeout=180)
    except TimeoutError as error:
        tally.problems.append(str(error))
    for conversation in filed:
        said, shown = updates_in_chat(services, conversation.person.sender, ACCEPTED)
        tally.notifications_lost += (said == 0) + (shown == 0)
        tally.notifications_doubled += (said > 1) + (shown > 1)
    tally.rounds += 1


@pytest.mark.soak
@pytest.mark.timeout(900 * SOAK_ROUNDS if SOAK else 600)
def test_random_kills_under_load_lose_and_duplicate_nothing(services, officers):  # noqa: F811
    """Processes killed at random moments while conversations and deliveries are in flight."""
    rng = random.Random(os.environ.get("DVC_SOAK_SEED") or time.time_ns())
    tally, started = Tally(), time.monotonic()
    try:
        for _ in range(SOAK_ROUNDS if SOAK else 1):
            load_round(services, officers, rng, tally)
    finally:
        tally.seconds = round(time.monotonic() - started, 1)
        SUMMARY.parent.mkdir(parents=True, exist_ok=True)
        SUMMARY.write_text(json.dumps(tally.__dict__, ensure_ascii=False, indent=2), encoding="utf-8")
    assert tally.clean(), tally
