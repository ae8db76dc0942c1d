"""Load generator (`make load`, and a short run in `make test`): simulated citizens over the REST channel of a
running deployment (loopback only), each with a realistic mix, then the correctness checks.

Citizens: most ask about a procedure and follow up ("cần giấy tờ gì", "lệ phí", "bao lâu"); some file a
complete birth registration with the SMS code; some ask where a dossier is. Reports turns/s and p50/p95/p99
per turn kind and every error, then checks, against the databases themselves:
- every conversation's tracker holds exactly the citizen's messages, in the order they were sent;
- every completed submission left exactly one dossier;
- every officer step (the desk accepts each submitted dossier) produced exactly one delivered notification,
  present once in the citizen's conversation.
Prints one JSON object; exits 1 when a check fails."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from sqlalchemy import create_engine, func, select, text

from bot.db.models import Dossier, Notification
from bot.db.session import session_factory
from bot.forms.definitions import load_forms
from bot.forms.sample_answers import answer_for, latest_otp
from bot.notifications.replies import tag_of
from bot.officers.accounts import Accounts

QUESTIONS = [
    "làm giấy khai sinh cho con cần gì",
    "đăng ký kết hôn ở xã cần giấy tờ gì",
    "xin giấy xác nhận tình trạng hôn nhân",
    "thủ tục đăng ký khai tử",
    "chứng thực bản sao giấy tờ",
    "đăng ký thường trú",
]
FOLLOW_UPS = ["cần giấy tờ gì", "lệ phí bao nhiêu", "mất bao lâu"]
BIRTH = "1.001193"
LOAD_PASSWORD = "Tai-thu-2026-xyz9"


@dataclass
class Run:
    url: str
    outbox: Path
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    sent: dict[str, list[str]] = field(default_factory=dict)  # sender -> messages, in order
    submitted: list[str] = field(default_factory=list)  # senders whose form reached the receipt
    # Mean seconds a citizen takes to read a reply and type the next message (0: answer at once, saturating).
    think_seconds: float = 0.0
    pause: random.Random = field(default_factory=lambda: random.Random(11))

    async def say(self, client: aiohttp.ClientSession, sender: str, kind: str, message: str) -> str:
        if self.think_seconds and sender in self.sent:
            await asyncio.sleep(self.pause.uniform(0.5, 1.5) * self.think_seconds)
        self.sent.setdefault(sender, []).append(message)
        started = time.perf_counter()
        try:
            async with client.post(
                f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": message}
            ) as response:
                body = await response.json(content_type=None)
                if response.status != 200:
                    self.errors.append(f"{kind}: HTTP {response.status}")
                    return ""
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            self.errors.append(f"{kind}: {type(error).__name__}")
            return ""
        self.latencies[kind].append((time.perf_counter() - started) * 1000)
        texts = " ".join(str(item.get("text") or "") for item in body if isinstance(item, dict))
        if not texts:
            self.errors.append(f"{kind}: no answer")
        return texts


async def asks_about_procedures(
    run: Run, client: aiohttp.ClientSession, sender: str, rng: random.Random
) -> None:
    await run.say(client, sender, "question", rng.choice(QUESTIONS))
    for follow_up in rng.sample(FOLLOW_UPS, 2):
        await run.say(client, sender, "follow_up", follow_up)


async def files_a_dossier(run: Run, client: aiohttp.ClientSession, sender: str, phone: str) -> None:
    form = load_forms()[BIRTH]
    await run.say(client, sender, "form", f'/start_dossier{{"procedure_code": "{BIRTH}"}}')
    await run.say(client, sender, "form", "/affirm")  # consent
    answers: dict[str, str] = {}
    for spec in form.fields:
        if spec.applies(answers):
            answers[spec.name] = answer_for(spec, answers, phone)
            await run.say(client, sender, "form", answers[spec.name])
    await run.say(client, sender, "form", "/affirm")  # the summary is right: the code is sent
    try:
        code = latest_otp(run.outbox, phone)
    except (LookupError, OSError):
        run.errors.append("otp: no SMS reached the outbox")
        return
    receipt = await run.say(client, sender, "otp", code)
    if "H23-" in receipt or "mã hồ sơ" in receipt.lower():
        run.submitted.append(sender)
    else:
        run.errors.append("otp: no receipt after the code")


async def asks_about_a_dossier(run: Run, client: aiohttp.ClientSession, sender: str) -> None:
    await run.say(client, sender, "status", "hồ sơ 000.00.12.H23-200101-0999 đến đâu rồi")
    await run.say(client, sender, "status", "/cancel")


async def citizen(run: Run, client: aiohttp.ClientSession, number: int, prefix: str, seed: int) -> None:
    rng = random.Random(seed * 100_003 + number)
    sender = f"{prefix}-{number:05d}"
    kind = number % 10
    if kind < 6:
        await asks_about_procedures(run, client, sender, rng)
    elif kind < 8:
        await files_a_dossier(run, client, sender, f"098{rng.randrange(10**7):07d}")  # a Viettel mobile
    else:
        await asks_about_a_dossier(run, client, sender)


def percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"turns": 0}
    ordered = sorted(samples)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {
        "turns": len(samples),
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
    }


# -- correctness ---------------------------------------------------------------------------------------


def tracker_messages(tracker_url: str, senders: list[str]) -> dict[str, list[str]]:
    engine = create_engine(tracker_url, future=True)
    found: dict[str, list[str]] = {sender: [] for sender in senders}
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT sender_id, data FROM events WHERE type_name = 'user' ORDER BY id")
        ).all()
    engine.dispose()
    for sender, data in rows:
        event = json.loads(data)
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        if sender in found and not intent.startswith("EXTERNAL_"):  # a pushed dossier update, not the citizen
            found[sender].append(event.get("text"))
    return found


def tracker_tags(tracker_url: str, senders: list[str]) -> Counter:
    """How many times each notification id was said in the given conversations."""
    engine = create_engine(tracker_url, future=True)
    counts: Counter = Counter()
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT sender_id, data FROM events WHERE type_name = 'bot' ORDER BY id")
        ).all()
    engine.dispose()
    wanted = set(senders)
    for sender, data in rows:
        tag = tag_of(json.loads(data).get("data") or {}) if sender in wanted else None
        if tag is not None:
            counts[tag] += 1
    return counts


async def officer_steps(url: str, database_url: str, senders: list[str]) -> list[str]:
    """The desk accepts each submitted dossier over the API; the codes accepted."""
    sessions = session_factory(database_url)
    accounts = Accounts(sessions)
    departments = {department.code for department in accounts.list_departments()}
    if "MOT_CUA" not in departments:
        accounts.create_department("MOT_CUA", "Bộ phận Một cửa")
    if "load-desk" not in {officer.username for officer in accounts.list_officers()}:
        accounts.create_officer(
            "load-desk", "Bàn tải thử", "desk", LOAD_PASSWORD, "MOT_CUA", must_change_password=False
        )
    with sessions() as session:
        codes = list(session.execute(select(Dossier.code).where(Dossier.sender_id.in_(senders))).scalars())
    async with aiohttp.ClientSession() as client:
        async with client.post(
            f"{url}/api/auth/token", json={"username": "load-desk", "password": LOAD_PASSWORD}
        ) as response:
            token = (await response.json())["access_token"]
        for code in codes:
            async with client.post(
                f"{url}/api/dossiers/{code}/actions",
                json={"action": "accept"},
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                if response.status != 200:
                    raise RuntimeError(f"accepting {code}: HTTP {response.status}")
    return codes


def wait_delivered(database_url: str, senders: list[str], timeout: float) -> list[tuple[int, bool]]:
    sessions = session_factory(database_url)
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as session:
            rows = session.execute(
                select(Notification.id, Notification.delivered_at.is_not(None)).where(
                    Notification.sender_id.in_(senders)
                )
            ).all()
        if all(delivered for _, delivered in rows) or time.monotonic() > deadline:
            return [(row[0], bool(row[1])) for row in rows]
        time.sleep(0.5)


def checks(run: Run, args: argparse.Namespace, accepted: list[str]) -> dict[str, Any]:
    notifications = wait_delivered(args.database_url, run.submitted, timeout=120)
    senders = list(run.sent)
    in_tracker = tracker_messages(args.tracker_url, senders)
    out_of_order = [sender for sender in senders if in_tracker[sender] != run.sent[sender]]
    sessions = session_factory(args.database_url)
    with sessions() as session:
        per_sender = dict(
            session.execute(
                select(Dossier.sender_id, func.count())
                .where(Dossier.sender_id.in_(senders))
                .group_by(Dossier.sender_id)
            ).all()
        )
    duplicates = [sender for sender, count in per_sender.items() if count > 1]
    missing = [sender for sender in run.submitted if per_sender.get(sender, 0) == 0]
    undelivered = [number for number, delivered in notifications if not delivered]
    said = tracker_tags(args.tracker_url, run.submitted)
    said_wrong = [number for number, _ in notifications if said[number] != 1]
    return {
        "conversations": len(senders),
        "conversations_not_exactly_as_sent": len(out_of_order),
        "dossiers_submitted": len(run.submitted),
        "dossiers_duplicated": len(duplicates),
        "dossiers_missing": len(missing),
        "officer_steps": len(accepted),
        "notifications": len(notifications),
        "notifications_undelivered": len(undelivered),
        "notifications_not_said_exactly_once": len(said_wrong),
        "examples": {
            "out_of_order": out_of_order[:3],
            "duplicated": duplicates[:3],
            "said_wrong": said_wrong[:3],
        },
    }


async def drive(args: argparse.Namespace) -> Run:
    run = Run(args.url.rstrip("/"), Path(args.sms_outbox), think_seconds=args.think_seconds)
    limit = asyncio.Semaphore(args.concurrency)
    prefix = f"load-{int(time.time())}-{random.randrange(10**6):06d}"
    timeout = aiohttp.ClientTimeout(total=120)
    deadline = time.monotonic() + args.max_seconds

    async with aiohttp.ClientSession(timeout=timeout) as client:

        async def one(number: int) -> None:
            async with limit:
                if run.think_seconds:  # citizens who pause between messages also arrive spread out
                    await asyncio.sleep(run.pause.uniform(0, 2 * run.think_seconds))
                if time.monotonic() < deadline:
                    await citizen(run, client, number, prefix, args.seed)

        await asyncio.gather(*(one(number) for number in range(args.citizens)))
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--url", default="http://127.0.0.1:8088", help="the deployment's public URL (loopback)"
    )
    parser.add_argument("--citizens", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=600, help="no new citizen starts after this")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--think-seconds",
        type=float,
        default=0.0,
        help="mean pause before each citizen's next message (0: none, every conversation always waiting)",
    )
    parser.add_argument("--backoffice-url", help="where the officers' API is (default: --url, behind nginx)")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tracker-url", required=True)
    parser.add_argument("--sms-outbox", required=True)
    args = parser.parse_args(argv)
    hosts = {urlsplit(url).hostname for url in (args.url, args.backoffice_url or args.url)}
    if not hosts <= {"127.0.0.1", "localhost", "::1"}:
        parser.error("the load generator only runs against this machine (loopback)")
    started = time.perf_counter()
    run = asyncio.run(drive(args))
    elapsed = time.perf_counter() - started
    officers_url = (args.backoffice_url or args.url).rstrip("/")
    accepted = asyncio.run(officer_steps(officers_url, args.database_url, run.submitted))
    verdict = checks(run, args, accepted)
    turns = sum(len(samples) for samples in run.latencies.values())
    report = {
        "citizens": len(run.sent),
        "concurrency": args.concurrency,
        "think_seconds": args.think_seconds,
        "seconds": round(elapsed, 1),
        "turns_per_second": round(turns / elapsed, 2) if elapsed else 0,
        "by_kind": {kind: percentiles(samples) for kind, samples in sorted(run.latencies.items())},
        "all_turns": percentiles([sample for samples in run.latencies.values() for sample in samples]),
        "errors": len(run.errors),
        "error_kinds": dict(Counter(run.errors).most_common(10)),
        "checks": verdict,
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    failed = any(
        verdict[name]
        for name in (
            "conversations_not_exactly_as_sent",
            "dossiers_duplicated",
            "dossiers_missing",
            "notifications_undelivered",
            "notifications_not_said_exactly_once",
        )
    )
    return 1 if failed or run.errors else 0


if __name__ == "__main__":
    sys.exit(main())
