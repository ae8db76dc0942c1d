"""Keep personal data out of every log line (Decree 13/2023/NĐ-CP: never log it in clear).

`install()` masks every log record of the process as it is created (a log record factory), and adds
`PersonalDataFilter` to the root logger and to every handler that exists at that moment. The factory is what
reaches everything: a filter on the root logger does not see records propagated from other loggers, and
Rasa, Sanic and coloredlogs create or replace their handlers after our code is imported (Rasa's
`--logging-config-file` is applied before the project is importable and its handlers are then replaced by
coloredlogs), so masking at creation is the only place every handler of every library goes through.

What is masked:
- everywhere: CCCD (12 digits) and CMND (9 digits) numbers, Vietnamese phone numbers (0…, 84…, +84…, with
  spaces, dots or dashes), e-mail addresses, personal names starting with a common family name, and the
  tokens of citizens' private links (`?t=…`);
- the values of keys that name personal fields (every field of the declaration forms, `answers`, the slots
  that hold answers or phones, names, phones, CCCD, addresses), in JSON, dict reprs and `key: value` lists;
- in Rasa's events as its debug log prints them: the citizen's and the bot's texts (UserUttered, BotUttered,
  "user text:" in dialogue states, `text`-like keys of structured events) and the values of every slot except
  SAFE_SLOTS (SlotSet, slot lists).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from bot.privacy.conversations import SAFE_ENTITIES, SAFE_SLOTS

# The question log's name rules (bot/text is a model input: changing it there would retrain the NLU).
from bot.text.masking import _NAME, _NAMED, _name

REDACTED = "[đã ẩn]"
ID_NUMBER = "[số giấy tờ]"
PHONE = "[số điện thoại]"
EMAIL = "[email]"
TOKEN = "[mã]"

# Keys of Rasa's structured events (rasa/utils/log_utils.py) that hold a message's whole text.
TEXT_KEYS = frozenset(
    {"text", "user_text", "parse_data_text", "response_text", "message", "user_message", "json_message"}
    | {"token_text", "action_text"}
)
# Keys whose value is personal wherever they appear; the forms' field names are added (personal_keys()).
PERSONAL_KEYS = frozenset(
    {
        "answers",
        "applicant_name",
        "full_name",
        "first_name",
        "last_name",
        "display_name",
        "ho_ten",
        "ho_va_ten",
        "phone",
        "phone_number",
        "so_dien_thoai",
        "sdt",
        "cccd",
        "cmnd",
        "so_cccd",
        "address",
        "dia_chi",
        # slots that hold the citizen's answers, the phone being verified or its hash
        "dossier_state",
        "dossier_input",
        "status_state",
        "status_input",
        "verified_phone",
        "session_started_metadata",
    }
)

# A 12-digit CCCD or 9-digit CMND, digits possibly grouped by single spaces or dots; not part of a longer
# number, a word, a hex string or a decimal fraction.
_CCCD = re.compile(r"(?<![\w.])\d(?:[ .]?\d){11}(?![\w]|\.\d)")
_CMND = re.compile(r"(?<![\w.])\d(?:[ .]?\d){8}(?![\w]|\.\d)")
# 0 or (+)84, then 8 to 11 digits with optional separators; two digits at least before the first separator,
# so that "0.91234567" (a confidence) is not a phone.
_PHONE = re.compile(r"(?<![\w.+])(?:(?:\+84|84)[\s.-]?|0)\d{2,3}(?:[\s.-]?\d){6,8}(?![\w]|\.\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK_TOKEN = re.compile(r"([?&](?:t|token)=)[\w-]{16,}")

_QUOTED = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
_SLOT_SET = re.compile(r"SlotSet\(key: ([\w.-]+), value: (.*?)\)(?=\s*$|, \w+\(|\]|'|\")", re.DOTALL)
_USER_UTTERED = re.compile(r"UserUttered\(text: (.*?), intent: ", re.DOTALL)
_BOT_UTTERED_REPR = re.compile(r"BotUttered\('(.*?)', (?=\{)", re.DOTALL)
_BOT_UTTERED_STR = re.compile(r"BotUttered\(text: (.*?), data: (?=\{)", re.DOTALL)
_USER_TEXT_STATE = re.compile(r"user text: (.*?)(?= \| |\n|$)")
_SLOT_LINE = re.compile(r"(?m)^(\s*)([\w.-]+): (.*)$")


@lru_cache(maxsize=1)
def personal_keys() -> frozenset[str]:
    """PERSONAL_KEYS and the name of every field of the declaration forms (all answers are personal)."""
    try:
        from bot.forms.definitions import load_forms

        names = {spec.name for form in load_forms().values() for spec in form.fields}
    except Exception:  # logging must work even when the forms cannot be read
        names = set()
    return PERSONAL_KEYS | names


def _keyed_value(keys: Iterable[str], quoted_key: bool) -> re.Pattern[str]:
    """'key': value / "key": value (/ key: value, key=value unless `quoted_key`); the value quoted, a flat
    {…} or […], or a run of characters up to a separator."""
    names = "|".join(sorted((re.escape(key) for key in keys), key=len, reverse=True))
    quote = r"['\"]" if quoted_key else r"['\"]?"
    return re.compile(
        rf"(?P<key>(?P<q>{quote})\b(?:{names})\b(?P=q)\s*[:=]\s*)"
        rf"(?P<value>{_QUOTED}|\{{[^{{}}]*\}}|\[[^\[\]]*\]|[^\s,;'\"{{}}\[\]()]+)"
    )


@lru_cache(maxsize=1)
def _keyed_patterns() -> tuple[re.Pattern[str], ...]:
    # Text keys only when quoted (dict reprs, JSON): "text: …" is also how Rasa prints its own events.
    return _keyed_value(personal_keys(), quoted_key=False), _keyed_value(TEXT_KEYS, quoted_key=True)


def mask_names(text: str) -> str:
    """A common family name and the capitalised words after it; the words after "tên (tôi) là"."""
    return _NAMED.sub(lambda match: f"{match.group(1)} [họ tên]", _NAME.sub(_name, text))


def mask_patterns(text: str) -> str:
    """Identity numbers, phones, e-mails, names and link tokens, wherever they are in the text."""
    masked = _EMAIL.sub(EMAIL, text)
    masked = _LINK_TOKEN.sub(rf"\1{TOKEN}", masked)
    masked = _CCCD.sub(ID_NUMBER, masked)
    masked = _PHONE.sub(PHONE, masked)
    masked = _CMND.sub(ID_NUMBER, masked)
    return mask_names(masked)


def _shown(slot: str, value: str) -> bool:
    return slot in SAFE_SLOTS or value.strip() in ("None", "")  # a reset slot is worth seeing


def _slot_set(match: re.Match[str]) -> str:
    slot, value = match.groups()
    return match.group(0) if _shown(slot, value) else f"SlotSet(key: {slot}, value: {REDACTED})"


def _slot_line(match: re.Match[str]) -> str:
    indent, slot, value = match.groups()
    return match.group(0) if _shown(slot, value) else f"{indent}{slot}: {REDACTED}"


def _personal(match: re.Match[str]) -> str:
    value = match.group("value")
    if value in ("None", "null", "''", '""', "{}", "[]"):
        return match.group(0)
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match.group('key')}{quote}{REDACTED}{quote}"


def mask_text(text: str, slot_list: bool = False) -> str:
    """A log message (or one string of a structured one) with personal data replaced."""
    if not text:
        return text
    masked = _SLOT_SET.sub(_slot_set, text)
    masked = _USER_UTTERED.sub(f"UserUttered(text: {REDACTED}, intent: ", masked)
    masked = _BOT_UTTERED_REPR.sub(f"BotUttered('{REDACTED}', ", masked)
    masked = _BOT_UTTERED_STR.sub(f"BotUttered(text: {REDACTED}, data: ", masked)
    masked = _USER_TEXT_STATE.sub(f"user text: {REDACTED}", masked)
    if slot_list:
        masked = _SLOT_LINE.sub(_slot_line, masked)
    for pattern in _keyed_patterns():
        masked = pattern.sub(_personal, masked)
    return mask_patterns(masked)


def mask_value(value: Any, key: str | None = None) -> Any:
    """A decoded JSON value: personal keys and text keys hidden whole, every other string masked."""
    if key is not None and (key in TEXT_KEYS or key in personal_keys()) and value not in (None, "", [], {}):
        return REDACTED
    if isinstance(value, dict):
        masked = {name: mask_value(item, str(name)) for name, item in value.items()}
        if "entity" in value and value.get("value") and value["entity"] not in SAFE_ENTITIES:
            masked["value"] = REDACTED  # an extracted entity: the citizen's own words
        return masked
    if isinstance(value, list):
        return [mask_value(item) for item in value]
    if isinstance(value, str):
        return mask_text(value, slot_list=key == "slot_values")
    if isinstance(value, int) and not isinstance(value, bool):
        return value if mask_patterns(str(value)) == str(value) else ID_NUMBER
    return value


def mask_message(message: str) -> str:
    """A whole log message: Rasa's structured events are JSON objects, masked key by key."""
    if message.lstrip().startswith("{"):
        try:
            decoded = json.loads(message)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            return json.dumps(mask_value(decoded))  # escaped as Rasa's renderer does
    return mask_text(message, slot_list="slot values" in message.lower())


