"""Every button the bot can produce carries a payload Rasa reads as intended and Telegram accepts.

The walk covers the responses in domain.yml and the buttons the domain code builds: the answers about every
procedure of the catalogue (and a commune's own procedures), the dossier form of every shipped procedure
(consent, each question, a failed answer, the summary, corrections, the OTP step, on a channel that can share
the phone and on one that cannot), the status lookup, the fee payment and the pushed dossier updates.

Each payload is parsed by Rasa's own parser for button payloads against the domain, with every warning an
error: an unknown intent or entity, or JSON that does not parse, fails. It must fit Telegram's callback_data
(64 bytes in UTF-8); a payload that is necessarily longer (a commune's procedure code can have 40 characters)
must be swapped by the Telegram rendering for a short token that the connector expands back to the payload.
Payloads that are not "/intent..." are words the citizen could have typed ("bỏ qua").
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from sqlalchemy import update

from bot.catalog import answers, local_procedures
from bot.catalog.store import default_catalog
from bot.channels.records import ButtonPayloads
from bot.channels.render import TELEGRAM_CALLBACK_BYTES, render_telegram
from bot.db.models import Dossier
from bot.dossiers.receipt import receipt
from bot.dossiers.status_lookup import Requester
from bot.forms.definitions import CHOICE, FormSpec
from bot.forms.flow import CORRECTING, FIELDS, OTP, SUMMARY, FormFlow, FormState, Submission
from bot.forms.sample_answers import answer_for, latest_otp
from bot.notifications.replies import update_reply
from bot.otp.service import phone_hash
from bot.payments.due import pay_fee_button
from bot.replies import POSTBACK, Button, Reply, intent_payload, payload_bytes
from bot.services import Services
from bot.settings import PROJECT_ROOT

LOCAL_EXAMPLE = PROJECT_ROOT / "data" / "catalog" / "local_procedures.example.yml"
LONG_LOCAL_CODE = "XA-TANPHU-HO-TRO-HOC-PHI-HOC-SINH-2026-1"  # 40 characters, the longest allowed


@pytest.fixture(scope="module")
def domain() -> Domain:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Rasa's notice about slot auto-fill, not about payloads
        return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def parsed(payload: str, domain: Domain) -> tuple[str, dict[str, object]]:
    """(intent, entities) as Rasa reads the payload of a pressed button; any parsing warning fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        message = YAMLStoryReader.unpack_regex_message(Message({TEXT: payload}), domain)
    intent = (message.get(INTENT) or {}).get("name")
    assert intent, f"Rasa does not read {payload!r} as an intent"
    return intent, {entity["entity"]: entity["value"] for entity in message.get(ENTITIES) or []}


