"""Benchmark (`make bench`): search latency, cold training time by component, each service's memory after
start-up, REST latency, the officers' workflow (API and notification delivery), the channels' webhooks and
VNPay's IPN; then our pipeline against the whitespace peer (benchmarks/peers.py), a py-spy profile of 20
concurrent conversations (benchmarks/latency_profile.py) and the cost of growth (benchmarks/growth.py).
Writes docs/benchmarks/bench-<date>.json, .md and growth-<date>.png (benchmarks/report.py).

Usage: python -m benchmarks.run [--skip PART ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.channels import telegram_webhook, zalo_webhook
from benchmarks.growth import component_seconds, growth
from benchmarks.latency_profile import profile_under_load
from benchmarks.measure import one_turn, percentiles, resident_mb
from benchmarks.payments import ipn_latency
from benchmarks.peers import compare
from benchmarks.report import write
from benchmarks.synthetic import SyntheticVectors, synthetic_catalogue, synthetic_situations
from bot.catalog.model import Procedure
from bot.catalog.outside import default_topics
from bot.catalog.ranking import ProcedureRanker
from bot.catalog.search import Lexicon, ProcedureSearch
from bot.catalog.semantic import Embedder, VectorCache
from bot.catalog.situations import SituationData, default_situations
from bot.catalog.store import read_catalog
from bot.db.models import Dossier, Notification
from bot.db.session import session_factory
from bot.forms.definitions import load_forms
from bot.forms.sample_answers import answer_for, latest_otp
from bot.officers.accounts import Accounts
from bot.settings import load_settings
from devtools.fakes import channel_env
from devtools.fakes.telegram_bot_api import FakeTelegram
from devtools.fakes.zalo_oa_api import FakeZalo
from devtools.services import MODEL, ROOT, Ports, Services, post_json
from devtools.train import train
from eval.run import load_questions

GREETING_TURNS = 200
CONCURRENT_SENDERS = 10
TURNS_PER_SENDER_SEQUENTIAL = 10  # a fresh sender every 10 turns, as real conversations are short
BENCH_PASSWORD = "bench-password-2026"


def measure_training(log_dir: Path) -> dict[str, object]:
    """A cold training run (not Rasa's component cache), timed in all and by component."""
    log = log_dir / "training.log"
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, RASA_CACHE_DIRECTORY=cache)
        started = time.perf_counter()
        train(Path(out), env=env, log=log)
        seconds = round(time.perf_counter() - started, 1)
    return {"seconds": seconds, "component_seconds": component_seconds(log.read_text(encoding="utf-8"))}


def training_from_log(log: Path) -> dict[str, object]:
    """The figures of a cold training run made earlier by `measure_training` (its kept log): the seconds
    from Rasa's first to its last log line (the ~10 s of process start-up before it are not counted)."""
    text = log.read_text(encoding="utf-8")
    stamps = [
        datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S") for line in text.splitlines() if line[:2] == "20"
    ]
    return {
        "seconds": (stamps[-1] - stamps[0]).total_seconds(),
        "component_seconds": component_seconds(text),
        "from_log": str(log),
    }


def search_latency() -> dict[str, object]:
    """The chat's search (bot/catalog/ranking.py: lexical + situations + meaning + field) and the lexical
    search alone, on the catalogue and on a synthetic one ten times its size, and their start-up cost."""
    started = time.perf_counter()
    catalog = read_catalog()
    load_seconds = time.perf_counter() - started
    questions = [question["q"] for question in load_questions("dev3")]
    lexicon = Lexicon.load()
    situations = default_situations()
    settings = load_settings()
    embedder = Embedder()
    known = VectorCache(settings.search.cache_dir, embedder)

    def timed(build: Callable[[], object], procedures: int) -> dict[str, object]:
        started = time.perf_counter()
        search = build()
        build_seconds = time.perf_counter() - started
        for question in questions[:5]:  # warm-up
            search.search(question)
        samples = []
        for question in questions * 2:
            started = time.perf_counter()
            search.search(question)
            samples.append((time.perf_counter() - started) * 1000)
        return {"procedures": procedures, "start_up_seconds": round(build_seconds, 2), **percentiles(samples)}

    def ranker(procedures: list[Procedure], data: SituationData, cache: VectorCache) -> ProcedureRanker:
        return ProcedureRanker(
            ProcedureSearch(procedures, lexicon), data, default_topics(), embedder, vector_cache=cache
        )

    def embedding_alone() -> dict[str, object]:
        """The e5 model's share: embedding the question, which no catalogue size changes."""
        embedder.embed(questions[:5])
        samples = []
        for question in questions:
            started = time.perf_counter()
            embedder.embed([question])
            samples.append((time.perf_counter() - started) * 1000)
        return percentiles(samples)

    full = list(catalog)
    synthetic = synthetic_catalogue(full, copies=10)
    synthetic_data = synthetic_situations(situations, copies=10)
    return {
        "catalog_load_seconds": round(load_seconds, 2),
        "question_embedding_alone": embedding_alone(),
        "lexical_full_catalogue": timed(lambda: ProcedureSearch(full, lexicon), len(full)),
        "chat_search_full_catalogue": timed(lambda: ranker(full, situations, known), len(full)),
        "lexical_synthetic_10x": timed(lambda: ProcedureSearch(synthetic, lexicon), len(synthetic)),
        "chat_search_synthetic_10x": timed(
            lambda: ranker(synthetic, synthetic_data, SyntheticVectors(known)), len(synthetic)
        ),
    }


