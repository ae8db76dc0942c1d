"""The fake Telegram and Zalo servers speak the real protocols: PTB and plain aiohttp clients accept them."""

from __future__ import annotations

import asyncio
import datetime as dtm
import hashlib
import json
from collections.abc import Iterator

import aiohttp
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter

from devtools.fakes import telegram_bot_api as tg
from devtools.fakes import zalo_oa_api as zalo
from devtools.fakes.telegram_bot_api import FakeTelegram
from devtools.fakes.zalo_oa_api import FakeZalo

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def fake_zalo() -> Iterator[FakeZalo]:
    with FakeZalo() as fake:
        yield fake


def bot_for(fake: FakeTelegram, token: str = tg.DEFAULT_TOKEN) -> telegram.Bot:
    return telegram.Bot(token, base_url=fake.base_url, base_file_url=fake.file_base_url)


# -- Telegram --------------------------------------------------------------------------------------------


def test_ptb_sends_an_inline_keyboard_and_answers_the_callback(fake_telegram):
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Có", callback_data="yes")]])

    async def scenario() -> telegram.Message:
        async with bot_for(fake_telegram) as bot:
            assert bot.username == "dvc_test_bot"
            message = await bot.send_message(42, "Xin chào", reply_markup=keyboard)
            assert await bot.answer_callback_query("cb-1", text="Đã nhận") is True
            return message

    message = asyncio.run(scenario())

    assert message.chat.id == 42 and message.text == "Xin chào"
    assert message.reply_markup.inline_keyboard[0][0].callback_data == "yes"
    sent = fake_telegram.calls_of("sendMessage")[0]
    assert sent.params["chat_id"] == 42
    assert sent.params["reply_markup"] == {"inline_keyboard": [[{"text": "Có", "callback_data": "yes"}]]}
    assert fake_telegram.sent_texts(42) == ["Xin chào"]
    assert fake_telegram.calls_of("answerCallbackQuery")[0].params["callback_query_id"] == "cb-1"


def test_ptb_downloads_a_registered_file_and_uploads_a_document(fake_telegram):
    file_id = fake_telegram.add_file(b"%PDF-1.4 to khai", "documents/file_1.pdf")

    async def scenario() -> tuple[str, bytearray, telegram.Message]:
        async with bot_for(fake_telegram) as bot:
            file = await bot.get_file(file_id)
            content = await file.download_as_bytearray()
            sent = await bot.send_document(
                7, b"%PDF-1.4 bien nhan", filename="Biên nhận.pdf", caption="Hồ sơ"
            )
            return file.file_path, content, sent

    file_path, content, sent = asyncio.run(scenario())

    assert file_path == f"{fake_telegram.file_base_url}{tg.DEFAULT_TOKEN}/documents/file_1.pdf"
    assert content == b"%PDF-1.4 to khai"
    assert fake_telegram.downloads == ["documents/file_1.pdf"]
    assert sent.document.file_name == "Biên nhận.pdf" and sent.caption == "Hồ sơ"
    upload = fake_telegram.wait_for(lambda call: call.method == "sendDocument", timeout=1)
    assert upload.files["document"] == ("Biên nhận.pdf", b"%PDF-1.4 bien nhan")
    assert upload.params == {"chat_id": 7, "caption": "Hồ sơ"}


def test_ptb_sets_a_webhook_with_a_secret_token(fake_telegram):
    fake_telegram.set_webhook_error(
        "Wrong response from the webhook: 500 Internal Server Error", date=1_700_000_000
    )

    async def scenario() -> telegram.WebhookInfo:
        async with bot_for(fake_telegram) as bot:
            await bot.set_webhook("https://dvc.example/webhooks/telegram", secret_token="s3cr-et_1")
            return await bot.get_webhook_info()

    info = asyncio.run(scenario())

    assert fake_telegram.webhook == {
        "url": "https://dvc.example/webhooks/telegram",
        "secret_token": "s3cr-et_1",
    }
    assert info.url == "https://dvc.example/webhooks/telegram"
    assert info.last_error_message.startswith("Wrong response")
    assert info.last_error_date == dtm.datetime.fromtimestamp(1_700_000_000, dtm.timezone.utc)


