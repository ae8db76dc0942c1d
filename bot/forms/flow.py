"""The conversational form: consent, one question at a time, summary, correction, OTP, submission.

Plain Python over a serialisable `FormState` (kept in a Rasa slot, so an unfinished form survives a pause or a
server restart). `FormFlow.handle` takes the citizen's message and returns the new state and the replies;
`FormFlow.prompt` says what to ask next.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Protocol

from bot.forms.definitions import CHOICE, FieldSpec, FormSpec
from bot.forms.validators import Invalid, validate
from bot.privacy.consent import ConsentNotice, ConsentRecord, default_notice
from bot.replies import SHARE_PHONE_BUTTON, Button, Reply, intent_payload
from bot.text.normalize import fold
from bot.workflow.clock import local_date

logger = logging.getLogger(__name__)

CONSENT = "consent"
FIELDS = "fields"
SUMMARY = "summary"
CHOOSING_CORRECTION = "choosing_correction"
CORRECTING = "correcting"
OTP = "otp"
DONE = "done"
CANCELLED = "cancelled"
FINISHED = (DONE, CANCELLED)

# The intents of the NLU (data/nlu/dialogue_control.yml, dossier.yml, privacy.yml) that steer the form when a
# message is typed rather than a button pressed, by phase. While a field is asked, a typed message is first of
# all an answer: only "cancel" and "help" count there, and only when the NLU is very sure.
CONTROL_INTENTS = {
    CONSENT: frozenset({"affirm", "deny", "cancel", "help"}),
    FIELDS: frozenset({"cancel", "help"}),
    CORRECTING: frozenset({"cancel", "help"}),
    SUMMARY: frozenset({"affirm", "cancel"}),
    CHOOSING_CORRECTION: frozenset({"cancel"}),
    OTP: frozenset({"resend_code", "cancel"}),
}
ANSWER_PHASES = (FIELDS, CORRECTING)


@dataclass(frozen=True)
class Understood:
    """What the NLU made of a typed message (tracker.latest_message["intent"])."""

    intent: str = ""
    confidence: float = 0.0


PHONE_SHARE_MISMATCH = (
    "Dạ, em chưa xác thực được bằng số vừa chia sẻ: số đó phải là số của chính tài khoản đang nhắn tin "
    "và trùng với số đã khai trong hồ sơ. Em gửi mã xác thực qua SMS đến số đã khai ạ."
)
TEMPORARY_FAILURE = (
    "Dạ, em xin lỗi, hệ thống đang gặp sự cố nên em chưa xử lý được tin nhắn vừa rồi. "
    "Anh/chị vui lòng gửi lại sau ít phút ạ."
)
SUBMISSION_FAILED = (
    "Dạ, em xin lỗi, hệ thống đang gặp sự cố nên em chưa xác nhận được việc gửi hồ sơ. Số điện thoại đã "
    'được xác thực và thông tin anh/chị khai vẫn được giữ; sau ít phút anh/chị bấm "Gửi lại hồ sơ" để em '
    "gửi tiếp (hồ sơ không bị tạo trùng) ạ."
)
_PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$", re.DOTALL)
_CODE = re.compile(r"^\D*(\d[\d ]{4,8}\d)\D*$")


@dataclass(frozen=True)
class FormState:
    procedure_code: str
    phase: str = CONSENT
    step: int = 0  # index of the field being asked in FIELDS
    answers: dict[str, str] = field(default_factory=dict)
    tries: int = 0  # failed tries on the current question
    correcting: str | None = None  # the field being corrected from the summary
    idempotency_key: str = field(default_factory=lambda: uuid.uuid4().hex)
    dossier_code: str | None = None
    phone_verified: bool = False  # by OTP in this form
    attachments: list[dict[str, Any]] = field(default_factory=list)  # uploaded papers: upload_id, filename
    opened_by: str | None = None  # id of the message that opened (or reopened) the form: not an answer
    consent_version: str = ""  # the consent notice shown (bot/privacy/consent.py)
    consent_at: str | None = None  # when the citizen agreed to it (ISO 8601, UTC)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FormState:
        return cls(**data)


class PhoneVerifier(Protocol):
    def send_code(self, phone: str) -> Any: ...  # .status, .message
    def verify(self, phone: str, code: str) -> Any: ...  # .status, .message


@dataclass(frozen=True)
class Submission:
    dossier_code: str
    replies: list[Reply]


Handled = tuple["FormState", list[Reply]]

# Submits the verified form: (form, answers, idempotency key, attachments, the citizen's consent) -> the
# dossier code and receipt.
Submitter = Callable[[FormSpec, dict[str, str], str, list[dict[str, Any]], ConsentRecord | None], Submission]
# Finds an uploaded file by its upload id: its filename, or None when there is no such upload.
AttachmentLookup = Callable[[str], str | None]


def parse_message(text: str) -> tuple[str, dict[str, Any], str]:
    """(intent of a button payload or "", its entities, the folded text)."""
    match = _PAYLOAD.match(text.strip())
    if match:
        try:
            entities = json.loads(match.group(2)) if match.group(2) else {}
        except (ValueError, RecursionError):  # not JSON, or nested too deep ("/x{[[[[…")
            entities = {}
        return match.group(1), entities if isinstance(entities, dict) else {}, ""
    return "", {}, " ".join(fold(text).replace("?", " ").replace(".", " ").replace("!", " ").split())


def mask_phone(phone: str) -> str:
    """'0912345678' -> '091****678': enough for the citizen to recognise, not to read off the screen."""
    digits = re.sub(r"\D", "", phone)
    return f"{digits[:3]}****{digits[-3:]}" if len(digits) >= 9 else "đã khai"


def skipped_names(form: FormSpec, answers: dict[str, str]) -> set[str]:
    """The fields not asked for these answers (their answers are dropped)."""
    return {spec.name for spec in form.fields if not spec.applies(answers)}


def next_unanswered(form: FormSpec, answers: dict[str, str], after: int) -> int | None:
    """The next field to ask after index `after`: the following asked field when filling in; after a
    correction (after=-1), the first asked field still without an answer (a newly relevant one)."""
    for index, spec in enumerate(form.fields):
        if index <= after or not spec.applies(answers):
            continue
        if after >= 0 or spec.name not in answers:
            return index
    return None


@dataclass
class FormFlow:
    forms: dict[str, FormSpec]
    verifier: PhoneVerifier
    submit: Submitter
    today: Callable[[], datetime]  # now (any timezone); dates are checked against Vietnam's calendar day
    # Whether a phone was verified earlier in this conversation (and is still within its validity).
    phone_is_verified: Callable[[str], bool] = lambda phone: False
    find_attachment: AttachmentLookup = lambda upload_id: None
    # The channel can hand over the citizen's own phone number (Telegram contact, Zalo user info).
    can_share_phone: bool = False
    # The fee for these answers as the citizen should read it before confirming ("" to leave it out).
    fee_text: Callable[[FormSpec, dict[str, str]], str] = lambda form, answers: ""
    consent_notice: ConsentNotice = field(default_factory=default_notice)  # data/consent.yml
    # How sure the NLU must be for a typed message to steer the form (yes, no, cancel, help, resend), and how
    # sure while a field is asked, where the message is otherwise the answer.
    control_confidence: float = 0.6
    control_confidence_in_answers: float = 0.9

    # -- starting ------------------------------------------------------------------------------------

    def start(self, procedure_code: str, procedure_name: str) -> tuple[FormState, list[Reply]]:
        form = self.forms[procedure_code]
        notice = self.consent_notice
        state = FormState(procedure_code, consent_version=notice.version)
        text = (
            f"Dạ, em sẽ giúp anh/chị lập hồ sơ {procedure_name} (mã {procedure_code}) ngay trong cuộc trò "
            f"chuyện này, gồm {len(form.asked({}))} bước.\n{notice.text}"
        )
        buttons = (Button("Đồng ý", "/affirm"), Button("Không đồng ý", "/deny"))
        return state, [Reply(text, buttons)]

    # -- asking --------------------------------------------------------------------------------------

    def prompt(self, state: FormState) -> list[Reply]:
        form = self.forms[state.procedure_code]
        if state.phase == FIELDS:
            return [self._question(form, state.step, state.answers)]
        if state.phase == CORRECTING and state.correcting:
            index = [spec.name for spec in form.fields].index(state.correcting)
            return [self._question(form, index, state.answers, correcting=True)]
        if state.phase == SUMMARY:
            return [self._summary(form, state)]
        if state.phase == CHOOSING_CORRECTION:
            buttons = tuple(
                Button(spec.label, intent_payload("correct", field=spec.name))
                for spec in form.asked(state.answers)
            )
            return [Reply("Dạ, anh/chị muốn sửa thông tin nào ạ?", buttons)]
        return []

    def _question(
        self, form: FormSpec, index: int, answers: dict[str, str], correcting: bool = False
    ) -> Reply:
        spec = form.fields[index]
        asked = tuple(other for other in form.fields if other is spec or other.applies(answers))
        step = "Sửa thông tin" if correcting else f"Bước {asked.index(spec) + 1}/{len(asked)}"
        optional = "" if spec.required else ' (không bắt buộc: gõ "bỏ qua" nếu không có)'
        buttons = tuple(Button(choice, intent_payload("choose", value=choice)) for choice in spec.choices)
        if not spec.required:
            buttons += (Button("Bỏ qua", "bỏ qua"),)
        return Reply(f"{step}: {spec.question}{optional}", buttons if spec.type == CHOICE or buttons else ())

    def _summary(self, form: FormSpec, state: FormState) -> Reply:
        lines = [f"Dạ, anh/chị kiểm tra lại thông tin {form.title}:"]
        lines += [
            f"• {spec.label}: {state.answers.get(spec.name) or '(bỏ trống)'}"
            for spec in form.asked(state.answers)
        ]
        if state.attachments:
            lines.append("• Tệp đính kèm: " + ", ".join(item["filename"] for item in state.attachments))
        if form.attachments:
            papers = ", ".join(paper.label for paper in form.attachments)
            lines.append(
                f"Giấy tờ kèm theo ({papers}): anh/chị có thể gửi ảnh hoặc PDF bằng nút đính kèm, "
                "hoặc mang bản chính khi nhận kết quả."
            )
        fee = self.fee_text(form, state.answers)
        if fee:
            lines.append(f"• Lệ phí: {fee}")
        lines.append('Nếu đúng, anh/chị bấm "Xác nhận gửi" để em gửi mã xác thực đến số điện thoại đã khai.')
        buttons = (
            Button("Xác nhận gửi", "/affirm"),
            Button("Sửa thông tin", "/correct"),
            Button("Hủy hồ sơ", "/cancel"),
        )
        return Reply("\n".join(lines), buttons)

    # -- answering -----------------------------------------------------------------------------------

    def control_intent(self, phase: str, understood: Understood) -> str:
        """The NLU's intent of a typed message when it steers the form in this phase, else ""."""
        needed = self.control_confidence_in_answers if phase in ANSWER_PHASES else self.control_confidence
        allowed = CONTROL_INTENTS.get(phase, frozenset())
        return understood.intent if understood.intent in allowed and understood.confidence >= needed else ""

    def handle(
        self, state: FormState, text: str, understood: Understood = Understood()
    ) -> tuple[FormState, list[Reply]]:
        """The citizen's message while the form is open (a button's payload, or typed text with what the NLU
        understood of it). The caller then shows `prompt(new_state)`."""
        intent, entities, folded = parse_message(text)
        if not intent:
            intent = self.control_intent(state.phase, understood)
        if intent in ("cancel", "stop"):
            return replace(state, phase=CANCELLED), [
                Reply(
                    "Dạ, em đã hủy hồ sơ này, thông tin anh/chị vừa khai không được lưu. "
                    'Khi cần, anh/chị nhắn "nộp hồ sơ" để bắt đầu lại ạ.'
                )
            ]
        if intent == "attach" and state.phase not in (CONSENT, *FINISHED):
            return self._on_attachment(state, str(entities.get("upload_id", "")))
        handler = {
            CONSENT: self._on_consent,
            FIELDS: self._on_field,
            CORRECTING: self._on_field,
            SUMMARY: self._on_summary,
            CHOOSING_CORRECTION: self._on_correction_choice,
            OTP: self._on_code,
        }.get(state.phase)
        if handler is None:
            return state, []
        try:
            return handler(state, text, intent, entities, folded)
        except Exception:  # the database or a service failed mid-turn: say so, the form stays where it was
            logger.exception("form turn failed in phase %s; the form stays where it was", state.phase)
            return state, [Reply(TEMPORARY_FAILURE)]

    def _on_attachment(self, state: FormState, upload_id: str) -> Handled:
        filename = self.find_attachment(upload_id)
        if filename is None:
            return state, [Reply("Dạ, em không tìm thấy tệp vừa gửi, anh/chị gửi lại giúp em ạ.")]
        if any(item["upload_id"] == upload_id for item in state.attachments):
            return state, []
        attachments = [*state.attachments, {"upload_id": upload_id, "filename": filename}]
        return replace(state, attachments=attachments), [
            Reply(f'Dạ, em đã nhận tệp "{filename}" ({len(attachments)} tệp đính kèm).')
        ]

    def _on_consent(
        self, state: FormState, text: str, intent: str, entities: dict[str, Any], folded: str
    ) -> Handled:
        if intent == "affirm":
            given_at = self.today().astimezone(timezone.utc).isoformat()
            return replace(state, phase=FIELDS, step=0, tries=0, consent_at=given_at), [
                Reply("Dạ, em cảm ơn anh/chị. Mình bắt đầu nhé.")
            ]
        if intent == "deny":
            return replace(state, phase=CANCELLED), [
                Reply(
                    "Dạ, không sao ạ. Khi không đồng ý cung cấp thông tin, anh/chị vẫn có thể nộp hồ sơ "
                    "trực tiếp tại Bộ phận Một cửa của xã hoặc trên Cổng Dịch vụ công quốc gia."
                )
            ]
        return state, [
            Reply(
                'Dạ, anh/chị vui lòng chọn "Đồng ý" hoặc "Không đồng ý" ạ.',
                (Button("Đồng ý", "/affirm"), Button("Không đồng ý", "/deny")),
            )
        ]

    def _on_field(
        self, state: FormState, text: str, intent: str, entities: dict[str, Any], folded: str
    ) -> Handled:
        form = self.forms[state.procedure_code]
        names = [spec.name for spec in form.fields]
        index = names.index(state.correcting) if state.phase == CORRECTING else state.step
        spec = form.fields[index]
        if intent == "help":
            return state, [self._help(spec)]
        value_text = str(entities.get("value", "")) if intent == "choose" else text
        if intent == "choose":
            value_text = intent_payload("choose", value=value_text)
        # "Today" is the commune's day: a birth on the morning of the 22nd is not "in the future" at 06:30.
        result = validate(spec, value_text, state.answers, local_date(self.today()))
        if isinstance(result, Invalid):
            tries = state.tries + 1
            reply = Reply(result.message)
            if tries >= 2:
                reply = Reply(
                    f"{result.message}\nDạ, thông tin cần nhập: {result.expected}."
                    + (f"\n{spec.help}" if spec.help else "")
                    + '\nAnh/chị thử lại, hoặc chọn "Hướng dẫn" / "Hủy hồ sơ" ạ.',
                    (Button("Hướng dẫn", "/help"), Button("Hủy hồ sơ", "/cancel")),
                )
            return replace(state, tries=tries), [reply]
        answers = {**state.answers, spec.name: result.value}
        # A field whose condition no longer holds (a corrected choice) keeps no answer.
        answers = {key: value for key, value in answers.items() if key not in skipped_names(form, answers)}
        following = next_unanswered(form, answers, after=-1 if state.phase == CORRECTING else index)
        if following is None:
            return replace(state, phase=SUMMARY, answers=answers, tries=0, correcting=None), []
        return replace(state, phase=FIELDS, step=following, answers=answers, tries=0, correcting=None), []

    @staticmethod
    def _help(spec: FieldSpec) -> Reply:
        text = spec.help or "Anh/chị nhập thông tin theo đúng giấy tờ ạ."
        return Reply(f"Dạ, {spec.label}: {text}")

    def _on_summary(
        self, state: FormState, text: str, intent: str, entities: dict[str, Any], folded: str
    ) -> Handled:
        if intent == "correct" or folded.startswith("sua"):
            return replace(state, phase=CHOOSING_CORRECTION), []
        if intent == "affirm":
            return self._verify_phone(state)
        return state, [Reply('Dạ, anh/chị chọn "Xác nhận gửi", "Sửa thông tin" hoặc "Hủy hồ sơ" ạ.')]

    def _on_correction_choice(
        self, state: FormState, text: str, intent: str, entities: dict[str, Any], folded: str
    ) -> Handled:
        form = self.forms[state.procedure_code]
        wanted = entities.get("field") if intent == "correct" else None
        if wanted is None:  # typed the label instead of pressing its button
            wanted = next((spec.name for spec in form.fields if fold(spec.label) == folded), None)
        if wanted not in [spec.name for spec in form.fields]:
            return state, [Reply("Dạ, anh/chị chọn một mục trong danh sách để sửa ạ.")]
        return replace(state, phase=CORRECTING, correcting=wanted, tries=0), []

    def _phone(self, state: FormState) -> str:
        return state.answers[self.forms[state.procedure_code].phone_field]

    def _verify_phone(self, state: FormState) -> tuple[FormState, list[Reply]]:
        if self.phone_is_verified(self._phone(state)):
            return self._submit(state)
        if self.can_share_phone:
            return replace(state, phase=OTP, tries=0), [
                Reply(
                    f"Dạ, để xác thực số điện thoại {mask_phone(self._phone(state))}, anh/chị bấm "
                    '"Chia sẻ số điện thoại" (số của chính tài khoản này), hoặc chọn nhận mã qua SMS ạ.',
                    (SHARE_PHONE_BUTTON, Button("Nhận mã qua SMS", "/resend_code")),
                )
            ]
        return self._send_code(state)

    def _send_code(self, state: FormState) -> tuple[FormState, list[Reply]]:
        result = self.verifier.send_code(self._phone(state))
        replies = [Reply(result.message)]
        if result.status in ("sent", "too_soon"):
            replies.append(
                Reply("Anh/chị nhập mã 6 chữ số vừa nhận được ạ.", (Button("Gửi lại mã", "/resend_code"),))
            )
            return replace(state, phase=OTP, tries=0), replies
        return state, replies  # rate limited or SMS failed: stay at the summary, the message says why

    def _on_code(
        self, state: FormState, text: str, intent: str, entities: dict[str, Any], folded: str
    ) -> Handled:
        if state.phone_verified:  # verified, but the submission failed: any message submits again
            return self._submit(state)
        if intent == "phone_shared":
            if self.phone_is_verified(self._phone(state)):
                return self._submit(replace(state, phone_verified=True))
            state, replies = self._send_code(state)
            return state, [Reply(PHONE_SHARE_MISMATCH), *replies]
        if intent == "resend_code":
            if self.can_share_phone:  # the code may not have been sent yet: send it with its prompt
                return self._send_code(state)
            result = self.verifier.send_code(self._phone(state))
            return state, [Reply(result.message)]
        match = _CODE.match(text)
        if not match:
            return state, [
                Reply(
                    "Dạ, mã xác thực gồm 6 chữ số, anh/chị kiểm tra tin nhắn và nhập lại ạ.",
                    (Button("Gửi lại mã", "/resend_code"), Button("Hủy hồ sơ", "/cancel")),
                )
            ]
        result = self.verifier.verify(self._phone(state), match.group(1))
        if result.status != "verified":
            buttons = (Button("Gửi lại mã", "/resend_code"), Button("Hủy hồ sơ", "/cancel"))
            return state, [Reply(result.message, buttons)]
        return self._submit(replace(state, phone_verified=True))

    def _submit(self, state: FormState) -> tuple[FormState, list[Reply]]:
        form = self.forms[state.procedure_code]
        consent = (
            ConsentRecord(state.consent_version, datetime.fromisoformat(state.consent_at))
            if state.consent_at
            else None  # a form opened before consent was recorded
        )
        try:
            submission = self.submit(form, state.answers, state.idempotency_key, state.attachments, consent)
        except Exception:  # kept verified: the next message submits again, under the same idempotency key
            logger.exception("submission failed; it is tried again at the citizen's next message")
            return state, [Reply(SUBMISSION_FAILED, (Button("Gửi lại hồ sơ", "/affirm"),))]
        return replace(state, phase=DONE, dossier_code=submission.dossier_code), submission.replies