def procedure_question_latency(services: Services) -> dict[str, float]:
    samples = []
    for question in [question["q"] for question in load_questions("dev")][:60]:
        samples.append(one_turn(services.rasa_url, f"bench-proc-{uuid.uuid4().hex[:8]}", question))
    return percentiles(samples)


def form_flow_latency(services: Services, sender: str, phone: str = "0912999888") -> dict[str, object]:
    """One complete submission of the birth registration form over REST, timing every turn."""
    form = load_forms()["1.001193"]
    samples = [one_turn(services.rasa_url, sender, '/start_dossier{"procedure_code": "1.001193"}')]
    samples.append(one_turn(services.rasa_url, sender, "/affirm"))
    answers: dict[str, str] = {}
    for spec in form.fields:
        if not spec.applies(answers):
            continue
        typed = answer_for(spec, answers, phone)
        answers[spec.name] = typed
        samples.append(one_turn(services.rasa_url, sender, typed))
    samples.append(one_turn(services.rasa_url, sender, "/affirm"))  # summary confirmed: OTP sent
    samples.append(one_turn(services.rasa_url, sender, latest_otp(services.sms_outbox, phone)))
    return {"procedure": "1.001193", "turns": len(samples), **percentiles(samples)}


WORKFLOW = [
    ("bench-desk", "accept", {}),
    ("bench-desk", "forward", {"department": "TU_PHAP"}),
    ("bench-specialist", "assign", {}),
    ("bench-specialist", "request_supplement", {"note": "Bản sao giấy chứng sinh"}),
    ("bench-desk", "receive_supplement", {}),
    ("bench-specialist", "submit_for_signature", {}),
    ("bench-leader", "approve", {}),
    ("bench-desk", "mark_result_ready", {}),
    ("bench-desk", "return_result", {}),
]


def officer_workflow_latency(services: Services, sender: str) -> dict[str, object]:
    """Officers move the citizen's dossier through every step over the JSON API. Timed: the API call, and
    from the call until Rasa has put the update in the citizen's conversation (outbox → Rasa → action)."""
    sessions = session_factory(f"sqlite:///{services.var_dir / 'dvc.db'}")
    accounts = Accounts(sessions)
    for code, name in [
        ("MOT_CUA", "Bộ phận Một cửa"),
        ("TU_PHAP", "Tư pháp - Hộ tịch"),
        ("LANH_DAO", "Lãnh đạo"),
    ]:
        if code not in {department.code for department in accounts.list_departments()}:
            accounts.create_department(code, name)
    for username, role, department in [
        ("bench-desk", "desk", "MOT_CUA"),
        ("bench-specialist", "specialist", "TU_PHAP"),
        ("bench-leader", "chairman", "LANH_DAO"),  # a department's leader signs only its own department's
    ]:
        accounts.create_officer(
            username, username, role, BENCH_PASSWORD, department, must_change_password=False
        )
    with sessions() as session:
        code = session.execute(select(Dossier.code).where(Dossier.sender_id == sender)).scalar_one()
    tokens = {
        username: post_json(
            f"{services.backoffice_url}/api/auth/token", {"username": username, "password": BENCH_PASSWORD}
        )["access_token"]
        for username in {step[0] for step in WORKFLOW}
    }
    api_samples, delivery_samples = [], []
    for username, action, extra in WORKFLOW:
        started = time.perf_counter()
        post_json(
            f"{services.backoffice_url}/api/dossiers/{code}/actions",
            {"action": action, **extra},
            headers={"Authorization": f"Bearer {tokens[username]}"},
        )
        api_samples.append((time.perf_counter() - started) * 1000)
        while True:
            with sessions() as session:
                undelivered = session.execute(
                    select(func.count()).select_from(Notification).where(Notification.delivered_at.is_(None))
                ).scalar_one()
            if undelivered == 0 or time.perf_counter() - started > 30:
                break
            time.sleep(0.02)
        delivery_samples.append((time.perf_counter() - started) * 1000)
    status_samples = [one_turn(services.rasa_url, sender, f"hồ sơ {code} đến đâu rồi") for _ in range(20)]
    return {
        "steps": len(WORKFLOW),
        "api_action": percentiles(api_samples),
        "action_to_citizen_conversation": percentiles(delivery_samples),
        "rest_status_question": percentiles(status_samples),
    }


