"""Property-based tests (hypothesis) of what reaches the chat connectors and the attachment store from
outside: Zalo webhook events (signed or not, of any shape), Telegram updates of any shape, and uploaded
files with any name and content. The explicit @example inputs are bugs these properties found."""

from __future__ import annotations

import json
import time
import unicodedata
from dataclasses import replace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.channels.zalo_client import signature_ok
from bot.dossiers.attachments import MAX_BYTES, SIGNATURES, AttachmentRejectedError, AttachmentStore
from bot.services import Services
from bot.settings import ZaloSettings, load_settings
from connectors.telegram import parse_update
from connectors.zalo import ZaloRuntime, event_key
from devtools.fakes.telegram_bot_api import callback_update, contact_update, document_update, text_update
from devtools.fakes.zalo_oa_api import file_event, follow_event, signature, submit_info_event, text_event
from tests.unit.hostile import NASTY_STRINGS, UTF8_NASTY_STRINGS, VIETNAMESE_LETTERS, json_values, mutated

APP_ID = "4300000000000000001"
OA_SECRET = "oa-secret"


@pytest.fixture(scope="module")
def zalo(tmp_path_factory) -> ZaloRuntime:
    directory = tmp_path_factory.mktemp("zalo")
    settings = replace(
        load_settings(),
        database_url=f"sqlite:///{directory / 'dvc.db'}",
        var_dir=directory,
        zalo=ZaloSettings(app_id=APP_ID, oa_secret_key=OA_SECRET, access_token="at", refresh_token="rt"),
    )
    return ZaloRuntime(Services(settings))


def signed(event: object) -> tuple[bytes, str]:
    """The body and X-ZEvent-Signature Zalo would send for `event` (any JSON), stamped now."""
    if isinstance(event, dict):
        event = {**event, "app_id": APP_ID, "timestamp": str(int(time.time() * 1000))}
    raw = json.dumps(event).encode()
    stamp = str(event.get("timestamp", "")) if isinstance(event, dict) else ""
    return raw, signature(APP_ID, raw, stamp, OA_SECRET)


def zalo_events() -> st.SearchStrategy:
    """Well-formed events of every kind Zalo sends, then with one part of the wrong type or missing."""
    now = str(int(time.time() * 1000))
    events = [
        text_event(APP_ID, "u1", "xin chào", "m1", now),
        file_event(APP_ID, "u1", "m2", "http://127.0.0.1:9/f.pdf", "giấy.pdf", 10, now),
        follow_event(APP_ID, "u2", now),
        submit_info_event(APP_ID, "u3", "0912345678", timestamp_ms=now),
    ]
    return st.sampled_from(events).flatmap(lambda event: st.just(event) | mutated(event))


@given(
    body=st.binary() | json_values.map(lambda value: json.dumps(value).encode()), header=st.none() | st.text()
)
@example(body=b"[" * 100_000, header="mac=00")  # nested too deep for json: RecursionError
@example(body=b'{"app_id": "1", "timestamp": "\\ud800"}', header="mac=00")  # not UTF-8 encodable
@example(body=b"{}", header="mac=\udcff")  # Sanic decodes a non-UTF-8 header byte as a surrogate
@example(body=b'{"oa_id": "", "recipient": "x", "app_id": "1", "timestamp": 1}', header="mac=00")
def test_an_unsigned_zalo_call_is_refused_whatever_it_carries(zalo, body, header):
    status, event = zalo.check(body, header)
    assert (status, event) in ((400, None), (403, None))


@given(event=zalo_events())
@example(event={"event_name": "user_send_text", "message": "x", "sender": "y"})
@example(event={"event_name": ["user_send_text"], "sender": {"id": "u"}})
@example(event={"event_name": "user_send_text", "message": {"msg_id": "\ud800"}})  # not storable text
def test_a_signed_zalo_event_of_any_shape_is_accepted_or_refused_with_400(zalo, event):
    raw, header = signed(event)
    status, checked = zalo.check(raw, header)
    assert status in (200, 400)
    if status == 200:  # what accept() does first: its key goes to the update log
        assert checked == json.loads(raw)
        zalo.app.channel_updates.first_time("zalo", event_key(checked))


@given(
    offset=st.integers(-60_000, 60_000) | st.integers(600_000, 10**400) | st.integers(-(10**400), -600_000)
)
@example(offset=10**400)  # int too large to convert to float: a 500
def test_a_zalo_event_from_the_distant_past_or_future_is_refused(zalo, offset):
    stamp = str(int(time.time() * 1000) + offset)
    event = text_event(APP_ID, "u1", "xin chào", "m1", stamp)
    raw = json.dumps(event).encode()
    status, _ = zalo.check(raw, signature(APP_ID, raw, stamp, OA_SECRET))
    assert status == (200 if abs(offset) <= 60_000 else 403)


@given(
    stamp=st.text(alphabet=st.characters(exclude_categories=("Cs",))) | st.sampled_from(UTF8_NASTY_STRINGS)
)
def test_a_zalo_event_without_a_readable_timestamp_is_refused(zalo, stamp):
    event = text_event(APP_ID, "u1", "xin chào", "m1", stamp)
    raw = json.dumps(event).encode()
    status, _ = zalo.check(raw, signature(APP_ID, raw, stamp, OA_SECRET))
    try:
        fresh = abs(int(stamp) - time.time() * 1000) < 60_000
    except ValueError:
        fresh = None
    assert status == {None: 400, True: 200, False: 403}[fresh]