def check(where: str, button: Button, domain: Domain, tokens: ButtonPayloads) -> None:
    payload = button.payload
    assert payload.strip() == payload and payload, where
    if not payload.startswith("/"):  # typed words, understood like the citizen's own
        assert payload_bytes(payload) <= TELEGRAM_CALLBACK_BYTES, where
        return
    intent, entities = parsed(payload, domain)
    name, brace, rest = payload[1:].partition("{")
    assert intent == name, where
    assert entities == (json.loads(brace + rest) if brace else {}), where
    if button.kind != POSTBACK or payload_bytes(payload) <= TELEGRAM_CALLBACK_BYTES:
        return
    # Necessarily longer: the Telegram rendering gives the button a short token, the connector expands it.
    rendered = render_telegram(Reply("x", (button,)), "42")
    data = rendered.messages[0]["params"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert payload_bytes(data) <= TELEGRAM_CALLBACK_BYTES, where
    tokens.store(rendered.tokens)
    assert tokens.expand(data) == payload, where


def buttons_of(replies: Iterable[Reply]) -> Iterator[Button]:
    for reply in replies:
        yield from reply.buttons


# -- where buttons come from -----------------------------------------------------------------------------


def domain_buttons() -> Iterator[tuple[str, Button]]:
    document = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variations in (document.get("responses") or {}).items():
        for variation in variations:
            for button in variation.get("buttons") or []:
                yield f"domain.yml {name}", Button(button["title"], button["payload"])


def catalogue_buttons(forms: dict[str, FormSpec], tmp_path: Path) -> Iterator[tuple[str, Button]]:
    procedures = list(default_catalog().procedures)
    procedures += local_procedures.parse(LOCAL_EXAMPLE).procedures
    example = yaml.safe_load(LOCAL_EXAMPLE.read_text(encoding="utf-8"))
    path = tmp_path / "long_code.yml"
    long_code = {**example, "procedures": [{**example["procedures"][0], "code": LONG_LOCAL_CODE}]}
    path.write_text(yaml.safe_dump(long_code, allow_unicode=True), "utf-8")
    procedures += local_procedures.parse(path).procedures
    assert any(procedure.code == LONG_LOCAL_CODE for procedure in procedures)
    for procedure in procedures:
        for aspect in answers.ASPECTS:
            for button in buttons_of(answers.answer(procedure, aspect, procedure.code in forms)):
                yield f"answer {procedure.code} {aspect}", button
    for first in range(0, len(procedures), 5):
        yield from (
            ("candidates", button) for button in answers.candidates(procedures[first : first + 5]).buttons
        )


def answer(spec, form: FormSpec, answers_so_far: dict[str, str], phone: str) -> str:
    """A valid answer; a choice that a later field depends on takes the value that makes it asked."""
    wanted = next(
        (
            other.only_if["equals"]
            for other in form.fields
            if other.only_if and other.only_if["field"] == spec.name
        ),
        None,
    )
    if spec.type == CHOICE and wanted:
        return wanted
    return answer_for(spec, answers_so_far, phone)


def form_buttons(app: Services, can_share_phone: bool) -> Iterator[tuple[str, Button]]:
    channel = "telegram" if can_share_phone else "rest"
    phones = iter(range(912000001, 912000100, 2 if can_share_phone else 3))  # OTP limits are per phone
    sms = app.settings.var_dir / "sms_outbox.jsonl"

    def submit(
        form: FormSpec, answers_: dict[str, str], key: str, attachments: list, consent=None
    ) -> Submission:
        dossier = app.dossiers.submit(
            form=form,
            procedure=None,
            answers=answers_,
            channel=channel,
            sender_id="owner",
            phone_hash=phone_hash(app.secret, answers_[form.phone_field]),
            idempotency_key=key,
            attachments=attachments,
            consent=consent,
        )
        replies = receipt(dossier, None, f"http://x/{dossier.code}.pdf")
        return Submission(dossier.code, replies + app.fee_desk.after_submission(dossier.code))

    flow = FormFlow(
        app.forms,
        app.otp,
        submit,
        today=lambda: datetime.now(timezone.utc),
        can_share_phone=can_share_phone,
    )
    for code, form in app.forms.items():
        where = f"form {code} ({channel})"
        phone = f"0{next(phones)}"
        state, replies = flow.start(code, code)
        yield from ((where, button) for button in buttons_of(replies))
        yield from ((where, button) for button in buttons_of(flow.handle(state, "hả")[1]))  # consent again
        state, _ = flow.handle(state, "/affirm")
        failed = state
        for _ in range(2):  # two wrong answers: "Hướng dẫn" and "Hủy hồ sơ"
            failed, replies = flow.handle(failed, "@@@")
            yield from ((where, button) for button in buttons_of(replies))
        while state.phase == FIELDS:
            yield from ((where, button) for button in buttons_of(flow.prompt(state)))
            spec = form.fields[state.step]
            state, _ = flow.handle(state, answer(spec, form, state.answers, phone))
        assert state.phase == SUMMARY, where
        for spec in form.fields:  # every question, conditional ones too, as asked again for a correction
            correcting = FormState(code, phase=CORRECTING, correcting=spec.name, answers=dict(state.answers))
            yield from ((where, button) for button in buttons_of(flow.prompt(correcting)))
        yield from ((where, button) for button in buttons_of(flow.prompt(state)))
        choosing, _ = flow.handle(state, "/correct")
        yield from ((where, button) for button in buttons_of(flow.prompt(choosing)))
        state, replies = flow.handle(state, "/affirm")
        yield from ((where, button) for button in buttons_of(replies))
        if can_share_phone:
            state, replies = flow.handle(state, "/resend_code")
            yield from ((where, button) for button in buttons_of(replies))
        assert state.phase == OTP, where
        code_sent = latest_otp(sms, phone)
        for wrong in ("mã đâu", "000000" if code_sent != "000000" else "111111"):  # not a code, a wrong one
            _, replies = flow.handle(state, wrong)
            yield from ((where, button) for button in buttons_of(replies))
        state, replies = flow.handle(state, code_sent)
        yield from ((where, button) for button in buttons_of(replies))
        assert state.dossier_code, where


def status_buttons(app: Services) -> Iterator[tuple[str, Button]]:
    owner = Requester("rest", "owner")
    stranger = Requester("rest", "stranger", can_share_phone=True)
    desk = app.status_desk
    own = desk.own_dossiers(owner)
    assert len(own) >= 2
    with app.sessions() as session, session.begin():  # fees due on two of them: the "which dossier" question
        for view in own[:2]:
            session.execute(update(Dossier).where(Dossier.code == view.code).values(fee_amount=15000))
    outcomes = [desk.start(owner, None), desk.start(stranger, None), desk.ask_phone()]
    outcomes.append(desk.handle(outcomes[1].state, "không biết", "", stranger))
    outcomes.append(desk.handle(outcomes[1].state, "", "phone_shared", stranger))
    replies = [reply for outcome in outcomes for reply in outcome.replies]
    replies += desk.lookup(own[0].code, owner) + desk.lookup(own[0].code, stranger)
    replies += app.fee_desk.answer(owner, None)
    replies += [update_reply(f"Dạ, hồ sơ {view.code} có cập nhật mới: Đã tiếp nhận.") for view in own]
    yield from (("status", button) for button in buttons_of(replies))
    yield from (("payment", pay_fee_button(view.code)) for view in own)


# -- the test -----------------------------------------------------------------------------------------------


def test_every_button_payload_is_read_by_rasa_and_fits_telegram(
    blank_services: Services, domain: Domain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("DVC_VAR_DIR", str(tmp_path))  # the development SMS outbox goes there
    app = blank_services
    tokens = ButtonPayloads(app.sessions)
    walked: list[tuple[str, Button]] = [
        *domain_buttons(),
        *catalogue_buttons(app.forms, tmp_path),
        *form_buttons(app, can_share_phone=False),
        *form_buttons(app, can_share_phone=True),
        *status_buttons(app),
    ]
    upload = app.attachments.save("giay-chung-sinh.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    walked.append(
        ("widget and chat uploads", Button("📎", intent_payload("attach", upload_id=upload.upload_id)))
    )
    for where, button in walked:
        check(where, button, domain, tokens)

    payloads = {button.payload for _, button in walked}
    kinds = {payload[1:].partition("{")[0] for payload in payloads if payload.startswith("/")}
    # The walk reaches every kind of button the bot builds (a new kind belongs in the walk above).
    assert {
        "affirm",
        "deny",
        "cancel",
        "choose",
        "correct",
        "resend_code",
        "verify_phone",
        "phone_shared",
        "choose_procedure",
        "ask_aspect",
        "start_dossier",
        "ask_dossier_status",
        "pay_fee",
        "attach",
    } <= kinds, kinds
    assert "bỏ qua" in payloads  # the words of an optional question's "Bỏ qua" button
    longer = sorted(payload for payload in payloads if payload_bytes(payload) > TELEGRAM_CALLBACK_BYTES)
    assert longer and all(LONG_LOCAL_CODE in payload for payload in longer), longer[:3]


def test_a_payload_is_compact_json_measured_in_utf8_bytes():
    payload = intent_payload("choose", value='Tại "Bộ phận" Một cửa')
    assert payload == '/choose{"value":"Tại \\"Bộ phận\\" Một cửa"}'  # letters kept, quotes escaped
    assert payload_bytes(payload) == len(payload.encode("utf-8")) > len(payload)
    assert payload_bytes(answers.aspect_payload(answers.CONDITIONS, "1.001193")) <= TELEGRAM_CALLBACK_BYTES


def test_a_broken_payload_would_be_caught(domain):
    """The check itself fails on what string concatenation used to let through."""
    for broken in ('/choose{"value": "Nói "có" đi"}', "/no_such_intent", '/choose{"no_such_entity":"x"}'):
        with pytest.raises((AssertionError, UserWarning)):
            parsed(broken, domain)
