"""The training data meets the bar the product needs: enough, varied, diacritic-free share, no clashes."""

import re
import unicodedata
from collections import defaultdict

import yaml

from bot.settings import PROJECT_ROOT
from bot.text.normalize import fold

ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")
MIN_EXAMPLES = 20
# Intents only ever sent by buttons (their payload names them); they need no training examples.
PAYLOAD_ONLY = {
    "choose_procedure",
    "ask_aspect",
    "choose",
    "correct",
    "attach",
    "phone_shared",
    "verify_phone",
    "EXTERNAL_dossier_update",
    "cancel_handover",
    "rate",
}


def plain(example: str) -> str:
    return ANNOTATION.sub(lambda match: match.group(1), example)


def has_diacritics(text: str) -> bool:
    return (
        any(unicodedata.combining(char) for char in unicodedata.normalize("NFD", text)) or "đ" in text.lower()
    )


def load_intents() -> dict[str, list[str]]:
    intents: dict[str, list[str]] = defaultdict(list)
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text()).get("nlu", []):
            if "intent" in block:
                lines = [line.strip() for line in block["examples"].splitlines() if line.strip()]
                intents[block["intent"]].extend(plain(line.removeprefix("- ")) for line in lines)
    return intents


def domain() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


def test_every_domain_intent_has_enough_varied_examples():
    intents = load_intents()
    for intent in set(domain()["intents"]) - PAYLOAD_ONLY:
        examples = intents[intent]
        assert len(examples) >= MIN_EXAMPLES, intent
        assert len(set(examples)) == len(examples), f"duplicate examples in {intent}"
        without = sum(1 for example in examples if not has_diacritics(example))
        assert without * 3 >= len(examples), f"{intent}: only {without}/{len(examples)} without diacritics"


def test_no_example_belongs_to_two_intents_even_after_folding():
    owner: dict[str, str] = {}
    for intent, examples in load_intents().items():
        for example in examples:
            key = fold(example).strip(" ?!.")
            assert owner.setdefault(key, intent) == intent, f"'{example}' is in {owner[key]} and {intent}"


def test_training_data_and_domain_agree():
    intents = set(load_intents())
    assert intents == set(domain()["intents"]) - PAYLOAD_ONLY


def test_every_response_and_action_is_used_by_a_rule_a_story_or_an_action():
    used = set()
    for path in (PROJECT_ROOT / "data" / "dialogue").glob("*.yml"):
        used.update(re.findall(r"action: (\w+)", path.read_text()))
    code = "".join(path.read_text() for path in (PROJECT_ROOT / "bot").rglob("*.py"))
    for response in domain()["responses"]:
        assert response in used or response.startswith("utter_service_level") or response in code, response
    for action in domain()["actions"]:
        # Form validation and "ask" actions are called by Rasa's form loop, not by rules.
        if action.startswith(("validate_", "action_ask_")):
            continue
        assert action in used, action
