"""'Hồ sơ của tôi đang ở đâu': who may see which dossier, and the little conversation that gets there.

The same conversation (a phone number, then an OTP) opens the citizen's data requests, "xem dữ liệu của
tôi" and "xóa dữ liệu của tôi" (Decree 13/2023): the answers themselves come from bot/privacy.

A dossier's details go only to its owner: the conversation that submitted it, or whoever verified (by OTP)
the phone number given in it. Anyone else gets the same neutral answer whether the code exists or not, and
unsuccessful lookups are rate-limited, so guessing codes reveals nothing."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from bot.db.models import StatusLookup
from bot.forms.definitions import FieldSpec
from bot.forms.validators import Valid, validate
from bot.otp.service import OtpService
from bot.payments.due import fee_due, pay_fee_button
from bot.replies import SHARE_PHONE_BUTTON, Button, Reply, intent_payload
from bot.workflow.citizen_messages import status_message
from bot.workflow.service import WorkflowService
from bot.workflow.views import DossierFilter, DossierView

DOSSIER_CODE = re.compile(r"\b(\d{3}\.\d{2}\.\d{2}\.[A-Za-z]\d{2}-\d{6}-\d{4})\b")
SIX_DIGITS = re.compile(r"^\s*(\d{6})\s*$")
MAX_LISTED = 5
PHONE_FIELD = FieldSpec("phone", "Số điện thoại", "?", type="phone")

ASK_CODE = "code"
ASK_OTP = "otp"
CONFIRM_ERASE = "confirm_erase"
# What the verified phone opens: the citizen's dossiers, or what is kept about them, or its erasure.
STATUS = "status"
MY_DATA = "my_data"
ERASE = "erase"
DATA_REQUEST_INTRO = {
    MY_DATA: "Dạ, để bảo vệ dữ liệu cá nhân, em cần xác minh anh/chị trước khi cho xem những gì hệ thống "
    "đang lưu. Anh/chị nhập số điện thoại đã dùng khi nộp hồ sơ (hoặc số của anh/chị), em sẽ gửi mã xác "
    "thực qua SMS ạ.",
    ERASE: "Dạ, để bảo vệ dữ liệu cá nhân, em cần xác minh anh/chị trước khi xóa. Anh/chị nhập số điện "
    "thoại đã dùng khi nộp hồ sơ (hoặc số của anh/chị), em sẽ gửi mã xác thực qua SMS ạ.",
}
ERASE_QUESTION = (
    "Anh/chị có chắc muốn xóa không? Em sẽ xóa ngay nội dung các cuộc trò chuyện của anh/chị; các hồ sơ đã "
    "nộp được giữ theo quy định như trên. Việc xóa không hoàn tác được."
)
ERASE_KEPT = "Dạ vâng, em giữ nguyên dữ liệu của anh/chị ạ."
ERASE_BUTTONS = (Button("Xóa dữ liệu của tôi", "/affirm"), Button("Không xóa", "/deny"))


def status_payload(code: str) -> str:
    return intent_payload("ask_dossier_status", dossier_code=code)


VERIFY_BUTTON = Button("Xác minh số điện thoại", "/verify_phone")
CANCEL_BUTTON = Button("Thôi, không tra cứu nữa", "/cancel")


def find_code(text: str) -> str | None:
    match = DOSSIER_CODE.search(text or "")
    return match.group(1).upper() if match else None


@dataclass(frozen=True)
class Requester:
    channel: str
    sender_id: str
    # A phone verified in this conversation (by OTP, or handed over by the chat platform), still valid.
    verified_phone_hash: str | None = None
    can_share_phone: bool = False  # the channel can hand over the citizen's own phone number

    @property
    def conversation(self) -> str:
        return f"{self.channel}:{self.sender_id}"


@dataclass(frozen=True)
class LookupState:
    """Kept in the `status_state` slot while the citizen is asked for a code, a phone or an OTP."""

    phase: str = ASK_CODE
    phone: str = ""
    tries: int = 0
    opened_by: str | None = None  # the message that opened the lookup is not its first answer
    purpose: str = STATUS  # STATUS, MY_DATA or ERASE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LookupState:
        keys = ("phase", "phone", "tries", "opened_by", "purpose")
        return cls(**{key: data[key] for key in keys if key in data})


class DataRights(Protocol):
    """bot/privacy/subject_access.SubjectAccess: what is kept about a citizen, and its erasure."""

    def describe_text(self, phone_hash: str | None, channel: str, sender_id: str) -> str: ...
    def erase_text(self, phone_hash: str | None, channel: str, sender_id: str) -> str: ...


@dataclass(frozen=True)
class Outcome:
    replies: list[Reply]
    state: LookupState | None = None  # None: the lookup is over
    verified_phone_hash: str | None = None  # set when the citizen just verified their phone


class DossierStatusDesk:
    def __init__(
        self,
        workflow: WorkflowService,
        session_factory: sessionmaker,
        otp: OtpService,
        secret: bytes,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        max_misses: int = 5,
        window_minutes: int = 15,
        data_rights: DataRights | None = None,
    ) -> None:
        self.data_rights = data_rights
        self.workflow = workflow
        self.session_factory = session_factory
        self.otp = otp
        self.secret = secret
        self.clock = clock
        self.max_misses = max_misses
        self.window = timedelta(minutes=window_minutes)

    # -- who owns what -------------------------------------------------------------------------------

    def owns(self, view: DossierView, requester: Requester) -> bool:
        same_conversation = view.channel == requester.channel and view.sender_id == requester.sender_id
        return same_conversation or (
            requester.verified_phone_hash is not None and view.phone_hash == requester.verified_phone_hash
        )

    def own_dossiers(self, requester: Requester) -> list[DossierView]:
        found: dict[str, DossierView] = {}
        if requester.verified_phone_hash:
            for view in self.workflow.list(DossierFilter(phone_hash=requester.verified_phone_hash)):
                found[view.code] = view
        for view in self.workflow.list(
            DossierFilter(sender_id=requester.sender_id, channel=requester.channel)
        ):
            found[view.code] = view
        return sorted(found.values(), key=lambda view: view.received_at, reverse=True)

    # -- answers -------------------------------------------------------------------------------------

    def start(self, requester: Requester, code: str | None, opened_by: str | None = None) -> Outcome:
        """The answer to a status question, with or without a code in it."""
        if code:
            return Outcome(self.lookup(code, requester))
        own = self.own_dossiers(requester)
        if own:
            return Outcome(self._list(own))
        share = (
            ' Hoặc bấm "Chia sẻ số điện thoại" nếu hồ sơ nộp bằng số của chính tài khoản này.'
            if requester.can_share_phone
            else ""
        )
        buttons = (SHARE_PHONE_BUTTON, CANCEL_BUTTON) if requester.can_share_phone else (CANCEL_BUTTON,)
        return Outcome(
            [
                Reply(
                    "Dạ, anh/chị cho em xin mã hồ sơ (dạng 000.00.12.H23-261120-0001, có trong tin nhắn "
                    "xác nhận khi nộp) ạ. Hoặc anh/chị nhập số điện thoại đã dùng khi nộp hồ sơ, em sẽ gửi "
                    f"mã xác thực để tìm các hồ sơ của anh/chị.{share}",
                    buttons,
                )
            ],
            LookupState(opened_by=opened_by),
        )

    def lookup(self, code: str, requester: Requester) -> list[Reply]:
        code = code.upper()
        if self._misses(requester) >= self.max_misses:
            minutes = int(self.window.total_seconds() // 60)
            return [
                Reply(
                    "Dạ, anh/chị đã tra cứu nhiều mã hồ sơ không khớp. Để bảo vệ thông tin của người dân, "
                    f"anh/chị vui lòng thử lại sau {minutes} phút, hoặc liên hệ Bộ phận Một cửa của xã ạ."
                )
            ]
        view = self.workflow.get(code)
        owner = view is not None and self.owns(view, requester)
        self._record(requester, found=owner)
        if owner:
            return [Reply(status_message(view), self._buttons_for(view))]
        # Same words whether the code exists or belongs to someone else.
        return [
            Reply(
                f"Dạ, em chưa thể cho xem hồ sơ {code} trong cuộc trò chuyện này. Để bảo vệ thông tin cá "
                "nhân, em chỉ cho xem hồ sơ khi anh/chị nhắn từ cuộc trò chuyện đã nộp hồ sơ, hoặc sau khi "
                "xác minh số điện thoại đã dùng khi nộp. Anh/chị cũng kiểm tra lại mã hồ sơ giúp em ạ.",
                (VERIFY_BUTTON,),
            )
        ]

    def handle(self, state: LookupState, text: str, intent: str, requester: Requester) -> Outcome:
        """The citizen's next message while the lookup waits for a code, a phone number or an OTP."""
        if state.phase == CONFIRM_ERASE:
            return self._on_erase_confirmation(state, intent, requester)
        if intent in ("cancel", "deny"):
            return Outcome([Reply("Dạ vâng, em dừng tra cứu hồ sơ ạ. Anh/chị cần em hỗ trợ gì thêm không?")])
        code = find_code(text) if state.purpose == STATUS else None
        if code:
            return Outcome(self.lookup(code, requester))
        if intent == "phone_shared":
            if state.purpose != STATUS and requester.verified_phone_hash:
                return replace(self._data_answer(state, requester), verified_phone_hash=None)
            return self._on_shared_phone(requester)
        if state.phase == ASK_OTP:
            return self._on_otp(state, text, intent, requester)
        phone = self._phone(text)
        if phone:
            return self._send_code(state, phone, requester)
        if state.tries >= 1:
            return Outcome(
                [
                    Reply(
                        "Dạ, em chưa thấy mã hồ sơ hay số điện thoại trong tin nhắn nên em dừng tra cứu ạ. "
                        'Khi cần, anh/chị nhắn "tra cứu hồ sơ" kèm mã hồ sơ giúp em.'
                    )
                ]
            )
        return Outcome(
            [
                Reply(
                    "Dạ, anh/chị nhập mã hồ sơ (ví dụ 000.00.12.H23-261120-0001) hoặc số điện thoại đã dùng "
                    "khi nộp (ví dụ 0912345678) ạ.",
                    (CANCEL_BUTTON,),
                )
            ],
            replace(state, tries=state.tries + 1),
        )

    def start_data_request(self, requester: Requester, purpose: str, opened_by: str | None = None) -> Outcome:
        """ "xem / xóa dữ liệu của tôi": answered at once for a phone verified in this conversation,
        otherwise after the phone's OTP."""
        state = LookupState(opened_by=opened_by, purpose=purpose)
        if requester.verified_phone_hash:
            return self._data_answer(state, requester)
        return Outcome([Reply(DATA_REQUEST_INTRO[purpose], (CANCEL_BUTTON,))], state)

    def _data_answer(self, state: LookupState, requester: Requester) -> Outcome:
        if self.data_rights is None:
            raise RuntimeError("DossierStatusDesk was built without data_rights")
        held = self.data_rights.describe_text(
            requester.verified_phone_hash, requester.channel, requester.sender_id
        )
        if state.purpose == MY_DATA:
            return Outcome([Reply(held)])
        return Outcome(
            [Reply(held), Reply(ERASE_QUESTION, ERASE_BUTTONS)],
            replace(state, phase=CONFIRM_ERASE, phone="", tries=0),
        )

    def _on_erase_confirmation(self, state: LookupState, intent: str, requester: Requester) -> Outcome:
        if intent == "affirm" and requester.verified_phone_hash and self.data_rights is not None:
            erased = self.data_rights.erase_text(
                requester.verified_phone_hash, requester.channel, requester.sender_id
            )
            return Outcome([Reply(erased)])
        if intent in ("deny", "cancel") or state.tries >= 1 or not requester.verified_phone_hash:
            return Outcome([Reply(ERASE_KEPT)])
        return Outcome([Reply(ERASE_QUESTION, ERASE_BUTTONS)], replace(state, tries=state.tries + 1))

    def ask_phone(self, opened_by: str | None = None) -> Outcome:
        return Outcome(
            [Reply("Dạ, anh/chị nhập số điện thoại đã dùng khi nộp hồ sơ ạ.", (CANCEL_BUTTON,))],
            LookupState(opened_by=opened_by),
        )

    # -- steps ---------------------------------------------------------------------------------------

    @staticmethod
    def _phone(text: str) -> str | None:
        candidate = "".join(ch for ch in text if ch.isdigit() or ch == "+")
        if len(candidate) < 9:
            return None
        result = validate(PHONE_FIELD, candidate, {}, date.today())
        return result.value if isinstance(result, Valid) else None

    def _send_code(self, state: LookupState, phone: str, requester: Requester) -> Outcome:
        sent = self.otp.send_code(phone, requester.conversation)
        if sent.status not in ("sent", "too_soon"):
            return Outcome([Reply(sent.message)])
        return Outcome(
            [
                Reply(sent.message),
                Reply(
                    "Anh/chị nhập mã 6 chữ số vừa nhận được ạ.",
                    (Button("Gửi lại mã", "/resend_code"), CANCEL_BUTTON),
                ),
            ],
            replace(state, phase=ASK_OTP, phone=phone, tries=0),
        )

    def _on_otp(self, state: LookupState, text: str, intent: str, requester: Requester) -> Outcome:
        if intent == "resend_code":
            return Outcome([Reply(self.otp.send_code(state.phone, requester.conversation).message)], state)
        match = SIX_DIGITS.match(text)
        if not match:
            return Outcome(
                [
                    Reply(
                        "Dạ, mã xác thực gồm 6 chữ số, anh/chị kiểm tra tin nhắn và nhập lại ạ.",
                        (CANCEL_BUTTON,),
                    )
                ],
                state,
            )
        result = self.otp.verify(state.phone, match.group(1))
        if result.status != "verified":
            return Outcome(
                [Reply(result.message, (Button("Gửi lại mã", "/resend_code"), CANCEL_BUTTON))], state
            )
        hashed = self.otp.phone_hash(state.phone)
        if state.purpose != STATUS:
            answer = self._data_answer(state, replace(requester, verified_phone_hash=hashed))
            return replace(
                answer, replies=[Reply(result.message), *answer.replies], verified_phone_hash=hashed
            )
        own = self.own_dossiers(replace(requester, verified_phone_hash=hashed))
        replies = [Reply(result.message)]
        if own:
            replies += self._list(own)
        else:
            replies.append(Reply("Dạ, em không thấy hồ sơ nào nộp qua trợ lý ảo với số điện thoại này ạ."))
        return Outcome(replies, None, hashed)

    def _on_shared_phone(self, requester: Requester) -> Outcome:
        if requester.verified_phone_hash is None:
            return Outcome(
                [
                    Reply(
                        "Dạ, em chưa xác thực được số vừa chia sẻ (phải là số của chính tài khoản đang "
                        "nhắn tin). Anh/chị nhập số điện thoại đã dùng khi nộp, em sẽ gửi mã xác thực "
                        "qua SMS ạ.",
                        (CANCEL_BUTTON,),
                    )
                ],
                LookupState(),
            )
        own = self.own_dossiers(requester)
        if own:
            return Outcome(self._list(own))
        return Outcome([Reply("Dạ, em không thấy hồ sơ nào nộp qua trợ lý ảo với số điện thoại này ạ.")])

    def _list(self, own: list[DossierView]) -> list[Reply]:
        if len(own) == 1:
            return [Reply(status_message(own[0]), self._buttons_for(own[0]))]
        shown = own[:MAX_LISTED]
        more = f", em liệt kê {MAX_LISTED} hồ sơ mới nhất" if len(own) > MAX_LISTED else ""
        lines = [f"Dạ, anh/chị có {len(own)} hồ sơ nộp qua trợ lý ảo{more}:"]
        lines += [f"• {view.code} — {view.procedure_name}: {view.status_label}" for view in shown]
        lines.append("Anh/chị chọn hồ sơ để xem chi tiết ạ.")
        return [
            Reply("\n".join(lines), tuple(Button(view.code, status_payload(view.code)) for view in shown))
        ]

    @staticmethod
    def _buttons_for(view: DossierView) -> tuple[Button, ...]:
        buttons = (pay_fee_button(view.code),) if fee_due(view) else ()
        if not view.timing.finished:
            buttons += (Button("Cập nhật tình trạng", status_payload(view.code)),)
        return buttons

    # -- rate limit ----------------------------------------------------------------------------------

    def _requester_hash(self, requester: Requester) -> str:
        key = requester.conversation.encode()
        return hmac.new(self.secret, b"status-lookup:" + key, hashlib.sha256).hexdigest()

    def _misses(self, requester: Requester) -> int:
        since = self.clock() - self.window
        with self.session_factory() as session:
            return session.execute(
                select(func.count())
                .select_from(StatusLookup)
                .where(
                    StatusLookup.requester_hash == self._requester_hash(requester),
                    StatusLookup.found.is_(False),
                    StatusLookup.created_at >= since,
                )
            ).scalar_one()

    def purge_old_lookups(self) -> int:
        """Forget lookups older than the rate-limit window (they only serve the limit)."""
        with self.session_factory() as session, session.begin():
            result = session.execute(
                delete(StatusLookup).where(StatusLookup.created_at < self.clock() - self.window)
            )
            return result.rowcount or 0

    def _record(self, requester: Requester, found: bool) -> None:
        with self.session_factory() as session, session.begin():
            session.add(
                StatusLookup(
                    requester_hash=self._requester_hash(requester), found=found, created_at=self.clock()
                )
            )
