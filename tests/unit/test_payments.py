"""Online fee payment: VNPay signing against a callback VNPay really signed, VietQR against NAPAS's
reference payload, the commune's fee table, and the payment service's offers and callbacks (every IPN
answer code, replays, ten concurrent identical IPNs recording one payment)."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import func, select

from bot.calendar.working_days import WorkingCalendar
from bot.catalog.model import ONLINE, Channel, Fee, TimeLimit
from bot.db.models import Dossier, DossierEvent, Notification, Payment
from bot.db.session import session_factory, upgrade_schema
from bot.dossiers.submission import DossierService
from bot.forms.definitions import load_forms
from bot.payments import fees, service, vietqr, vnpay
from bot.payments.fees import FeeSchedule, FeeTableError
from bot.payments.service import PaymentService
from bot.settings import DEMO_AGENCY_CODE, PaymentSettings
from tests.unit.catalog_fixtures import procedure
from tests.unit.dossier_fixtures import FORM, Clock

# A return callback signed by VNPay's sandbox (published in a public repository's debugging script, with
# its sandbox secret): Vietnamese text in vnp_OrderInfo checks the quote_plus encoding.
SANDBOX_SECRET = "6HEKW2H6YES2FSOKLKKRQ0JS3QF1M4H6"
SANDBOX_CALLBACK = {
    "vnp_Amount": "14108000",
    "vnp_BankCode": "NCB",
    "vnp_BankTranNo": "VNP14980726",
    "vnp_CardType": "ATM",
    "vnp_OrderInfo": "Thanh toán đơn hàng #6834803ff5166e338d7103a8",
    "vnp_PayDate": "20250526215346",
    "vnp_ResponseCode": "00",
    "vnp_TmnCode": "L8M3EKX2",
    "vnp_TransactionNo": "14980726",
    "vnp_TransactionStatus": "00",
    "vnp_TxnRef": "6834803ff5166e338d7103a8",
    "vnp_SecureHash": "3264dbf4850cb57d0cd597716260bf0722810f49b7abb144254f7f77adf08a1a"
    "6f496ab19e18c16266153c8caee87497fea7fa3507e61bcf9786dcff0d71b532",
}
SETTINGS = PaymentSettings(
    tmn_code="DVCTEST1",
    hash_secret="TESTSECRETTESTSECRETTESTSECRET12",
    payment_url="https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
    return_url="https://xa.example.vn/payments/vnpay/return",
    link_minutes=15,
)


# -- VNPay ---------------------------------------------------------------------------------------------


def test_a_callback_signed_by_vnpay_verifies_and_any_change_does_not():
    assert vnpay.verify(SANDBOX_CALLBACK, SANDBOX_SECRET)
    assert not vnpay.verify({**SANDBOX_CALLBACK, "vnp_Amount": "14108100"}, SANDBOX_SECRET)
    assert not vnpay.verify(SANDBOX_CALLBACK, "another-secret")
    assert not vnpay.verify({**SANDBOX_CALLBACK, "vnp_SecureHash": ""}, SANDBOX_SECRET)
    # 2.0.x callbacks carry vnp_SecureHashType: it is not part of the signed text.
    assert vnpay.verify({**SANDBOX_CALLBACK, "vnp_SecureHashType": "HmacSHA512"}, SANDBOX_SECRET)


def test_the_payment_url_is_signed_over_exactly_what_it_sends():
    created = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
    url = vnpay.payment_url(
        SETTINGS,
        txn_ref="12N1",
        amount_vnd=15000,
        description="Lệ phí hồ sơ 000.00.12.H23-261120-0001",
        client_ip="127.0.0.1",
        created=created,
        expires=created + timedelta(minutes=15),
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == SETTINGS.payment_url
    fields = dict(parse_qsl(parts.query))
    assert fields["vnp_Amount"] == "1500000"  # VND x 100
    assert fields["vnp_CreateDate"] == "20261120100000"  # Vietnam time
    assert fields["vnp_ExpireDate"] == "20261120101500"
    assert fields["vnp_OrderInfo"] == "Le phi ho so 000.00.12.H23-261120-0001"  # no diacritics
    assert fields["vnp_Version"] == "2.1.0" and "vnp_SecureHashType" not in fields
    assert list(fields)[:-1] == sorted(list(fields)[:-1]) and list(fields)[-1] == "vnp_SecureHash"
    assert vnpay.verify(fields, SETTINGS.hash_secret)


def test_querydr_is_signed_over_the_documented_pipe_string():
    now = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)
    body = vnpay.querydr_request(
        SETTINGS,
        request_id="r1",
        txn_ref="12N1",
        transaction_date=now - timedelta(hours=1),
        description="Le phi",
        client_ip="127.0.0.1",
        now=now,
    )
    text = "r1|2.1.0|querydr|DVCTEST1|12N1|20261120100000|20261120110000|127.0.0.1|Le phi"
    expected = hmac.new(SETTINGS.hash_secret.encode(), text.encode(), hashlib.sha512).hexdigest()
    assert body["vnp_SecureHash"] == expected


# -- VietQR --------------------------------------------------------------------------------------------

NAPAS_REFERENCE = (
    "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA5303704540410005802VN"
    "62150811Chuyen tien6304BBB8"
)


def test_the_vietqr_payload_matches_the_reference_with_its_crc():
    assert vietqr.payload("970416", "257678859", 1000, "Chuyển tiền") == NAPAS_REFERENCE
    assert vietqr.crc16_ccitt_false(b"123456789") == 0x29B1  # the CRC's standard check value


def test_a_static_vietqr_has_no_amount_and_bad_accounts_are_refused():
    static = vietqr.payload("970416", "257678859", None)
    assert "010211" in static and "5404" not in static
    with pytest.raises(ValueError, match="6 digits"):
        vietqr.payload("9704", "257678859", 1000)
    assert vietqr.png(NAPAS_REFERENCE).startswith(b"\x89PNG")


# -- fees ----------------------------------------------------------------------------------------------


def online(fee: Fee):
    return procedure("1.000000", "Thủ tục X", channels=(Channel(ONLINE, TimeLimit("1"), fee),))


def test_the_communes_table_wins_and_a_declared_exemption_makes_it_free():
    schedule = FeeSchedule({"1.004873": fees.CommuneFee(15000, "Nghị quyết HĐND", ("Hộ nghèo",))})
    assert schedule.fee_for(None, "1.004873").amount == 15000
    free = schedule.fee_for(None, "1.004873", {fees.EXEMPTION_FIELD: "Hộ nghèo"})
    assert free.amount == 0 and fees.describe(free) == "Miễn lệ phí (Hộ nghèo)"
    assert fees.describe(schedule.fee_for(None, "1.004873")) == "15.000 đồng (theo Nghị quyết HĐND)"


def test_the_catalogue_gives_one_amount_free_or_nothing():
    schedule = FeeSchedule({})
    assert schedule.fee_for(online(Fee("10.000", (10000,))), "1.000000").amount == 10000
    assert schedule.fee_for(online(Fee("Miễn phí", free=True)), "1.000000").amount == 0
    assert schedule.fee_for(online(Fee("10.000 hoặc 20.000", (10000, 20000))), "1.000000") is None
    assert "Bộ phận Một cửa sẽ thông báo" in fees.describe(None)


def test_the_fee_table_and_the_forms_ask_the_same_exemptions():
    schedule, forms = FeeSchedule.load(), load_forms()
    for code, entry in schedule.commune.items():
        if entry.exemptions:
            spec = forms[code].field(fees.EXEMPTION_FIELD)
            assert set(spec.choices) == {*entry.exemptions, fees.NO_EXEMPTION}, code


def test_a_bad_fee_table_is_refused_with_the_reason(tmp_path: Path):
    path = tmp_path / "fees.yml"
    path.write_text('"1.1":\n  amount: "mười nghìn"\n  legal_basis: x\n', encoding="utf-8")
    with pytest.raises(FeeTableError, match="whole number"):
        FeeSchedule.load(path)


# -- the payment service -------------------------------------------------------------------------------

PAID_PROCEDURE = online(Fee("15.000 đồng", (15000,)))


@pytest.fixture
def world(tmp_path):
    url = f"sqlite:///{tmp_path / 'dvc.db'}"
    upgrade_schema(url)
    sessions = session_factory(url)
    clock = Clock()
    dossiers = DossierService(sessions, WorkingCalendar(), clock=clock, agency_code=DEMO_AGENCY_CODE)
    payments = PaymentService(sessions, SETTINGS, clock=clock)
    return dossiers, payments, sessions, clock


def file_dossier(dossiers: DossierService, key: str = "k1", fee_procedure=PAID_PROCEDURE) -> str:
    return dossiers.submit(
        form=FORM,
        procedure=fee_procedure,
        answers={"applicant_full_name": "Nguyễn Văn An", "applicant_phone": "0912345678"},
        channel="telegram",
        sender_id="tg-42",
        phone_hash="h",
        idempotency_key=key,
    ).code


def gateway_answer(url: str, **changes: str) -> dict[str, str]:
    """What VNPay sends back for the order in `url`, signed with the merchant's secret."""
    order = dict(parse_qsl(urlsplit(url).query))
    fields = {
        "vnp_TmnCode": order["vnp_TmnCode"],
        "vnp_Amount": order["vnp_Amount"],
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": "VNP1",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": order["vnp_OrderInfo"],
        "vnp_PayDate": "20261120101000",
        "vnp_ResponseCode": "00",
        "vnp_TransactionNo": "14980726",
        "vnp_TransactionStatus": "00",
        "vnp_TxnRef": order["vnp_TxnRef"],
        **changes,
    }
    return {**fields, "vnp_SecureHash": vnpay.sign(fields, SETTINGS.hash_secret)}


