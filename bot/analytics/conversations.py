"""What the stored conversations (Rasa's tracker store) tell: conversations and citizens' messages per
period, how many the bot understood, the procedures asked about, and each dossier form's way from consent to
submission (where citizens stop).

A message is *understood* unless the bot answered it with "em chưa hiểu" (the `utter_default` response, or
its second-time form that offers an officer) or Rasa's own fallback action. A message the NLU declined
(`nlu_fallback`) that the procedure search still answered counts as understood, and is also counted apart.
Forms are read from the `dossier_state` slot (phase and step only: never the answers); a conversation
anonymised by the retention job no longer holds them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.analytics.periods import Bucket, BucketIndex
from bot.forms.definitions import FormSpec
from bot.privacy.conversations import StoredEvent

NOT_UNDERSTOOD_RESPONSES = frozenset({"utter_default"})
FALLBACK_ACTIONS = frozenset({"action_default_fallback"})
NLU_FALLBACK = "nlu_fallback"
# The back-office's triggers (dossier updates) are not citizens' messages: intent "EXTERNAL_dossier_update",
# text "EXTERNAL: EXTERNAL_dossier_update" as Rasa stores it.
TRIGGER_PREFIX = "EXTERNAL"

# Where a form stops, by its phase (bot/forms/flow.py); the fields phase names the question.
STAGE_LABELS = {
    "consent": "Đồng ý xử lý dữ liệu cá nhân",
    "summary": "Xác nhận thông tin tóm tắt",
    "choosing_correction": "Sửa thông tin",
    "correcting": "Sửa thông tin",
    "otp": "Nhập mã OTP",
    "cancelled": "Người dân tự hủy",
}
DONE = "done"


@dataclass
class PeriodCounts:
    conversations: set[str] = field(default_factory=set)
    messages: int = 0
    understood: int = 0
    nlu_fallbacks: int = 0
    forms_started: int = 0
    forms_finished: int = 0


@dataclass(frozen=True)
class FormFunnel:
    procedure_code: str
    title: str
    started: int
    finished: int
    stopped_at: tuple[tuple[str, int], ...]  # where the unfinished ones stand, most first


@dataclass(frozen=True)
class ConversationFigures:
    periods: tuple[PeriodCounts, ...]
    conversations: frozenset[str]  # every conversation with a citizen's message in the whole range
    messages: int
    understood: int
    nlu_fallbacks: int
    procedures: tuple[tuple[str, int], ...]  # (code, conversations that asked about it), most first
    forms: tuple[FormFunnel, ...]


@dataclass
class _Turn:
    period: int
    nlu_fallback: bool
    understood: bool = True


@dataclass
class _Form:
    procedure_code: str
    started_in: int | None  # the period of its first state
    phase: str = "consent"
    step: int = 0


def _is_citizen_message(event: StoredEvent) -> bool:
    intent = event.intent_name or ((event.data.get("parse_data") or {}).get("intent") or {}).get("name") or ""
    text = str(event.data.get("text") or "")
    return not intent.startswith(TRIGGER_PREFIX) and not text.startswith(TRIGGER_PREFIX)


def _says_not_understood(event: StoredEvent, openings: tuple[str, ...]) -> bool:
    if event.type_name == "action":
        return (event.action_name or "") in FALLBACK_ACTIONS
    if (event.data.get("metadata") or {}).get("utter_action") in NOT_UNDERSTOOD_RESPONSES:
        return True
    return bool(openings) and str(event.data.get("text") or "").startswith(openings)


def _stage(form: _Form, specs: Mapping[str, FormSpec]) -> str:
    if form.phase == "fields":
        spec = specs.get(form.procedure_code)
        if spec is not None and 0 <= form.step < len(spec.fields):
            return f"Câu {form.step + 1}: {spec.fields[form.step].label}"
        return f"Câu {form.step + 1}"
    return STAGE_LABELS.get(form.phase, form.phase)


def read(
    events: Iterable[StoredEvent],
    spans: list[Bucket],
    specs: Mapping[str, FormSpec],
    not_understood_texts: Iterable[str] = (),
) -> ConversationFigures:
    """Count `events` (in the order they happened) into the periods `spans`.

    `not_understood_texts`: the openings of the bot's other "em chưa hiểu" messages (said by an action,
    not as the utter_default response)."""
    index = BucketIndex(spans)
    periods = [PeriodCounts() for _ in spans]
    openings = tuple(not_understood_texts)
    turns: dict[str, _Turn] = {}  # each conversation's latest citizen message
    asked: dict[str, set[str]] = {}  # procedure code -> conversations
    forms: dict[str, _Form] = {}  # by the form's idempotency key
    everyone: set[str] = set()
    for event in events:
        period = index.of(event.timestamp)
        if period is None:
            continue
        sender = event.sender_id
        if event.type_name == "user":
            if not _is_citizen_message(event):
                continue
            fallback = (event.intent_name or "") == NLU_FALLBACK
            turns[sender] = _Turn(period, fallback)
            counts = periods[period]
            counts.conversations.add(sender)
            counts.messages += 1
            counts.understood += 1
            counts.nlu_fallbacks += fallback
            everyone.add(sender)
        elif event.type_name in ("bot", "action"):
            turn = turns.get(sender)
            if turn is None or not turn.understood:
                continue
            missed = _says_not_understood(event, openings)
            if missed:
                turn.understood = False
                periods[turn.period].understood -= 1
        elif event.type_name == "slot":
            name, value = event.data.get("name"), event.data.get("value")
            if name == "procedure_code" and value:
                asked.setdefault(str(value), set()).add(sender)
            elif name == "dossier_state" and isinstance(value, dict) and value.get("idempotency_key"):
                key = str(value["idempotency_key"])
                form = forms.get(key)
                if form is None:
                    form = forms[key] = _Form(str(value.get("procedure_code") or ""), period)
                    periods[period].forms_started += 1
                if form.phase != DONE and value.get("phase") == DONE:
                    periods[period].forms_finished += 1
                form.phase = str(value.get("phase") or form.phase)
                form.step = int(value.get("step") or 0)
    return ConversationFigures(
        periods=tuple(periods),
        conversations=frozenset(everyone),
        messages=sum(counts.messages for counts in periods),
        understood=sum(counts.understood for counts in periods),
        nlu_fallbacks=sum(counts.nlu_fallbacks for counts in periods),
        procedures=tuple(
            sorted(((code, len(who)) for code, who in asked.items()), key=lambda item: (-item[1], item[0]))
        ),
        forms=_funnels(forms.values(), specs),
    )


def _funnels(forms: Iterable[_Form], specs: Mapping[str, FormSpec]) -> tuple[FormFunnel, ...]:
    by_code: dict[str, list[_Form]] = {}
    for form in forms:
        by_code.setdefault(form.procedure_code, []).append(form)
    funnels = []
    for code, started in by_code.items():
        stopped = Counter(_stage(form, specs) for form in started if form.phase != DONE)
        spec = specs.get(code)
        funnels.append(
            FormFunnel(
                procedure_code=code,
                title=spec.title if spec else code,
                started=len(started),
                finished=sum(form.phase == DONE for form in started),
                stopped_at=tuple(sorted(stopped.items(), key=lambda item: (-item[1], item[0]))),
            )
        )
    funnels.sort(key=lambda funnel: (-funnel.started, funnel.procedure_code))
    return tuple(funnels)
