"""The cost of growth: the chat search's latency and memory against the catalogue's size (1×, 10×), the NLU's
training time, memory, latency and accuracy against the training data's size, and the turn latency and memory
against the conversations stored in the tracker store (10k, 100k). Each point runs in its own process so its
memory is its own. `python -m benchmarks.growth` prints the figures; `make bench` plots them."""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from benchmarks.measure import one_turn, percentiles, resident_mb
from devtools.services import ROOT, VENV_BIN, Ports, Services

CATALOGUE_SIZES = (1, 10)
TRAINING_FRACTIONS = (0.25, 0.5, 1.0)
STORED_CONVERSATIONS = (0, 10_000, 100_000)
TEMPLATE = "growth-template"
# A short real conversation, copied as many times as the level asks.
CONVERSATION = (
    "xin chào",
    "đăng ký khai sinh cần giấy tờ gì",
    "lệ phí bao nhiêu",
    "mất bao lâu",
    "cảm ơn",
)
TURNS_PER_POINT = 40
COMPONENT_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) .*rasa\.engine\.training\.hooks\s+- "
    r"(Starting to train|Finished training) component '([^']+)'"
)


def run_child(*arguments: str) -> dict:
    """A point measured in its own Python process (its memory is then its own)."""
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.growth", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(f"benchmarks.growth {' '.join(arguments)} failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


# -- catalogue size ----------------------------------------------------------------------------------------


def catalogue_point(copies: int) -> dict[str, object]:
    from benchmarks.synthetic import SyntheticVectors, synthetic_catalogue, synthetic_situations
    from bot.catalog.outside import default_topics
    from bot.catalog.ranking import ProcedureRanker
    from bot.catalog.search import Lexicon, ProcedureSearch
    from bot.catalog.semantic import Embedder, VectorCache
    from bot.catalog.situations import default_situations
    from bot.catalog.store import read_catalog
    from bot.settings import load_settings
    from eval.run import load_questions

    questions = [question["q"] for question in load_questions("dev3")]
    lexicon = Lexicon.load()
    situations = default_situations()
    embedder = Embedder()
    embedder.embed(questions[:2])  # the e5 model is loaded whatever the catalogue's size
    known = VectorCache(load_settings().search.cache_dir, embedder)
    gc.collect()
    before = resident_mb(os.getpid())
    started = time.perf_counter()
    procedures = list(read_catalog())
    if copies > 1:
        procedures = synthetic_catalogue(procedures, copies)
        situations = synthetic_situations(situations, copies)
        known = SyntheticVectors(known)
    ranker = ProcedureRanker(
        ProcedureSearch(procedures, lexicon), situations, default_topics(), embedder, vector_cache=known
    )
    for question in questions[:5]:
        ranker.search(question)
    start_up = time.perf_counter() - started
    samples = []
    for question in questions * 2:
        started = time.perf_counter()
        ranker.search(question)
        samples.append((time.perf_counter() - started) * 1000)
    gc.collect()
    return {
        "copies": copies,
        "procedures": len(procedures),
        "start_up_seconds": round(start_up, 2),
        "search_memory_mb": round(resident_mb(os.getpid()) - before, 1),
        "process_memory_mb": resident_mb(os.getpid()),
        "search": percentiles(samples),
    }


# -- training data size ------------------------------------------------------------------------------------


def component_seconds(log: str) -> dict[str, int]:
    """Seconds each component took to train, from the timestamps of Rasa's training hooks."""
    started: dict[str, datetime] = {}
    seconds: dict[str, int] = defaultdict(int)
    for line in log.splitlines():
        match = COMPONENT_LINE.match(line)
        if not match:
            continue
        moment = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S")
        if match.group(2) == "Starting to train":
            started[match.group(3)] = moment
        elif match.group(3) in started:
            seconds[match.group(3)] += int((moment - started.pop(match.group(3))).total_seconds())
    return dict(sorted(seconds.items(), key=lambda item: -item[1]))


def write_nlu_subset(fraction: float, out_dir: Path) -> int:
    """`fraction` of every intent's examples (a seeded sample, at least 2 each), with every synonym, regex and
    lookup table; returns how many examples were kept."""
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = load_data(str(ROOT / "data" / "nlu"))
    by_intent = defaultdict(list)
    for example in data.intent_examples:
        by_intent[example.get("intent")].append(example)
    chooser = random.Random(42)
    kept = []
    for examples in by_intent.values():
        kept.extend(chooser.sample(examples, max(2, math.ceil(len(examples) * fraction))))
    subset = TrainingData(
        kept,
        entity_synonyms=data.entity_synonyms,
        regex_features=data.regex_features,
        lookup_tables=data.lookup_tables,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "nlu.yml").write_text(subset.nlu_as_yaml(), encoding="utf-8")
    return len(kept)


