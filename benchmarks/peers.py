"""Our NLU pipeline against the whitespace peer (benchmarks/peer_config.py), each served alone by the same
Rasa server set-up and action server: intent accuracy on the blind chat set (eval/chat_intents.blind.yml,
written by a helper who never saw the training data, not tuned on) through the server's /model/parse, and turn
latency on the REST channel with every blind message opening a new conversation."""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import yaml

from benchmarks.measure import one_turn, percentiles, resident_mb
from benchmarks.peer_config import write_peer_config
from devtools.services import ROOT, Ports, Services, post_json
from devtools.train import train

BLIND_SET = ROOT / "eval" / "chat_intents.blind.yml"
WARM_UP_TURNS = 10


def blind_messages(path: Path = BLIND_SET) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(message["text"], message["intent"]) for message in data["messages"]]


def train_peer(out_dir: Path) -> tuple[Path, float]:
    """The peer's model and its training seconds (Rasa's cache may reuse the dialogue policies' training)."""
    config = write_peer_config(out_dir / "peer_config.yml")
    started = time.perf_counter()
    train(out_dir, model_name="peer", config=config)
    return out_dir / "peer.tar.gz", round(time.perf_counter() - started, 1)


def parse(services: Services, text: str) -> tuple[str | None, float]:
    started = time.perf_counter()
    parsed = post_json(f"{services.rasa_url}/model/parse?token={services.auth_token}", {"text": text})
    elapsed = (time.perf_counter() - started) * 1000
    return (parsed.get("intent") or {}).get("name"), elapsed


def score(predicted: list[str | None], messages: list[tuple[str, str]]) -> dict[str, object]:
    expected = [intent for _, intent in messages]
    correct = sum(got == want for got, want in zip(predicted, expected, strict=True))
    # An out-of-scope message the NLU declines (nlu_fallback) is answered the same way by the bot.
    lenient = sum(
        got == want or (want == "out_of_scope" and got == "nlu_fallback")
        for got, want in zip(predicted, expected, strict=True)
    )
    per_intent = Counter(want for got, want in zip(predicted, expected, strict=True) if got == want)
    totals = Counter(expected)
    return {
        "messages": len(messages),
        "intent_accuracy": round(correct / len(messages), 3),
        "intent_accuracy_fallback_counts_for_out_of_scope": round(lenient / len(messages), 3),
        "fallbacks": sum(got == "nlu_fallback" for got in predicted),
        "weakest_intents": {
            intent: f"{per_intent[intent]}/{total}"
            for intent, total in sorted(totals.items(), key=lambda item: per_intent[item[0]] / item[1])[:5]
        },
    }


def measure_bot(model: Path, messages: list[tuple[str, str]]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as var_dir:
        services = Services(Ports.free(), Path(var_dir), model=model)
        services.start_all()
        try:
            for index in range(WARM_UP_TURNS):
                one_turn(services.rasa_url, f"warm-{index}", messages[index * 7 % len(messages)][0])
            parsed = [parse(services, text) for text, _ in messages]
            turns = [
                one_turn(services.rasa_url, f"peer-{uuid.uuid4().hex[:10]}", text) for text, _ in messages
            ]
            memory = resident_mb(services.processes["rasa"].pid)
        finally:
            services.stop_all()
    return {
        **score([intent for intent, _ in parsed], messages),
        "parse_latency": percentiles([elapsed for _, elapsed in parsed]),
        "turn_latency": percentiles(turns),
        "turn_mean_ms": round(sum(turns) / len(turns), 1),
        "rasa_resident_mb": memory,
    }


def compare(ours_model: Path, work_dir: Path) -> dict[str, object]:
    messages = blind_messages()
    print("Training the whitespace peer...", file=sys.stderr, flush=True)
    peer_model, peer_training_seconds = train_peer(work_dir)
    print("Measuring our pipeline and the peer on the blind chat set...", file=sys.stderr, flush=True)
    ours = measure_bot(ours_model, messages)
    peer = measure_bot(peer_model, messages)
    return {
        "blind_set": str(BLIND_SET.relative_to(ROOT)),
        "ours": ours,
        "whitespace_peer": {**peer, "training_seconds_with_cache": peer_training_seconds},
        "ratios_ours_to_peer": {
            "turn_p50": round(ours["turn_latency"]["p50_ms"] / peer["turn_latency"]["p50_ms"], 2),
            "turn_p95": round(ours["turn_latency"]["p95_ms"] / peer["turn_latency"]["p95_ms"], 2),
            "turn_mean": round(ours["turn_mean_ms"] / peer["turn_mean_ms"], 2),
            "parse_p50": round(ours["parse_latency"]["p50_ms"] / peer["parse_latency"]["p50_ms"], 2),
        },
    }
