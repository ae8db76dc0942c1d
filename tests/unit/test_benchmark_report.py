"""The benchmark's own logic: the whitespace peer's configuration, the scoring of the blind set, the reading
of Rasa's training log and of py-spy's samples, the report page and plot (the figures are `make bench`'s)."""

import yaml

from benchmarks.growth import component_seconds
from benchmarks.latency_profile import summarise
from benchmarks.peer_config import RASA_DEFAULT, peer_config
from benchmarks.peers import blind_messages, score
from benchmarks.report import markdown, plot_growth, write
from bot.settings import PROJECT_ROOT


def test_the_peer_is_our_bot_with_rasas_default_pipeline():
    ours = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    default = yaml.safe_load(RASA_DEFAULT.read_text(encoding="utf-8"))
    peer = peer_config()
    assert peer["pipeline"] == default["pipeline"]
    assert peer["pipeline"][0]["name"] == "WhitespaceTokenizer"
    assert peer["policies"] == ours["policies"]
    assert peer["language"] == "vi"
    assert not any("bot." in component["name"] for component in peer["pipeline"])


def test_the_blind_set_is_read_whole():
    messages = blind_messages()
    assert len(messages) == 372
    assert ("alo", "greet") in messages


def test_score_counts_exact_intents_and_declined_out_of_scope_apart():
    messages = [("a", "greet"), ("b", "out_of_scope"), ("c", "goodbye"), ("d", "goodbye")]
    result = score(["greet", "nlu_fallback", "greet", "goodbye"], messages)
    assert result["intent_accuracy"] == 0.5
    assert result["intent_accuracy_fallback_counts_for_out_of_scope"] == 0.75
    assert result["fallbacks"] == 1
    assert next(iter(result["weakest_intents"])) == "out_of_scope"
    assert result["weakest_intents"]["goodbye"] == "1/2"


TRAINING_LOG = """\
2026-12-01 10:25:50 INFO     rasa.engine.training.hooks  - Starting to train component 'DIETClassifier'.
Epochs: 100%|##########| 80/80 [03:02<00:00]
2026-12-01 10:28:52 INFO     rasa.engine.training.hooks  - Finished training component 'DIETClassifier'.
2026-12-01 10:28:52 INFO     rasa.engine.training.hooks  - Starting to train component 'TEDPolicy'.
2026-12-01 10:30:00 INFO     rasa.engine.training.hooks  - Finished training component 'TEDPolicy'.
2026-12-01 10:30:00 INFO     rasa.engine.training.hooks  - Starting to train component 'RulePolicy'.
2026-12-01 10:30:04 INFO     rasa.engine.training.hooks  - Finished training component 'RulePolicy'.
"""


def test_component_seconds_from_the_training_hooks_slowest_first():
    assert component_seconds(TRAINING_LOG) == {"DIETClassifier": 182, "TEDPolicy": 68, "RulePolicy": 4}


def test_py_spy_samples_are_sorted_by_activity_and_waiting_is_set_apart(tmp_path):
    raw = tmp_path / "rasa.txt"
    raw.write_text(
        "main (rasa/__main__.py:133);serve (sanic/server/runners.py:155) 50\n"
        "main (rasa/__main__.py:133);handle (rasa/core/processor.py:169);"
        "_rasa_predict (rasa/utils/tensorflow/models.py:291);quick_execute (tensorflow/eager.py:52) 30\n"
        "main (rasa/__main__.py:133);handle (rasa/core/processor.py:169);"
        "validate (rasa/core/actions/action.py:700);iter_errors (jsonschema/validators.py:288) 10\n"
        "main (rasa/__main__.py:133);tokenize (bot/nlu/components.py:108);"
        "word_tokenize (underthesea/x.py:1) 10\n"
    )
    summary = summarise(raw)
    assert summary["busy_samples"] == 50
    assert summary["waiting_samples"] == 50
    assert summary["activity_percent"] == {
        "model inference (TensorFlow: DIET, TED)": 60.0,
        "checking action responses (jsonschema)": 20.0,
        "Vietnamese word segmentation (underthesea)": 20.0,
    }
    functions = summary["functions_inclusive_percent"]
    assert functions["handle (rasa/core/processor.py:169)"] == 80.0
    assert "main (rasa/__main__.py:133)" not in functions  # an entry point, on every stack