def test_injected_flood_control_raises_retry_after_then_succeeds(fake_telegram):
    fake_telegram.fail_next("sendMessage")

    async def scenario() -> None:
        async with bot_for(fake_telegram) as bot:
            with pytest.raises(RetryAfter):
                await bot.send_message(42, "lần 1")
            await bot.send_message(42, "lần 2")

    asyncio.run(scenario())

    assert [call.status for call in fake_telegram.calls_of("sendMessage")] == [429, 200]
    assert fake_telegram.sent_texts() == ["lần 2"]


def test_outage_and_unknown_token_surface_as_ptb_errors(fake_telegram):
    async def scenario() -> None:
        with pytest.raises(InvalidToken):
            await bot_for(fake_telegram, "999:WRONG").initialize()
        async with bot_for(fake_telegram) as bot:
            fake_telegram.down = True
            with pytest.raises(NetworkError, match="Bad Gateway"):
                await bot.send_message(42, "alo")

    asyncio.run(scenario())

    assert fake_telegram.refused == 1
    assert fake_telegram.calls_of("sendMessage") == []


def test_update_builders_parse_as_ptb_updates():
    text = Update.de_json(tg.text_update(1, 501, "/start abc"), None)
    callback = Update.de_json(tg.callback_update(2, 501, "yes", message_id=9), None)
    contact = Update.de_json(tg.contact_update(3, 501, "+84912345678", None), None)
    photo = Update.de_json(tg.photo_update(4, 501, "photo-1", 200_000), None)
    document = Update.de_json(tg.document_update(5, 501, "doc-1", "CCCD.pdf", "application/pdf", 1234), None)

    assert text.effective_chat.id == 501 and text.message.entities[0].type == "bot_command"
    assert callback.callback_query.data == "yes" and callback.callback_query.message.message_id == 9
    assert contact.message.contact.user_id is None
    assert photo.message.photo[-1].file_id == "photo-1"
    assert document.message.document.file_name == "CCCD.pdf"
    assert document.effective_user.language_code == "vi"


# -- Zalo ------------------------------------------------------------------------------------------------


async def post_message(session: aiohttp.ClientSession, fake: FakeZalo, token: str, body: dict) -> dict:
    url = f"{fake.api_base_url}/v3.0/oa/message/cs"
    async with session.post(url, json=body, headers={"access_token": token}) as response:
        assert response.status == 200
        return await response.json()


async def refresh(session: aiohttp.ClientSession, fake: FakeZalo, refresh_token: str) -> dict:
    form = {"refresh_token": refresh_token, "app_id": fake.app_id, "grant_type": "refresh_token"}
    url = f"{fake.oauth_base_url}/v4/oa/access_token"
    async with session.post(url, data=form, headers={"secret_key": fake.app_secret}) as response:
        return await response.json()


def test_zalo_accepts_a_message_with_the_access_token_and_refuses_a_bad_one(fake_zalo):
    body = {
        "recipient": {"user_id": "246845883529197922"},
        "message": {
            "text": "Chọn thủ tục",
            "attachment": {
                "type": "template",
                "payload": {
                    "buttons": [{"title": "Khai sinh", "type": "oa.query.show", "payload": "khai_sinh"}]
                },
            },
        },
    }

    async def scenario() -> tuple[dict, dict]:
        async with aiohttp.ClientSession() as session:
            return await post_message(session, fake_zalo, "at-1", body), await post_message(
                session, fake_zalo, "nope", body
            )

    accepted, refused = asyncio.run(scenario())

    assert accepted["error"] == 0 and accepted["data"]["user_id"] == "246845883529197922"
    assert refused == {"error": -216, "message": "Access token is invalid"}
    assert fake_zalo.texts_to("246845883529197922") == ["Chọn thủ tục"]
    assert fake_zalo.buttons_of(fake_zalo.messages[0])[0]["payload"] == "khai_sinh"
    assert fake_zalo.messages[0]["access_token"] == "at-1"