@given(event=st.dictionaries(st.text(max_size=12), json_values), header=st.text())
@example(event={"oa_id": "", "recipient": "x"}, header="mac=00")  # read before the check: a 500
def test_the_zalo_signature_is_checked_for_an_event_of_any_shape(event, header):
    settings = ZaloSettings(app_id=APP_ID, oa_secret_key=OA_SECRET)
    body = json.dumps(event).encode()
    right = signature(str(event.get("app_id", "")), body, str(event.get("timestamp", "")), OA_SECRET)
    assert signature_ok(settings, body, event, right)
    assert signature_ok(settings, body, event, header) is (header.strip().lower() in (right, right[4:]))


def telegram_updates() -> st.SearchStrategy:
    updates = [
        text_update(1, 42, "xin chào"),
        callback_update(
            2, 42, "~abc", reply_markup={"inline_keyboard": [[{"text": "Có", "callback_data": "~abc"}]]}
        ),
        contact_update(3, 42, "+84912345678", 42),
        document_update(4, 42, "file-1", "giấy.pdf", "application/pdf", 1000),
    ]
    return st.sampled_from(updates).flatmap(lambda update: st.just(update) | mutated(update))


@given(data=telegram_updates() | json_values)
@example(data={"update_id": 1, "message": "x"})
@example(data={"update_id": 2, "message": {"chat": 5}})
@example(data={"update_id": None, "callback_query": {}})
@example(data={"update_id": 10**200})  # longer than the update log's column
@example(
    data={
        "update_id": 3,
        "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "\ud800"},
    }
)
def test_a_telegram_body_is_an_update_or_refused(data):
    update = parse_update(data)
    if update is not None:
        assert update.update_id == data["update_id"] and 0 <= update.update_id < 2**63


@given(
    text=st.text(alphabet=st.characters(exclude_categories=("Cs",))) | st.sampled_from(UTF8_NASTY_STRINGS),
    update_id=st.integers(1, 2**31),
)
def test_a_text_update_reads_back_as_sent(text, update_id):
    update = parse_update(json.loads(json.dumps(text_update(update_id, 42, text))))
    assert update is not None and update.update_id == update_id and update.message.text == text


# --- attachments -------------------------------------------------------------------------------------

kinds = st.sampled_from([*SIGNATURES, b""])
file_names = st.one_of(st.text(), st.sampled_from(NASTY_STRINGS), st.just(".."), st.just("."), st.none())


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> AttachmentStore:
    return AttachmentStore(tmp_path_factory.mktemp("attachments") / "store")


@given(filename=file_names, signature_bytes=kinds, rest=st.binary(max_size=200))
@example(filename="..", signature_bytes=b"%PDF-", rest=b"1.7")
@example(filename=unicodedata.normalize("NFD", "giấy chứng sinh.pdf"), signature_bytes=b"%PDF-", rest=b"1.7")
def test_an_upload_is_kept_under_a_safe_name_or_refused_in_vietnamese(store, filename, signature_bytes, rest):
    content = signature_bytes + rest
    try:
        saved = store.save(filename, content)
    except AttachmentRejectedError as refused:
        assert str(refused).startswith("Dạ")
        assert not content or not any(content.startswith(known) for known in SIGNATURES)
        return
    name = saved.filename
    assert name and len(name) <= 100 and name.strip(".") and name == name.strip()
    assert not any(char in name for char in "/\\\x00") and all(char.isprintable() for char in name)
    assert unicodedata.is_normalized("NFC", name)
    assert saved.content_type == SIGNATURES[next(key for key in SIGNATURES if content.startswith(key))]
    assert store.get(saved.upload_id) == saved and store.content(saved.upload_id) == content


@given(
    words=st.lists(
        st.text(alphabet=VIETNAMESE_LETTERS + "0123456789", min_size=1, max_size=8), min_size=1, max_size=5
    ),
    unicode=st.sampled_from(["NFC", "NFD"]),
)
def test_an_ordinary_file_name_is_kept_as_the_citizen_wrote_it(store, words, unicode):
    name = " ".join(words)[:90] + ".pdf"
    saved = store.save(unicodedata.normalize(unicode, name), b"%PDF-1.7")
    assert saved.filename == unicodedata.normalize("NFC", name).strip()


@given(
    upload_id=st.text()
    | st.sampled_from(NASTY_STRINGS)
    | st.from_regex(r"[A-Za-z0-9_-]{16,64}\n", fullmatch=True)
)
def test_an_unknown_or_malformed_upload_id_finds_nothing(store, upload_id):
    assert store.get(upload_id) is None and store.content(upload_id) is None


def test_a_file_of_exactly_the_limit_is_kept_and_one_byte_more_is_refused(store):
    assert store.save("a.pdf", b"%PDF-" + b"x" * (MAX_BYTES - 5)).size == MAX_BYTES
    with pytest.raises(AttachmentRejectedError, match="10 MB"):
        store.save("a.pdf", b"%PDF-" + b"x" * (MAX_BYTES - 4))