def test_asking_twice_gives_the_same_link_and_a_fresh_one_only_after_expiry(world):
    dossiers, payments, sessions, clock = world
    code = file_dossier(dossiers)
    first = payments.offer(code)
    assert first.outcome == service.LINK and first.amount == 15000
    assert payments.offer(code).url == first.url
    clock.now += timedelta(minutes=16)  # expired a minute ago: a confirmation may still come
    assert payments.offer(code).outcome == service.WAIT
    clock.now += timedelta(minutes=10)
    fresh = payments.offer(code)
    assert fresh.outcome == service.LINK and fresh.url != first.url
    with sessions() as session:
        assert session.execute(select(func.count(Payment.id))).scalar_one() == 2


def test_a_confirmed_payment_records_everything_once_and_the_receipt_goes_to_the_chat(world):
    dossiers, payments, sessions, _ = world
    code = file_dossier(dossiers)
    answer = gateway_answer(payments.offer(code).url)
    assert payments.settle(answer) == vnpay.CONFIRMED
    assert payments.settle(answer) == vnpay.ALREADY_CONFIRMED  # a replay changes nothing
    with sessions() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        assert dossier.fee_paid_at is not None
        events = session.execute(select(DossierEvent.action, DossierEvent.note)).all()
        assert [action for action, _ in events] == ["submit", service.FEE_PAID]
        assert "14980726" in events[-1][1]
        [notice] = session.execute(select(Notification)).scalars().all()
        assert (notice.channel, notice.sender_id) == ("telegram", "tg-42")
        assert "15.000 đồng" in notice.text and code in notice.text and "14980726" in notice.text
    assert payments.offer(code).outcome == service.ALREADY_PAID
    assert payments.paid_dossier(answer["vnp_TxnRef"]) == (code, 15000)


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"vnp_Amount": "100"}, vnpay.INVALID_AMOUNT),
        ({"vnp_TxnRef": "999N1"}, vnpay.ORDER_NOT_FOUND),
        ({"vnp_SecureHash": "0" * 128}, vnpay.INVALID_SIGNATURE),
    ],
)
def test_a_refused_callback_changes_nothing(world, change, expected):
    dossiers, payments, sessions, _ = world
    code = file_dossier(dossiers)
    answer = gateway_answer(payments.offer(code).url)
    if "vnp_SecureHash" in change:
        tampered = {**answer, **change}
    else:  # correctly signed by someone who knows the secret, but not what was ordered
        tampered = gateway_answer(payments.offer(code).url, **change)
    assert payments.settle(tampered) == expected
    with sessions() as session:
        assert session.execute(select(Dossier.fee_paid_at)).scalar_one() is None
        assert session.execute(select(Payment.status)).scalar_one() == service.PENDING
        assert session.execute(select(func.count(Notification.id))).scalar_one() == 0