def test_zalo_refresh_tokens_rotate_and_are_single_use(fake_zalo):
    async def scenario() -> tuple[dict, dict, dict, dict]:
        async with aiohttp.ClientSession() as session:
            first = await refresh(session, fake_zalo, "rt-1")
            reused = await refresh(session, fake_zalo, "rt-1")
            old_token = await post_message(
                session, fake_zalo, "at-1", {"recipient": {"user_id": "1"}, "message": {"text": "a"}}
            )
            new_token = await post_message(
                session,
                fake_zalo,
                first["access_token"],
                {"recipient": {"user_id": "1"}, "message": {"text": "b"}},
            )
            return first, reused, old_token, new_token

    first, reused, old_token, new_token = asyncio.run(scenario())

    assert first == {"access_token": "at-2", "refresh_token": "rt-2", "expires_in": "90000"}
    assert reused["error"] == -14014
    assert old_token["error"] == -216 and new_token["error"] == 0
    assert (fake_zalo.current_access_token, fake_zalo.current_refresh_token, fake_zalo.refresh_calls) == (
        "at-2",
        "rt-2",
        2,
    )


@pytest.mark.parametrize(
    ("arrange", "message", "error"),
    [
        (lambda fake: fake.expire_access_token(), {"text": "a"}, -220),
        (lambda fake: fake.set_silent("1"), {"text": "a"}, -230),
        (lambda fake: fake.rate_limit_next(1), {"text": "a"}, -32),
        (lambda fake: None, {"text": "a" * 2001}, -210),
        (
            lambda fake: None,
            {"text": "a", "attachment": {"type": "template", "payload": {"buttons": [{"title": "x"}] * 6}}},
            -201,
        ),
    ],
    ids=["expired", "silent", "rate-limited", "too-long", "too-many-buttons"],
)
def test_zalo_errors_come_back_with_http_200(fake_zalo, arrange, message, error):
    arrange(fake_zalo)

    async def scenario() -> dict:
        async with aiohttp.ClientSession() as session:
            return await post_message(
                session, fake_zalo, "at-1", {"recipient": {"user_id": "1"}, "message": message}
            )

    assert asyncio.run(scenario())["error"] == error
    assert fake_zalo.messages == [] and fake_zalo.attempts[0]["error"] == error


def test_zalo_uploads_an_image_and_serves_user_files(fake_zalo):
    url = fake_zalo.add_user_file(b"%PDF-1.7", "Giấy khai sinh.pdf")

    async def scenario() -> tuple[dict, dict, bytes]:
        async with aiohttp.ClientSession() as session:
            results = []
            for content in (PNG, PNG + b"\x00" * zalo.MAX_IMAGE_BYTES):
                form = aiohttp.FormData()
                form.add_field("file", content, filename="qr.png", content_type="image/png")
                upload_url = f"{fake_zalo.api_base_url}/v2.0/oa/upload/image"
                async with session.post(upload_url, data=form, headers={"access_token": "at-1"}) as response:
                    results.append(await response.json())
            async with session.get(url) as response:
                return results[0], results[1], await response.read()

    accepted, too_big, user_file = asyncio.run(scenario())

    assert accepted["error"] == 0 and accepted["data"]["attachment_id"] == fake_zalo.uploads[0]["id"]
    assert too_big["error"] < 0 and len(fake_zalo.uploads) == 1
    assert user_file == b"%PDF-1.7"


def test_zalo_signature_is_plain_sha256_over_the_signed_bytes():
    event = zalo.text_event(
        "4300000000000000001", "246845883529197922", "Xin chào", "msg-1", 1_700_000_000_000
    )

    raw, headers = zalo.signed(event, "4300000000000000001", "oa-secret")

    assert json.loads(raw) == event and event["timestamp"] == "1700000000000"
    expected = hashlib.sha256(b"4300000000000000001" + raw + b"1700000000000" + b"oa-secret").hexdigest()
    assert headers == {"Content-Type": "application/json", "X-ZEvent-Signature": f"mac={expected}"}
    # printf '1{}2k' | sha256sum
    assert zalo.signature("1", b"{}", "2", "k") == (
        "mac=de8e4e4cd3996baf4a4549475ad3ebf35118b2bcef3fbe9dc44903244f01e17e"
    )