def train_nlu(nlu_dir: Path, out_dir: Path, name: str) -> tuple[Path, float, dict[str, int]]:
    log = out_dir / f"{name}.log"
    with tempfile.TemporaryDirectory() as cache, log.open("w", encoding="utf-8") as output:
        started = time.perf_counter()
        subprocess.run(
            [
                *(str(VENV_BIN / "rasa"), "train", "nlu", "--config", "config.yml", "--nlu", str(nlu_dir)),
                *("--out", str(out_dir), "--fixed-model-name", name),
            ],
            cwd=ROOT,
            check=True,
            env=dict(os.environ, RASA_CACHE_DIRECTORY=cache),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        seconds = time.perf_counter() - started
    return out_dir / f"{name}.tar.gz", round(seconds, 1), component_seconds(log.read_text(encoding="utf-8"))


def nlu_point(model: str) -> dict[str, object]:
    from benchmarks.peers import blind_messages
    from eval.run import RasaNlu

    messages = blind_messages()
    before = resident_mb(os.getpid())
    nlu = RasaNlu(Path(model))
    nlu.parse("xin chào")
    loaded = resident_mb(os.getpid())
    samples, correct = [], 0
    for text, intent in messages:
        started = time.perf_counter()
        predicted, _ = nlu.parse(text)
        samples.append((time.perf_counter() - started) * 1000)
        correct += predicted == intent
    return {
        "model_memory_mb": round(loaded - before, 1),
        "parse": percentiles(samples),
        "blind_intent_accuracy": round(correct / len(messages), 3),
    }


def training_data_growth(work_dir: Path) -> list[dict[str, object]]:
    points = []
    for fraction in TRAINING_FRACTIONS:
        name = f"nlu-{int(fraction * 100)}"
        print(f"Training the NLU on {fraction:.0%} of its examples...", file=sys.stderr, flush=True)
        examples = write_nlu_subset(fraction, work_dir / name)
        model, seconds, components = train_nlu(work_dir / name, work_dir, name)
        points.append(
            {
                "fraction": fraction,
                "examples": examples,
                "training_seconds": seconds,
                "component_seconds": components,
                "model_mb": round(model.stat().st_size / 1e6, 1),
                **run_child("nlu", str(model)),
            }
        )
    return points


# -- stored conversations ----------------------------------------------------------------------------------


def copy_conversations(database: Path, first: int, last: int) -> None:
    """Conversations `first`..`last` as copies of the template conversation's events, written straight into
    Rasa's SQL tracker store (as that many citizens' conversations would have left them)."""
    with sqlite3.connect(database) as connection:
        connection.execute(
            "WITH RECURSIVE copy(number) AS "
            "(SELECT ? UNION ALL SELECT number + 1 FROM copy WHERE number < ?) "
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
            "SELECT 'growth-' || copy.number, type_name, timestamp, intent_name, action_name, data "
            "FROM copy, events WHERE events.sender_id = ?",
            (first, last, TEMPLATE),
        )


def metrics_ms(services: Services) -> float:
    import urllib.request

    started = time.perf_counter()
    with urllib.request.urlopen(f"{services.backoffice_url}/metrics", timeout=120) as response:
        response.read()
    return round((time.perf_counter() - started) * 1000, 1)


def stored_conversations_growth() -> list[dict[str, object]]:
    points = []
    with tempfile.TemporaryDirectory() as var_dir:
        services = Services(Ports.free(), Path(var_dir))
        services.start_all()
        try:
            for message in CONVERSATION:
                one_turn(services.rasa_url, TEMPLATE, message)
            database = Path(var_dir) / "rasa_tracker.db"
            stored = 0
            for level in STORED_CONVERSATIONS:
                if level > stored:
                    print(f"Storing {level:,} conversations...", file=sys.stderr, flush=True)
                    services.stop("rasa")
                    copy_conversations(database, stored + 1, level)
                    stored = level
                    services.start("rasa")
                for index in range(5):  # warm-up
                    one_turn(services.rasa_url, f"warm-{level}-{index}", "xin chào")
                fresh = [
                    one_turn(services.rasa_url, f"new-{uuid.uuid4().hex[:10]}", CONVERSATION[1])
                    for _ in range(TURNS_PER_POINT)
                ]
                chooser = random.Random(level)
                # A stored conversation goes on (at 0 stored: the same short conversation, not the template,
                # which the copies are made of).
                resumed = [
                    one_turn(
                        services.rasa_url,
                        f"growth-{chooser.randint(1, level)}" if level else "growth-resumed",
                        CONVERSATION[2],
                    )
                    for _ in range(TURNS_PER_POINT)
                ]
                with sqlite3.connect(database) as connection:
                    events = connection.execute("SELECT count(*) FROM events").fetchone()[0]
                points.append(
                    {
                        "stored_conversations": level,
                        "events": events,
                        "tracker_store_mb": round(database.stat().st_size / 1e6, 1),
                        "new_conversation_turn": percentiles(fresh),
                        "stored_conversation_turn": percentiles(resumed),
                        "metrics_endpoint_ms": min(metrics_ms(services) for _ in range(3)),
                        "rasa_resident_mb": resident_mb(services.processes["rasa"].pid),
                    }
                )
        finally:
            services.stop_all()
    return points


def growth(work_dir: Path) -> dict[str, object]:
    print("Measuring the search against the catalogue's size...", file=sys.stderr, flush=True)
    catalogue = [run_child("catalogue", str(copies)) for copies in CATALOGUE_SIZES]
    training = training_data_growth(work_dir)
    print("Measuring turns against stored conversations...", file=sys.stderr, flush=True)
    return {
        "catalogue_size": catalogue,
        "training_data_size": training,
        "stored_conversations": stored_conversations_growth(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    subcommands = parser.add_subparsers(dest="point")
    catalogue = subcommands.add_parser("catalogue", help="one catalogue-size point (a child process)")
    catalogue.add_argument("copies", type=int)
    nlu = subcommands.add_parser("nlu", help="one trained NLU model's point (a child process)")
    nlu.add_argument("model")
    arguments = parser.parse_args(argv)
    if arguments.point == "catalogue":
        print(json.dumps(catalogue_point(arguments.copies)))
    elif arguments.point == "nlu":
        print(json.dumps(nlu_point(arguments.model)))
    else:
        with tempfile.TemporaryDirectory() as work_dir:
            print(json.dumps(growth(Path(work_dir)), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
