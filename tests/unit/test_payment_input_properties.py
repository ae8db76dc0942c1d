"""Property-based tests (hypothesis) of what the payment gateway and citizens' browsers can send: VNPay's
signatures over arbitrary parameters, the callbacks settled (or not) by the payment service, and the VietQR
payload as NAPAS/EMVCo define it. The explicit @example inputs are bugs these properties found."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.calendar.working_days import WorkingCalendar
from bot.db.models import Dossier
from bot.db.session import session_factory, upgrade_schema
from bot.dossiers.submission import DossierService, link_token, link_token_matches
from bot.payments import vietqr, vnpay
from bot.payments.service import PaymentService
from bot.settings import DEMO_AGENCY_CODE
from tests.unit.dossier_fixtures import Clock
from tests.unit.test_payments import SETTINGS, file_dossier, gateway_answer

SECRET = SETTINGS.hash_secret
# Query strings reach the handlers decoded by yarl, which replaces invalid UTF-8: never a lone surrogate.
query_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)))
vnp_key = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_", min_size=1).map(
    "vnp_".__add__
)
callback_fields = st.dictionaries(st.one_of(vnp_key, query_text), query_text, max_size=12)
SIGNED_FIELDS = ("vnp_Amount", "vnp_OrderInfo", "vnp_ResponseCode", "vnp_TxnRef", "vnp_PayDate")


# --- VNPay signatures --------------------------------------------------------------------------------


@given(fields=callback_fields, hash_text=query_text)
@example(fields={"vnp_TxnRef": "1"}, hash_text="é")  # compare_digest refused non-ASCII text: a 500
def test_verify_answers_true_or_false_for_anything_a_caller_sends(fields, hash_text):
    answer = vnpay.verify({**fields, "vnp_SecureHash": hash_text}, SECRET)
    assert answer is (hash_text.lower() == vnpay.sign(fields, SECRET))


@given(fields=callback_fields, other_secret=st.text(min_size=1), upper=st.booleans())
def test_a_signed_callback_verifies_whatever_its_values_and_only_with_the_merchant_secret(
    fields, other_secret, upper
):
    signature = vnpay.sign(fields, SECRET)
    signed = {**fields, "vnp_SecureHash": signature.upper() if upper else signature}
    assert vnpay.verify(signed, SECRET)
    assert vnpay.verify({**signed, "vnp_SecureHashType": "HmacSHA512", "utm_source": "zalo"}, SECRET)
    assume(other_secret != SECRET)
    assert not vnpay.verify(signed, other_secret)


@given(fields=callback_fields, key=st.sampled_from(SIGNED_FIELDS), value=query_text)
def test_changing_or_adding_any_vnp_field_breaks_the_signature(fields, key, value):
    assume(fields.get(key) != value)
    signed = {**fields, "vnp_SecureHash": vnpay.sign(fields, SECRET)}
    assert not vnpay.verify({**signed, key: value}, SECRET)


@given(
    txn_ref=query_text.filter(bool),
    amount=st.integers(1, 10**9),
    description=st.text(),
    created=st.datetimes(datetime(2020, 1, 1), datetime(2100, 1, 1), timezones=st.just(timezone.utc)),
)
def test_the_payment_url_carries_exactly_what_it_signs(txn_ref, amount, description, created):
    url = vnpay.payment_url(
        SETTINGS,
        txn_ref=txn_ref,
        amount_vnd=amount,
        description=description,
        client_ip="127.0.0.1",
        created=created,
        expires=created + timedelta(minutes=15),
    )
    received = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    assert vnpay.verify(received, SECRET)
    assert received["vnp_TxnRef"] == txn_ref and received["vnp_Amount"] == str(amount * 100)
    info = received["vnp_OrderInfo"]
    assert len(info) <= 255 and info.isascii() and all(char.isprintable() for char in info)


@given(moment=st.datetimes(datetime(2000, 1, 1), datetime(2200, 1, 1), timezones=st.just(timezone.utc)))
def test_vnpay_time_reads_back_to_the_second(moment):
    assert vnpay.parse_vietnam_time(vnpay.vietnam_time(moment)) == moment.replace(microsecond=0)


@given(text=st.text())
def test_a_vnpay_time_is_read_in_vietnam_time_or_refused_with_value_error(text):
    try:
        moment = vnpay.parse_vietnam_time(text)
    except ValueError:
        return
    assert moment.utcoffset() == timedelta(hours=7)


@given(answer=st.dictionaries(st.sampled_from((*vnpay.QUERYDR_ANSWER_SIGNED, "vnp_SecureHash")), query_text))
@example(answer={"vnp_SecureHash": "ệ"})
def test_a_querydr_answer_is_genuine_only_when_signed(answer):
    expected = vnpay.pipe_signature(answer, vnpay.QUERYDR_ANSWER_SIGNED, SECRET)
    genuine = vnpay.querydr_answer_is_genuine(answer, SECRET)
    assert genuine is (str(answer.get("vnp_SecureHash", "")).lower() == expected)
    signed = {**answer, "vnp_SecureHash": expected}
    assert vnpay.querydr_answer_is_genuine(signed, SECRET)


@given(code=st.text(), token=query_text)
@example(code="000.00.12.H23-251122-0007", token="é")
def test_a_link_token_matches_only_itself(code, token):
    assert link_token_matches(b"k" * 32, "result", code, link_token(b"k" * 32, "result", code))
    assert link_token_matches(b"k" * 32, "result", code, token) is (
        token == link_token(b"k" * 32, "result", code)
    )


# --- the payment service: callbacks -----------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('payments') / 'dvc.db'}"
    upgrade_schema(url)
    sessions = session_factory(url)
    clock = Clock()
    dossiers = DossierService(sessions, WorkingCalendar(), clock=clock, agency_code=DEMO_AGENCY_CODE)
    return dossiers, PaymentService(sessions, SETTINGS, clock=clock), sessions, itertools.count()


ANSWERS = {vnpay.CONFIRMED, vnpay.ORDER_NOT_FOUND, vnpay.ALREADY_CONFIRMED, vnpay.INVALID_AMOUNT}
ANSWERS |= {vnpay.INVALID_SIGNATURE, vnpay.UNKNOWN_ERROR}


@given(
    changes=st.fixed_dictionaries(
        {},
        optional={
            "vnp_TxnRef": query_text,
            "vnp_Amount": st.one_of(query_text, st.integers(-10, 10**8).map(str)),
            "vnp_ResponseCode": st.sampled_from(["00", "24", "99", ""]) | query_text,
            "vnp_TransactionStatus": st.sampled_from(["00", "01", "02"]) | query_text,
            "vnp_PayDate": query_text,
            "vnp_TransactionNo": query_text,
            "vnp_BankCode": query_text,
        },
    ),
    extra=callback_fields,
    signed=st.booleans(),
    forged_hash=query_text,
)
def test_a_callback_records_a_payment_only_when_signed_for_the_right_order_and_amount(
    world, changes, extra, signed, forged_hash
):
    dossiers, payments, sessions, keys = world
    code = file_dossier(dossiers, key=f"prop-{next(keys)}")
    offer = payments.offer(code)
    fields = {key: value for key, value in gateway_answer(offer.url).items() if key != "vnp_SecureHash"}
    fields = {**extra, **fields, **changes}
    fields["vnp_SecureHash"] = vnpay.sign(fields, SECRET) if signed else forged_hash
    assume(signed or forged_hash.lower() != vnpay.sign(fields, SECRET))

    answer = payments.settle(fields)

    assert answer in ANSWERS
    order = dict(parse_qsl(urlsplit(offer.url).query))
    should_pay = (
        signed
        and fields["vnp_TxnRef"] == order["vnp_TxnRef"]
        and fields["vnp_Amount"] == order["vnp_Amount"]
        and fields["vnp_ResponseCode"] == "00"
        and fields.get("vnp_TransactionStatus", "00") == "00"
    )
    with sessions() as session:
        paid_at = session.execute(select(Dossier.fee_paid_at).where(Dossier.code == code)).scalar_one()
    assert (paid_at is not None) is should_pay
    if not signed:
        assert answer == vnpay.INVALID_SIGNATURE
    if answer == vnpay.CONFIRMED:  # VNPay retries its IPN: the same callback again changes nothing
        assert payments.settle(fields) == vnpay.ALREADY_CONFIRMED


# --- VietQR ------------------------------------------------------------------------------------------


def read_tlv(text: str) -> dict[str, str]:
    """EMVCo's TLV: two-digit id, two-digit length (1-99), value; refuses anything else."""
    fields: dict[str, str] = {}
    position = 0
    while position < len(text):
        tag, length = text[position : position + 2], int(text[position + 2 : position + 4])
        assert tag.isdigit() and 1 <= length <= 99, (tag, length)
        fields[tag] = text[position + 4 : position + 4 + length]
        assert len(fields[tag]) == length
        position += 4 + length
    return fields