def greeting_latency(services: Services) -> dict[str, dict[str, float]]:
    url = services.rasa_url
    for _ in range(5):  # warm-up
        one_turn(url, "warmup", "xin chào")

    sequential = []
    for turn in range(GREETING_TURNS):
        if turn % TURNS_PER_SENDER_SEQUENTIAL == 0:
            sender = f"bench-seq-{uuid.uuid4().hex[:8]}"
        sequential.append(one_turn(url, sender, "xin chào"))

    def sender_session(index: int) -> list[float]:
        sender = f"bench-par-{index}-{uuid.uuid4().hex[:8]}"
        return [one_turn(url, sender, "xin chào") for _ in range(GREETING_TURNS // CONCURRENT_SENDERS)]

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENT_SENDERS) as pool:
        concurrent = [
            sample for samples in pool.map(sender_session, range(CONCURRENT_SENDERS)) for sample in samples
        ]
    wall = time.perf_counter() - started
    return {
        "sequential": percentiles(sequential),
        f"concurrent_{CONCURRENT_SENDERS}_senders": {
            **percentiles(concurrent),
            "turns_per_second": round(len(concurrent) / wall, 1),
        },
    }


def machine() -> dict[str, object]:
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024**2, 1),
        "system": platform.platform(),
        "python": platform.python_version(),
    }


def services_latency(report: dict[str, object]) -> None:
    """Start-up, memory and latency of the running stack: REST turns, a whole form, the officers' workflow,
    the Telegram and Zalo webhooks and VNPay's IPN."""
    with tempfile.TemporaryDirectory() as var_dir, FakeTelegram() as telegram, FakeZalo() as zalo:
        services = Services(
            Ports.free(),
            Path(var_dir),
            extra_env={**channel_env(telegram, zalo), "DVC_DEV_PAYMENT_GATEWAY": "1"},
        )
        started = time.perf_counter()
        services.start_all()
        report["startup_seconds"] = round(time.perf_counter() - started, 1)
        try:
            time.sleep(2)  # let start-up allocations settle
            report["resident_memory_mb"] = {
                name: resident_mb(process.pid) for name, process in services.processes.items()
            }
            print("Measuring REST latency...", file=sys.stderr, flush=True)
            report["rest_greeting_latency"] = greeting_latency(services)
            report["rest_procedure_question_latency"] = procedure_question_latency(services)
            citizen = f"bench-form-{uuid.uuid4().hex[:8]}"
            report["rest_dossier_form_flow"] = form_flow_latency(services, citizen)
            report["officer_workflow"] = officer_workflow_latency(services, citizen)
            print("Measuring the Telegram and Zalo webhooks...", file=sys.stderr, flush=True)
            report["zalo_webhook"] = zalo_webhook(services, zalo, percentiles)
            report["telegram_webhook"] = telegram_webhook(services, telegram, percentiles)
            print("Measuring VNPay IPN handling...", file=sys.stderr, flush=True)
            report["payment_ipn"] = ipn_latency(services, percentiles)
        finally:
            services.stop_all()


PARTS = ("search", "training", "services", "peers", "profile", "growth")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip", nargs="*", default=[], choices=PARTS, help="parts not to measure")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks"), help="where the report goes")
    parser.add_argument("--training-log", type=Path, help="take the training figures from this earlier log")
    args = parser.parse_args()
    skip = set(args.skip)

    report: dict[str, object] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": machine(),
    }
    work = ROOT / "var" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    if "search" not in skip:
        print("Measuring search latency...", file=sys.stderr, flush=True)
        report["procedure_search"] = search_latency()
    if args.training_log:
        report["training"] = training_from_log(args.training_log)
    elif "training" not in skip:
        print("Timing a cold training run...", file=sys.stderr, flush=True)
        report["training"] = measure_training(work)
    if "services" not in skip:
        services_latency(report)
    if "peers" not in skip:
        report["peers"] = compare(MODEL, work)
    if "profile" not in skip:
        print("Profiling 20 concurrent conversations with py-spy...", file=sys.stderr, flush=True)
        report["latency_profile"] = profile_under_load(work)
    if "growth" not in skip:
        report["growth"] = growth(work)
    page = write(report, Path(args.out))
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"Report: {page}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