def _point(ms: float) -> dict:
    return {"count": 10, "p50_ms": ms, "p95_ms": ms * 2, "p99_ms": ms * 3, "max_ms": ms * 4}


REPORT = {
    "date": "2026-12-01",
    "machine": {"cpus": 2, "memory_gb": 23.4, "system": "Linux", "python": "3.10.13"},
    "training": {"seconds": 371.0, "component_seconds": {"DIETClassifier": 182}},
    "resident_memory_mb": {"rasa": 1360.0},
    "peers": {
        "blind_set": "eval/chat_intents.blind.yml",
        "ours": {
            "messages": 372,
            "intent_accuracy": 0.839,
            "intent_accuracy_fallback_counts_for_out_of_scope": 0.855,
            "fallbacks": 20,
            "weakest_intents": {"resume_dossier": "5/12"},
            "parse_latency": _point(38),
            "turn_latency": _point(120),
            "turn_mean_ms": 130.0,
            "rasa_resident_mb": 1360.0,
        },
        "whitespace_peer": {
            "messages": 372,
            "intent_accuracy": 0.7,
            "intent_accuracy_fallback_counts_for_out_of_scope": 0.72,
            "fallbacks": 30,
            "weakest_intents": {"out_of_scope": "2/12"},
            "parse_latency": _point(30),
            "turn_latency": _point(110),
            "turn_mean_ms": 100.0,
            "rasa_resident_mb": 1300.0,
        },
        "ratios_ours_to_peer": {"turn_p50": 1.09, "turn_p95": 1.09, "turn_mean": 1.3, "parse_p50": 1.27},
    },
    "growth": {
        "catalogue_size": [
            {"procedures": 2642, "search": _point(40), "start_up_seconds": 4.0, "search_memory_mb": 190.0},
            {"procedures": 26420, "search": _point(90), "start_up_seconds": 30.0, "search_memory_mb": 900.0},
        ],
        "training_data_size": [
            {
                "fraction": fraction,
                "examples": int(2000 * fraction),
                "training_seconds": 100 * fraction,
                "model_mb": 10.0,
                "model_memory_mb": 300.0,
                "parse": _point(30),
                "blind_intent_accuracy": 0.8,
            }
            for fraction in (0.25, 0.5, 1.0)
        ],
        "stored_conversations": [
            {
                "stored_conversations": level,
                "events": level * 71,
                "tracker_store_mb": level / 20,
                "new_conversation_turn": _point(90),
                "stored_conversation_turn": _point(80),
                "metrics_endpoint_ms": 6.0 + level / 1000,
                "rasa_resident_mb": 1350.0,
            }
            for level in (0, 10_000, 100_000)
        ],
    },
}


def test_the_report_says_which_targets_are_met_and_missed():
    page = markdown(REPORT, "growth-2026-12-01.png")
    assert "| intent accuracy higher than the peer's | 83.9% vs 70.0% | met |" in page
    assert "mean 1.3×, p50 1.09×, p95 1.09× | **missed** |" in page
    assert "| full training ≤ 5 min (cold, no cache) | 6.2 min | **missed** |" in page
    assert "| Rasa server RSS ≤ 1.5 GB | 1360.0 MB after start-up | met |" in page
    assert "| 26,420 | 90 | 180 | 30.0 | 900.0 |" in page
    assert "| 100,000 | 7,100,000 |" in page
    assert "![growth](growth-2026-12-01.png)" in page


def test_the_report_is_written_with_its_plot(tmp_path):
    page = write(REPORT, tmp_path)
    assert page == tmp_path / "bench-2026-12-01.md"
    assert (tmp_path / "bench-2026-12-01.json").exists()
    plot = tmp_path / "growth-2026-12-01.png"
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_plot_draws_every_panel(tmp_path):
    plot_growth(REPORT["growth"], tmp_path / "growth.png")
    assert (tmp_path / "growth.png").stat().st_size > 20_000
