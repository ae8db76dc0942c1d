"""The chat's side of paying a fee: which of the citizen's dossiers, and what to say about it.

Only the dossier's owner gets a payment link (the same ownership as status answers: the conversation that
filed it, or a phone verified in this conversation)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.dossiers.status_lookup import DossierStatusDesk, Requester
from bot.payments import messages
from bot.payments.due import fee_due, pay_fee_button
from bot.payments.service import (
    ALREADY_PAID,
    AMOUNT_UNKNOWN,
    FREE,
    LINK,
    NOT_FOUND,
    OFF,
    WAIT,
    PaymentOffer,
    PaymentService,
    transfer_purpose,
)
from bot.replies import Button, File, Link, Reply
from bot.settings import PaymentSettings


def offer_replies(
    offer: PaymentOffer, qr_url: str | None = None, settings: PaymentSettings | None = None
) -> list[Reply]:
    """What the citizen reads for an offer: the VNPay link (and the VietQR transfer), or why there is none."""
    code = offer.dossier_code
    if offer.outcome == LINK:
        replies = [
            Reply(
                messages.PAY_BY_LINK.format(code=code, amount=offer.amount_text, expires=offer.expires_at),
                links=(Link(messages.PAY_BUTTON.format(amount=offer.amount_text), offer.url),),
            )
        ]
        if offer.transfer_payload and qr_url and settings is not None:
            text = messages.PAY_BY_TRANSFER.format(
                amount=offer.amount_text,
                account=settings.bank_account,
                account_name=settings.bank_account_name or "UBND xã",
                purpose=transfer_purpose(code),
            )
            replies.append(Reply(text, files=(File(qr_url, f"vietqr-{code}.png", "image/png"),)))
        return replies
    texts = {
        ALREADY_PAID: lambda: messages.ALREADY_PAID.format(code=code, paid=offer.paid_at),
        FREE: lambda: messages.NOTHING_TO_PAY.format(code=code),
        AMOUNT_UNKNOWN: lambda: messages.AMOUNT_UNKNOWN.format(code=code),
        WAIT: lambda: messages.BEING_CONFIRMED.format(code=code),
        OFF: lambda: messages.ONLINE_PAYMENT_OFF.format(amount=offer.amount_text),
        NOT_FOUND: lambda: messages.NO_DOSSIER,
    }
    return [Reply(texts[offer.outcome]())]


@dataclass
class FeeDesk:
    status_desk: DossierStatusDesk
    payments: PaymentService
    qr_url: Callable[[str], str | None]  # the VietQR image's link for a dossier code

    def answer(self, requester: Requester, code: str | None) -> list[Reply]:
        """ "thanh toán lệ phí" (with or without a dossier code)."""
        own = self.status_desk.own_dossiers(requester)
        if code:
            if not any(view.code == code for view in own):
                return [Reply(messages.NOT_OWNER.format(code=code))]
            return self.offer(code)
        if not own:
            return [Reply(messages.NO_DOSSIER)]
        due = [view for view in own if fee_due(view)]
        if not due:
            return [Reply(messages.NOTHING_DUE)]
        if len(due) == 1:
            return self.offer(due[0].code)
        buttons = tuple(Button(view.code, pay_fee_button(view.code).payload) for view in due[:5])
        return [Reply(messages.WHICH_DOSSIER, buttons)]

    def offer(self, code: str) -> list[Reply]:
        offer = self.payments.offer(code)
        return offer_replies(offer, self.qr_url(code), self.payments.settings)

    def after_submission(self, code: str) -> list[Reply]:
        """Right after filing: the payment link when a fee is due (nothing when free or unknown: the
        receipt already says so)."""
        offer = self.payments.offer(code)
        if offer.outcome not in (LINK, OFF):
            return []
        return offer_replies(offer, self.qr_url(code), self.payments.settings)
