"""Whether a dossier still has a fee to pay, and the button that asks to pay it (status answers show it)."""

from __future__ import annotations

from bot.payments import messages
from bot.replies import Button, intent_payload
from bot.workflow.states import REJECTED, RETURNED
from bot.workflow.views import DossierView


def fee_due(view: DossierView) -> bool:
    return bool(view.fee_amount) and not view.fee_paid and view.status not in (REJECTED, RETURNED)


def pay_fee_button(code: str) -> Button:
    return Button(messages.PAY_FEE_BUTTON, intent_payload("pay_fee", dossier_code=code))
