"""Paying a dossier's fee online: the link offered in the chat, the gateway's answer recorded exactly once.

A dossier's fee is paid through payment attempts (`payments` rows, one VNPay order each). Asking again while a
link is valid gives the same link; a new attempt is made only once the previous one has expired (plus a
grace period for a confirmation still on its way), so a citizen cannot pay twice by asking twice. The IPN and
the reconciliation (`querydr`) settle an attempt through the same `settle`, which records the payment, the
dossier's `fee_paid_at`, a timeline event and the citizen's receipt (outbox) in one transaction, guarded by
a conditional update so that concurrent or replayed callbacks record it once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import faults
from bot.db.models import Dossier, DossierEvent, Payment
from bot.db.times import as_utc
from bot.notifications.outbox import notification_for
from bot.payments import messages, vietqr, vnpay
from bot.settings import PaymentSettings
from bot.text.money import money
from bot.workflow.clock import VIETNAM

logger = logging.getLogger(__name__)

PENDING = "pending"
PAID = "paid"
FAILED = "failed"
CONFIRMATION_GRACE = timedelta(minutes=5)  # a payment made just before expiry may still be confirmed
LAST_MINUTE = timedelta(minutes=1)  # a link about to expire is not offered again
FEE_PAID = "fee_paid"
PAID_TWICE = "fee_paid_twice"

# What `offer` found.
LINK = "link"
ALREADY_PAID = "paid"
FREE = "free"
AMOUNT_UNKNOWN = "unknown"
WAIT = "wait"
OFF = "off"
NOT_FOUND = "not_found"


@dataclass(frozen=True)
class PaymentOffer:
    outcome: str
    dossier_code: str
    amount: int | None = None
    url: str = ""
    expires_at: datetime | None = None  # Vietnam time
    paid_at: datetime | None = None  # Vietnam time
    transfer_payload: str = ""  # VietQR text, when the commune has a bank account configured

    @property
    def amount_text(self) -> str:
        return money(self.amount or 0)


@dataclass(frozen=True)
class Unsettled:
    """An attempt no callback has settled yet (for the reconciliation)."""

    txn_ref: str
    dossier_code: str
    created_at: datetime


class PaymentService:
    def __init__(
        self,
        session_factory: sessionmaker,
        settings: PaymentSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock

    # -- the citizen asks to pay -------------------------------------------------------------------------

    def offer(self, dossier_code: str) -> PaymentOffer:
        for _ in range(3):
            try:
                return self._offer(dossier_code)
            except IntegrityError:
                continue  # another request created the same attempt: look again
        raise RuntimeError("could not create a payment attempt")

    def _offer(self, code: str) -> PaymentOffer:
        now = self.clock()
        with self.session_factory() as session, session.begin():
            dossier = session.execute(
                select(Dossier).where(Dossier.code == code).with_for_update()
            ).scalar_one_or_none()
            if dossier is None:
                return PaymentOffer(NOT_FOUND, code)
            amount = dossier.fee_amount
            if dossier.fee_paid_at is not None:
                return PaymentOffer(
                    ALREADY_PAID, code, amount, paid_at=as_utc(dossier.fee_paid_at).astimezone(VIETNAM)
                )
            if amount is None:
                return PaymentOffer(AMOUNT_UNKNOWN, code)
            if amount == 0:
                return PaymentOffer(FREE, code, 0)
            if not self.settings.enabled:
                return PaymentOffer(OFF, code, amount)
            latest = session.execute(
                select(Payment).where(Payment.dossier_id == dossier.id).order_by(Payment.id.desc()).limit(1)
            ).scalar_one_or_none()
            if latest is not None and latest.status == PENDING:
                expires = as_utc(latest.expires_at)
                if expires > now + LAST_MINUTE:
                    return self._link(dossier, latest)
                if expires > now - CONFIRMATION_GRACE:
                    return PaymentOffer(WAIT, code, amount)
            attempts = session.execute(
                select(func.count(Payment.id)).where(Payment.dossier_id == dossier.id)
            ).scalar_one()
            attempt = Payment(
                dossier_id=dossier.id,
                txn_ref=f"{dossier.id}N{attempts + 1}",
                amount=amount,
                status=PENDING,
                created_at=now,
                expires_at=now + timedelta(minutes=self.settings.link_minutes),
                settled_via="",
                response_code="",
                gateway_transaction_no="",
                bank_code="",
            )
            session.add(attempt)
            session.flush()
            return self._link(dossier, attempt)

    def _link(self, dossier: Dossier, attempt: Payment) -> PaymentOffer:
        expires = as_utc(attempt.expires_at)
        url = vnpay.payment_url(
            self.settings,
            txn_ref=attempt.txn_ref,
            amount_vnd=attempt.amount,
            description=transfer_purpose(dossier.code),
            client_ip=self.settings.client_ip,
            created=as_utc(attempt.created_at),
            expires=expires,
        )
        transfer = self._transfer(dossier.code, attempt.amount)
        return PaymentOffer(
            LINK, dossier.code, attempt.amount, url, expires.astimezone(VIETNAM), transfer_payload=transfer
        )

    def _transfer(self, code: str, amount: int) -> str:
        if not self.settings.vietqr_enabled:
            return ""
        return vietqr.payload(
            self.settings.bank_bin, self.settings.bank_account, amount, transfer_purpose(code)
        )

    def transfer_payload(self, code: str) -> str:
        """The VietQR text for a dossier's unpaid fee ("" when paid, free or no bank account configured)."""
        with self.session_factory() as session:
            row = session.execute(
                select(Dossier.fee_amount, Dossier.fee_paid_at).where(Dossier.code == code)
            ).first()
        if row is None or not row[0] or row[1] is not None:
            return ""
        return self._transfer(code, row[0])

    # -- the gateway answers -----------------------------------------------------------------------------

    def settle(self, fields: Mapping[str, str], via: str = "ipn") -> tuple[str, str]:
        """Record the gateway's signed answer about one attempt; returns VNPay's (RspCode, Message)."""
        txn_ref = str(fields.get("vnp_TxnRef", ""))
        # Without a configured secret anyone could sign (HMAC with an empty key): refuse everything.
        if not self.settings.enabled or not vnpay.verify(fields, self.settings.hash_secret):
            logger.warning("payment callback refused (%s): invalid signature, order %s", via, txn_ref[:32])
            return vnpay.INVALID_SIGNATURE
        answer = self._record(fields, via)
        if answer == vnpay.CONFIRMED:
            faults.point("payment.after_commit")
        return answer

    def settle_query(self, answer: Mapping[str, str]) -> str:
        """Record what the gateway answered to `querydr` (reconciliation), through the same path as the IPN.
        Returns what happened: "paid", "failed", "already settled", "still pending", "refused: …"."""
        txn_ref = str(answer.get("vnp_TxnRef", ""))
        if not self.settings.enabled or not vnpay.querydr_answer_is_genuine(
            answer, self.settings.hash_secret
        ):
            logger.warning("querydr answer refused: invalid signature, order %s", txn_ref[:32])
            return "refused: invalid signature"
        code = str(answer.get("vnp_ResponseCode", ""))
        if code == "91" and self._expired_long_ago(txn_ref):
            fields = {"vnp_TxnRef": txn_ref, "vnp_ResponseCode": "91", "vnp_TransactionStatus": "91"}
            fields["vnp_Amount"] = str(self._amount(txn_ref) * 100)
            return _outcome(self._record(fields, "querydr"), paid=False)
        if code != vnpay.SUCCESS:
            return f"refused: gateway answered {code} {answer.get('vnp_Message', '')}".strip()
        status = str(answer.get("vnp_TransactionStatus", ""))
        if status == "01":  # not completed yet at the gateway
            return "still pending"
        fields = {
            key: str(answer.get(key, ""))
            for key in ("vnp_TxnRef", "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo")
        }
        fields["vnp_TransactionStatus"] = status
        fields["vnp_ResponseCode"] = vnpay.SUCCESS if status == vnpay.SUCCESS else status
        return _outcome(self._record(fields, "querydr"), paid=status == vnpay.SUCCESS)

    def _expired_long_ago(self, txn_ref: str) -> bool:
        with self.session_factory() as session:
            expires = session.execute(select(Payment.expires_at).where(Payment.txn_ref == txn_ref)).scalar()
        return expires is not None and as_utc(expires) < self.clock() - CONFIRMATION_GRACE

    def _amount(self, txn_ref: str) -> int:
        with self.session_factory() as session:
            return session.execute(select(Payment.amount).where(Payment.txn_ref == txn_ref)).scalar() or 0

    def _record(self, fields: Mapping[str, str], via: str) -> tuple[str, str]:
        txn_ref = str(fields.get("vnp_TxnRef", ""))
        now = self.clock()
        with self.session_factory() as session, session.begin():
            payment = session.execute(select(Payment).where(Payment.txn_ref == txn_ref)).scalar_one_or_none()
            if payment is None:
                logger.warning("payment callback refused (%s): unknown order %s", via, txn_ref[:32])
                return vnpay.ORDER_NOT_FOUND
            if str(fields.get("vnp_Amount", "")) != str(payment.amount * 100):
                logger.warning("payment callback refused (%s): amount differs, order %s", via, txn_ref)
                return vnpay.INVALID_AMOUNT
            if payment.status != PENDING:
                return vnpay.ALREADY_CONFIRMED
            succeeded = fields.get("vnp_ResponseCode") == vnpay.SUCCESS and (
                fields.get("vnp_TransactionStatus", vnpay.SUCCESS) == vnpay.SUCCESS
            )
            paid_at = _pay_date(fields.get("vnp_PayDate", ""), now)
            taken = session.execute(
                update(Payment)
                .where(Payment.id == payment.id, Payment.status == PENDING)
                .values(
                    status=PAID if succeeded else FAILED,
                    settled_at=now,
                    settled_via=via,
                    response_code=str(fields.get("vnp_ResponseCode", ""))[:4],
                    gateway_transaction_no=str(fields.get("vnp_TransactionNo", ""))[:32],
                    bank_code=str(fields.get("vnp_BankCode", ""))[:20],
                    paid_at=paid_at if succeeded else None,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                return vnpay.ALREADY_CONFIRMED  # a concurrent callback recorded it first
            if succeeded:
                self._record_payment(session, payment, str(fields.get("vnp_TransactionNo", "")), paid_at, now)
            session.flush()
            faults.point("payment.before_commit")
            return vnpay.CONFIRMED

    def _record_payment(
        self, session: Session, payment: Payment, transaction: str, paid_at: datetime, now: datetime
    ) -> None:
        dossier = session.get(Dossier, payment.dossier_id, with_for_update=True)
        local = paid_at.astimezone(VIETNAM)
        amount = money(payment.amount)
        twice = dossier.fee_paid_at is not None
        if not twice:
            dossier.fee_paid_at = paid_at
        note = (messages.PAID_TWICE if twice else messages.FEE_PAID_EVENT).format(
            amount=amount, transaction=transaction, paid=local
        )
        dossier.events.append(
            DossierEvent(
                action=PAID_TWICE if twice else FEE_PAID,
                from_status=dossier.status,
                to_status=dossier.status,
                department_id=dossier.department_id,
                note=note,
                created_at=now,
            )
        )
        if not twice:
            session.add(
                notification_for(
                    dossier,
                    messages.RECEIPT.format(
                        amount=amount, code=dossier.code, paid=local, transaction=transaction
                    ),
                    now,
                )
            )

    # -- what the return page and the reconciliation need ----------------------------------------------------

    def paid_dossier(self, txn_ref: str) -> tuple[str, int] | None:
        """(dossier code, amount) when the attempt `txn_ref` has been recorded as paid."""
        with self.session_factory() as session:
            row = session.execute(
                select(Dossier.code, Payment.amount)
                .join(Dossier, Dossier.id == Payment.dossier_id)
                .where(Payment.txn_ref == txn_ref, Payment.status == PAID)
            ).first()
            return (row[0], row[1]) if row else None

    def unsettled(self, older_than: timedelta) -> list[Unsettled]:
        cutoff = self.clock() - older_than
        with self.session_factory() as session:
            rows = session.execute(
                select(Payment.txn_ref, Dossier.code, Payment.created_at)
                .join(Dossier, Dossier.id == Payment.dossier_id)
                .where(Payment.status == PENDING, Payment.created_at <= cutoff)
                .order_by(Payment.id)
            ).all()
            return [Unsettled(txn_ref, code, as_utc(created)) for txn_ref, code, created in rows]


def _outcome(answer: tuple[str, str], paid: bool) -> str:
    if answer == vnpay.CONFIRMED:
        return "paid" if paid else "failed"
    if answer == vnpay.ALREADY_CONFIRMED:
        return "already settled"
    return f"refused: {answer[1]}"


def transfer_purpose(code: str) -> str:
    """The order description and the bank transfer's note: ASCII, so every bank app shows it whole."""
    return f"Le phi ho so {code}"


def _pay_date(text: str, default: datetime) -> datetime:
    try:
        return vnpay.parse_vietnam_time(text).astimezone(timezone.utc)
    except ValueError:
        return default
