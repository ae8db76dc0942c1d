"""No log line of any process carries a citizen's CCCD, phone or name in clear, even at DEBUG.

A stack of its own (every process at DEBUG, logs in a fresh directory) takes a whole dossier conversation
over REST with a real CCCD and phone number, then every log file the stack wrote is searched for them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from bot.settings import PROJECT_ROOT
from devtools.services import Ports, Services
from tests.conftest import Citizen
from tests.integration.test_dossier_conversations import CODE, fill_form, joined, otp_code

pytestmark = pytest.mark.servers

SUMMARY = PROJECT_ROOT / "test-results" / "soak" / "log-privacy.json"  # printed by `make soak`
PHONE_TYPED = "0912 345 678"
PHONE = "0912345678"
CCCD = "001090123456"  # what the form's answers give for a man born 15/03/1990 (bot/forms/sample_answers.py)
NAME = "Nguyễn Văn An"


@pytest.fixture(scope="module")
def debug_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    stack = Services(Ports.free(), tmp_path_factory.mktemp("var-debug"), log_level="DEBUG")
    try:
        stack.start_all(timeout=600)  # beside the session's stack when the whole suite runs: slower start
        yield stack
    finally:
        stack.stop_all()


def written(digits: str, phone: bool = False) -> re.Pattern[str]:
    """The number however it is written: spaces, dots or dashes between digits; a phone also with 84/+84."""
    if phone:
        return re.compile(r"(?:\+?84|0)[\s.\-]?" + r"[\s.\-]?".join(digits.removeprefix("0")))
    return re.compile(r"[\s.\-]?".join(digits))


def escaped(text: str) -> str:
    """How JSON with ensure_ascii (Rasa's structured logs) writes it."""
    return text.encode("ascii", "backslashreplace").decode().replace("\\x", "\\u00")


def test_a_whole_dossier_conversation_leaves_no_personal_data_in_any_log(debug_stack):
    person = Citizen(debug_stack)
    person.say(f"cho em hỏi, em tên {NAME}, số CCCD {CCCD}, điện thoại {PHONE_TYPED}, làm khai sinh sao ạ")
    summary = fill_form(person, "1.001193", PHONE_TYPED)
    assert NAME in summary
    assert "mã xác thực" in joined(person.say("/affirm"))
    receipt = joined(person.say(otp_code(debug_stack, PHONE)))
    code = CODE.search(receipt).group(1)
    assert code in joined(person.say(f"tra cứu hồ sơ {code}"))
    debug_stack.stop_all()  # every process flushes and closes its log

    logs = {path.name: path.read_text(encoding="utf-8", errors="replace") for path in debug_stack.log_files}
    logs |= {
        p.name: p.read_text(encoding="utf-8", errors="replace") for p in debug_stack.var_dir.glob("*.log")
    }
    assert set(logs) >= {"rasa.log", "actions.log", "backoffice.log"}
    assert "processor.slots.log" in logs["rasa.log"] and "DEBUG" in logs["actions.log"]  # DEBUG was on
    searched = {
        "CCCD": written(CCCD),
        "phone": written(PHONE, phone=True),
        "name": re.compile(
            "|".join(re.escape(form) for form in {NAME, escaped(NAME), escaped(NAME.lower())})
        ),
    }
    hits = [
        f"{name}: {what} in {line.strip()[:200]}"
        for name, text in logs.items()
        for line in text.splitlines()
        for what, pattern in searched.items()
        if pattern.search(line)
    ]
    lines = sum(len(text.splitlines()) for text in logs.values())
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(
        json.dumps({"log_lines": lines, "personal_data_found": len(hits), "files": sorted(logs)}) + "\n",
        encoding="utf-8",
    )
    assert hits == []