@given(
    bank_bin=st.text(alphabet="0123456789", min_size=6, max_size=6),
    account=st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=19),
    amount=st.none() | st.integers(1, 10**12),
    purpose=st.text(),
)
@example(bank_bin="970436", account="0011001234567", amount=15000, purpose="Lệ phí 中文")
@example(bank_bin="970436", account="0011001234567", amount=15000, purpose="中文")  # an empty tag 08
def test_the_vietqr_payload_is_valid_emvco_with_the_amount_account_and_purpose(
    bank_bin, account, amount, purpose
):
    payload = vietqr.payload(bank_bin, account, amount, purpose)
    assert payload.isascii()
    assert payload[-4:] == f"{vietqr.crc16_ccitt_false(payload[:-4].encode('ascii')):04X}"
    fields = read_tlv(payload)
    assert fields["00"] == "01" and fields["01"] == ("12" if amount else "11") and fields["58"] == "VN"
    merchant = read_tlv(fields["38"])
    assert merchant["00"] == vietqr.NAPAS_GUID and read_tlv(merchant["01"]) == {"00": bank_bin, "01": account}
    assert fields.get("54") == (str(amount) if amount else None)
    note = vietqr.purpose_text(purpose)
    assert (read_tlv(fields["62"])["08"] if "62" in fields else "") == note
    assert note.isascii() and all(char.isprintable() for char in note) and len(note) <= 50


@given(bank_bin=st.text(), account=st.text(), amount=st.none() | st.integers(), purpose=st.text())
def test_vietqr_takes_only_a_six_digit_bin_and_refuses_the_rest_with_value_error(
    bank_bin, account, amount, purpose
):
    try:
        payload = vietqr.payload(bank_bin, account, amount, purpose)
    except ValueError:
        return
    assert payload.isascii() and len(bank_bin) == 6 and bank_bin.isascii() and bank_bin.isdigit()
