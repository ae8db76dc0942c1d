"""'thanh toán lệ phí' in the chat: only the owner gets a link, one dossier at a time, and a polite reason
when there is nothing to pay."""

from __future__ import annotations

import dataclasses

from bot.catalog.model import ONLINE, Channel, Fee, TimeLimit
from bot.dossiers.status_lookup import Requester
from bot.payments import messages
from bot.services import Services
from bot.settings import PaymentSettings
from tests.unit.catalog_fixtures import procedure
from tests.unit.dossier_fixtures import FORM

PAYMENTS = PaymentSettings(
    tmn_code="DVCTEST1",
    hash_secret="TESTSECRETTESTSECRETTESTSECRET12",
    payment_url="https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
    return_url="https://xa.example.vn/payments/vnpay/return",
    bank_bin="970436",
    bank_account="0011001234567",
    bank_account_name="UBND XA TAN PHU",
)
OWNER = Requester("telegram", "tg-42")


def with_payments(services: Services) -> Services:
    return Services(dataclasses.replace(services.settings, payments=PAYMENTS))


def file_dossier(app: Services, key: str, fee: Fee, sender: str = "tg-42") -> str:
    paid = procedure("1.001193", "Thủ tục X", channels=(Channel(ONLINE, TimeLimit("1"), fee),))
    return app.dossiers.submit(
        form=FORM,
        procedure=paid,
        answers={"applicant_full_name": "Nguyễn Văn An", "applicant_phone": "0912345678"},
        channel="telegram",
        sender_id=sender,
        phone_hash="h",
        idempotency_key=key,
    ).code


def test_the_owner_gets_the_link_and_the_transfer_qr(blank_services):
    app = with_payments(blank_services)
    code = file_dossier(app, "k1", Fee("15.000", (15000,)))
    link, transfer = app.fee_desk.answer(OWNER, None)
    assert "15.000 đồng" in link.text and code in link.text
    assert link.links[0].url.startswith(PAYMENTS.payment_url) and "VNPay" in link.links[0].title
    assert "0011001234567" in transfer.text and transfer.files[0].content_type == "image/png"
    assert transfer.files[0].url == app.vietqr_url(code)


def test_someone_else_gets_no_link(blank_services):
    app = with_payments(blank_services)
    code = file_dossier(app, "k1", Fee("15.000", (15000,)))
    [reply] = app.fee_desk.answer(Requester("telegram", "tg-99"), code)
    assert reply.text == messages.NOT_OWNER.format(code=code) and not reply.links
    [reply] = app.fee_desk.answer(Requester("telegram", "tg-99"), None)
    assert reply.text == messages.NO_DOSSIER


def test_several_unpaid_dossiers_are_offered_as_buttons_and_free_ones_are_not(blank_services):
    app = with_payments(blank_services)
    first = file_dossier(app, "k1", Fee("15.000", (15000,)))
    second = file_dossier(app, "k2", Fee("8.000", (8000,)))
    file_dossier(app, "k3", Fee("Miễn phí", free=True))
    [reply] = app.fee_desk.answer(OWNER, None)
    assert reply.text == messages.WHICH_DOSSIER
    assert {button.title for button in reply.buttons} == {first, second}


def test_nothing_due_and_after_submission_only_when_a_fee_is_due(blank_services):
    app = with_payments(blank_services)
    free = file_dossier(app, "k1", Fee("Miễn phí", free=True))
    assert app.fee_desk.answer(OWNER, None)[0].text == messages.NOTHING_DUE
    assert app.fee_desk.after_submission(free) == []
    due = file_dossier(app, "k2", Fee("15.000", (15000,)))
    assert app.fee_desk.after_submission(due)[0].links


def test_the_status_answer_offers_the_payment_button_until_paid(blank_services):
    app = with_payments(blank_services)
    code = file_dossier(app, "k1", Fee("15.000", (15000,)))
    [answer] = app.status_desk.lookup(code, OWNER)
    assert messages.PAY_FEE_BUTTON in [button.title for button in answer.buttons]