_STANDARD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_MASKED = "_dvc_masked"


def mask_record(record: logging.LogRecord) -> None:
    """Rewrite the record in place (idempotent): its message, exception text, stack and string extras."""
    # The masked message is remembered: a record whose message was set again afterwards (makeLogRecord,
    # records received from a queue or socket) is masked again.
    if getattr(record, _MASKED, None) is not record.msg or record.args:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what can be shown
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask_message(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        setattr(record, _MASKED, record.msg)
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    for name, value in list(record.__dict__.items()):  # `extra=` values (access logs' request lines)
        if name not in _STANDARD_ATTRIBUTES and name != _MASKED and isinstance(value, str):
            record.__dict__[name] = mask_text(value)


class PersonalDataFilter(logging.Filter):
    """Masks personal data in each record it sees; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


_lock = threading.Lock()
_busy = threading.local()
_installed_factory: Callable[..., logging.LogRecord] | None = None


def install() -> None:
    """Mask personal data in every log record of this process from now on (idempotent)."""
    global _installed_factory
    with _lock:
        if logging.getLogRecordFactory() is not _installed_factory:
            previous = logging.getLogRecordFactory()

            def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                if not getattr(_busy, "masking", False):  # a record logged while masking (reading the forms)
                    _busy.masking = True
                    try:
                        mask_record(record)
                    finally:
                        _busy.masking = False
                return record

            logging.setLogRecordFactory(masked_record)
            _installed_factory = masked_record
        root = logging.getLogger()
        _add_filter(root)
        named = (item for item in root.manager.loggerDict.values() if isinstance(item, logging.Logger))
        for logger in (root, *named):
            for handler in logger.handlers:
                _add_filter(handler)


def _add_filter(target: logging.Filterer) -> None:
    if not any(isinstance(existing, PersonalDataFilter) for existing in target.filters):
        target.addFilter(PersonalDataFilter())
