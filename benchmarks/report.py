"""`make bench`'s report: the figures as JSON, a Markdown page (the targets of issue 13, the whitespace peer,
where a loaded turn's time goes, the cost of growth) and the growth plot as PNG, under docs/benchmarks/.

`python -m benchmarks.report docs/benchmarks/bench-<date>.json` renders the page and plot again."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: a file only
import matplotlib.pyplot as plt

PEER_TURN_RATIO_TARGET = 1.2
P95_TARGET_MS = 300
TRAINING_TARGET_SECONDS = 300
RASA_MEMORY_TARGET_MB = 1536


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**missed**")


def targets(report: dict) -> list[str]:
    rows = []
    peers = report.get("peers")
    if peers:
        ratios = peers["ratios_ours_to_peer"]
        ratio = ratios["turn_mean"]
        rows.append(
            f"| turn latency ≤ {PEER_TURN_RATIO_TARGET}× the whitespace peer's | mean {ratio}×, "
            f"p50 {ratios['turn_p50']}×, p95 {ratios['turn_p95']}× "
            f"| {_met(ratio <= PEER_TURN_RATIO_TARGET)} |"
        )
        ours, peer = peers["ours"]["intent_accuracy"], peers["whitespace_peer"]["intent_accuracy"]
        rows.append(
            f"| intent accuracy higher than the peer's | {ours:.1%} vs {peer:.1%} | {_met(ours > peer)} |"
        )
    profile = report.get("latency_profile")
    if profile:
        for label, result in profile.items():
            if not label.startswith("think_"):
                continue
            p95 = result["all_turns"]["p95_ms"]
            pause = label.removeprefix("think_")
            rows.append(
                f"| REST p95 ≤ {P95_TARGET_MS} ms, {profile['concurrency']} concurrent conversations, "
                f"embedded (citizens pause {pause} between messages) | {p95} ms at "
                f"{result['turns_per_second']} turns/s "
                f"| {_met(p95 <= P95_TARGET_MS)} |"
            )
    training = report.get("training")
    if training:
        seconds = training["seconds"]
        rows.append(
            f"| full training ≤ {TRAINING_TARGET_SECONDS // 60} min (cold, no cache) "
            f"| {seconds / 60:.1f} min "
            f"| {_met(seconds <= TRAINING_TARGET_SECONDS)} |"
        )
    memory = report.get("resident_memory_mb", {}).get("rasa")
    if memory:
        rows.append(
            f"| Rasa server RSS ≤ 1.5 GB | {memory} MB after start-up "
            f"| {_met(memory <= RASA_MEMORY_TARGET_MB)} |"
        )
    if not rows:
        return []
    return ["## Targets (issue 13)", "", "| target | measured | |", "|---|---|---|", *rows, ""]


def peer_table(peers: dict) -> list[str]:
    lines = [
        "## Our pipeline against Rasa's default (WhitespaceTokenizer) pipeline",
        "",
        f"Same domain, stories, policies and action server; intent accuracy on `{peers['blind_set']}` "
        f"({peers['ours']['messages']} messages written by a helper who never saw the training data; "
        "not tuned on). Turns: each blind message opens a new REST conversation, one at a time.",
        "",
        "| pipeline | intent accuracy | counting nlu_fallback on out_of_scope | fallbacks | parse p50 ms "
        "| turn p50 ms | turn p95 ms | turn mean ms | Rasa RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, result in (
        ("ours (underthesea)", peers["ours"]),
        ("whitespace peer", peers["whitespace_peer"]),
    ):
        lines.append(
            f"| {name} | {result['intent_accuracy']:.1%} "
            f"| {result['intent_accuracy_fallback_counts_for_out_of_scope']:.1%} | {result['fallbacks']} "
            f"| {result['parse_latency']['p50_ms']} | {result['turn_latency']['p50_ms']} "
            f"| {result['turn_latency']['p95_ms']} | {result['turn_mean_ms']} "
            f"| {result['rasa_resident_mb']} |"
        )
    lines += ["", "Weakest intents (correct/total):", ""]
    for name, result in (("ours", peers["ours"]), ("peer", peers["whitespace_peer"])):
        weakest = ", ".join(f"{intent} {score}" for intent, score in result["weakest_intents"].items())
        lines.append(f"- {name}: {weakest}")
    return [*lines, ""]


def profile_tables(profile: dict) -> list[str]:
    lines = [
        f"## Where a loaded turn's time goes (py-spy, embedded, {profile['concurrency']} concurrent "
        "conversations)",
        "",
    ]
    for label, result in profile.items():
        if not label.startswith("think_"):
            continue
        turns = result["all_turns"]
        lines += [
            f"### Citizens pausing {label.removeprefix('think_')} between messages",
            "",
            f"{result['turns_per_second']} turns/s, p50 {turns['p50_ms']} ms, p95 {turns['p95_ms']} ms, "
            f"p99 {turns['p99_ms']} ms; errors {result['errors']}; correctness checks "
            f"{'held' if result['checks_held'] else 'FAILED'}.",
            "",
            "| server | busy samples | waiting samples | what the busy samples were doing (% of busy) |",
            "|---|---|---|---|",
        ]
        for server, summary in result["profiles"].items():
            shares = "; ".join(f"{name} {share}" for name, share in summary["activity_percent"].items())
            lines.append(
                f"| {server} | {summary['busy_samples']} | {summary['waiting_samples']} | {shares} |"
            )
        lines.append("")
    return lines


def before_fix(before: dict) -> list[str]:
    """The same profile measured before a fix it led to (`note` says which), for comparison."""
    lines = [
        f"### Before: {before.get('note', '')}",
        "",
        "| citizens pause | turns/s | p50 ms | p95 ms | jsonschema % of Rasa's busy samples |",
        "|---|---|---|---|---|",
    ]
    for label, result in before.items():
        if not label.startswith("think_"):
            continue
        share = result["profiles"]["rasa"]["activity_percent"].get(
            "checking action responses (jsonschema)", 0
        )
        turns = result["all_turns"]
        lines.append(
            f"| {label.removeprefix('think_')} | {result['turns_per_second']} | {turns['p50_ms']} "
            f"| {turns['p95_ms']} | {share} |"
        )
    return [*lines, ""]


def training_table(training: dict) -> list[str]:
    components = training.get("component_seconds") or {}
    if not components:
        return []
    lines = [
        f"## Full training by component (cold, {training['seconds']} s in all)",
        "",
        "| component | seconds |",
        "|---|---|",
    ]
    lines += [f"| {name} | {seconds} |" for name, seconds in components.items()]
    return [*lines, ""]


def growth_tables(growth: dict, plot_name: str) -> list[str]:
    lines = ["## Cost of growth", "", f"![growth]({plot_name})", ""]
    if growth.get("note"):
        lines += [f"Note: {growth['note']}", ""]
    lines += ["### Catalogue size", ""]
    lines += [
        "| procedures | search p50 ms | search p95 ms | search start-up s | search memory MB |",
        "|---|---|---|---|---|",
    ]
    for point in growth["catalogue_size"]:
        lines.append(
            f"| {point['procedures']:,} | {point['search']['p50_ms']} | {point['search']['p95_ms']} "
            f"| {point['start_up_seconds']} | {point['search_memory_mb']} |"
        )
    lines += ["", "### NLU training data size", ""]
    lines += [
        "| examples | training s | model MB | model memory MB | parse p50 ms | parse p95 ms "
        "| blind accuracy |",
        "|---|---|---|---|---|---|---|",
    ]
    for point in growth["training_data_size"]:
        lines.append(
            f"| {point['examples']:,} ({point['fraction']:.0%}) | {point['training_seconds']} "
            f"| {point['model_mb']} | {point['model_memory_mb']} | {point['parse']['p50_ms']} "
            f"| {point['parse']['p95_ms']} | {point['blind_intent_accuracy']:.1%} |"
        )
    lines += ["", "### Conversations stored in the tracker store (SQLite, embedded profile)", ""]
    lines += [
        "| conversations | events | tracker MB | new conversation p50/p95 ms "
        "| stored conversation p50/p95 ms | back-office /metrics ms | Rasa RSS MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for point in growth["stored_conversations"]:
        new, stored = point["new_conversation_turn"], point["stored_conversation_turn"]
        lines.append(
            f"| {point['stored_conversations']:,} | {point['events']:,} | {point['tracker_store_mb']} "
            f"| {new['p50_ms']} / {new['p95_ms']} | {stored['p50_ms']} / {stored['p95_ms']} "
            f"| {point['metrics_endpoint_ms']} | {point['rasa_resident_mb']} |"
        )
    return [*lines, ""]


def plot_growth(growth: dict, path: Path) -> None:
    figure, axes = plt.subplots(2, 3, figsize=(15, 8))
    catalogue = growth["catalogue_size"]
    sizes = [point["procedures"] for point in catalogue]
    axes[0][0].plot(sizes, [p["search"]["p50_ms"] for p in catalogue], "o-", label="p50")
    axes[0][0].plot(sizes, [p["search"]["p95_ms"] for p in catalogue], "s-", label="p95")
    axes[0][0].set(title="Chat search vs catalogue", xlabel="procedures", ylabel="ms per question")
    axes[1][0].plot(sizes, [p["search_memory_mb"] for p in catalogue], "o-")
    axes[1][0].set(title="Search memory vs catalogue", xlabel="procedures", ylabel="MB")

    training = growth["training_data_size"]
    examples = [point["examples"] for point in training]
    axes[0][1].plot(examples, [p["parse"]["p50_ms"] for p in training], "o-", label="parse p50")
    axes[0][1].plot(examples, [p["parse"]["p95_ms"] for p in training], "s-", label="parse p95")
    axes[0][1].set(title="NLU parse vs training examples", xlabel="NLU examples", ylabel="ms")
    axes[1][1].plot(examples, [p["training_seconds"] for p in training], "o-", label="training s")
    axes[1][1].plot(examples, [p["model_memory_mb"] for p in training], "s-", label="model memory MB")
    axes[1][1].set(title="NLU training and memory vs examples", xlabel="NLU examples")

    stored = growth["stored_conversations"]
    conversations = [point["stored_conversations"] for point in stored]
    axes[0][2].plot(
        conversations, [p["new_conversation_turn"]["p95_ms"] for p in stored], "o-", label="new p95"
    )
    axes[0][2].plot(
        conversations, [p["stored_conversation_turn"]["p95_ms"] for p in stored], "s-", label="stored p95"
    )
    axes[0][2].plot(conversations, [p["metrics_endpoint_ms"] for p in stored], "^-", label="/metrics")
    axes[0][2].set(title="Turns vs stored conversations", xlabel="conversations stored", ylabel="ms")
    axes[1][2].plot(conversations, [p["rasa_resident_mb"] for p in stored], "o-", label="Rasa RSS MB")
    axes[1][2].plot(conversations, [p["tracker_store_mb"] for p in stored], "s-", label="tracker store MB")
    axes[1][2].set(title="Memory and disk vs stored conversations", xlabel="conversations stored")
    for axis in (axes[0][2], axes[1][2]):
        axis.set_xscale("symlog", linthresh=1000)  # 0, 10k and 100k apart
    for row in axes:
        for axis in row:
            axis.grid(alpha=0.3)
            if axis.get_legend_handles_labels()[0]:
                axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def markdown(report: dict, plot_name: str | None) -> str:
    machine = report["machine"]
    lines = [
        f"# Benchmarks ({report['date']})",
        "",
        f"Machine: {machine['cpus']} CPUs, {machine.get('memory_gb', '?')} GB, {machine.get('system', '')}, "
        f"Python {machine.get('python', '')}. Every server and the load shared these cores.",
        "",
        *targets(report),
    ]
    if report.get("peers"):
        lines += peer_table(report["peers"])
    if report.get("latency_profile"):
        lines += profile_tables(report["latency_profile"])
    if report.get("latency_profile_before"):
        lines += before_fix(report["latency_profile_before"])
    if report.get("training"):
        lines += training_table(report["training"])
    if report.get("growth") and plot_name:
        lines += growth_tables(report["growth"], plot_name)
    lines += ["All figures, and those not tabled here, are in the JSON beside this page.", ""]
    return "\n".join(lines)


def write(report: dict, directory: Path) -> Path:
    """bench-<date>.json, .md and growth-<date>.png in `directory`; returns the Markdown page's path."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"bench-{report['date']}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    plot_name = None
    if report.get("growth"):
        plot_name = f"growth-{report['date']}.png"
        plot_growth(report["growth"], directory / plot_name)
    page = stem.with_suffix(".md")
    page.write_text(markdown(report, plot_name), encoding="utf-8")
    return page


def main(argv: list[str] | None = None) -> int:
    arguments = argv if argv is not None else sys.argv[1:]
    if len(arguments) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(arguments[0])
    print(write(json.loads(source.read_text(encoding="utf-8")), source.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