def test_a_tampered_amount_with_the_old_signature_is_an_invalid_signature(world):
    dossiers, payments, _, _ = world
    answer = gateway_answer(payments.offer(file_dossier(dossiers)).url)
    assert payments.settle({**answer, "vnp_Amount": "100"}) == vnpay.INVALID_SIGNATURE


def test_a_cancelled_payment_is_recorded_and_a_new_link_can_be_had_at_once(world):
    dossiers, payments, sessions, _ = world
    code = file_dossier(dossiers)
    first = payments.offer(code)
    cancelled = gateway_answer(first.url, vnp_ResponseCode="24", vnp_TransactionStatus="02")
    assert payments.settle(cancelled) == vnpay.CONFIRMED  # VNPay wants 00 for a recorded failure too
    assert payments.settle(cancelled) == vnpay.ALREADY_CONFIRMED
    with sessions() as session:
        assert session.execute(select(Dossier.fee_paid_at)).scalar_one() is None
    again = payments.offer(code)
    assert again.outcome == service.LINK and again.url != first.url


def test_ten_concurrent_identical_ipns_record_one_payment(world):
    dossiers, payments, sessions, _ = world
    answer = gateway_answer(payments.offer(file_dossier(dossiers)).url)
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: payments.settle(answer), range(10)))
    assert answers.count(vnpay.CONFIRMED) == 1
    assert answers.count(vnpay.ALREADY_CONFIRMED) == 9
    with sessions() as session:
        assert session.execute(select(func.count(Notification.id))).scalar_one() == 1
        fee_events = select(func.count(DossierEvent.id)).where(DossierEvent.action == service.FEE_PAID)
        assert session.execute(fee_events).scalar_one() == 1


def test_nothing_to_pay_free_unknown_or_online_payment_off(world):
    dossiers, payments, _, _ = world
    free = file_dossier(dossiers, "k-free", online(Fee("Miễn phí", free=True)))
    unknown = file_dossier(dossiers, "k-unknown", online(Fee("theo HĐND tỉnh")))
    assert payments.offer(free).outcome == service.FREE
    assert payments.offer(unknown).outcome == service.AMOUNT_UNKNOWN
    assert payments.offer("000.00.12.H23-000000-0000").outcome == service.NOT_FOUND
    off = PaymentService(payments.session_factory, PaymentSettings(), clock=payments.clock)
    assert off.offer(file_dossier(dossiers, "k-off")).outcome == service.OFF


def test_the_vietqr_transfer_is_offered_when_the_commune_has_an_account(world):
    dossiers, payments, _, _ = world
    settings = dataclasses.replace(SETTINGS, bank_bin="970436", bank_account="0011001234567")
    offer = PaymentService(payments.session_factory, settings, clock=payments.clock).offer(
        file_dossier(dossiers)
    )
    assert "0006970436" in offer.transfer_payload and "540515000" in offer.transfer_payload


def test_unsettled_attempts_are_listed_for_the_reconciliation(world):
    dossiers, payments, _, clock = world
    code = file_dossier(dossiers)
    payments.offer(code)
    assert payments.unsettled(timedelta(minutes=30)) == []
    clock.now += timedelta(minutes=31)
    [pending] = payments.unsettled(timedelta(minutes=30))
    assert pending.dossier_code == code
