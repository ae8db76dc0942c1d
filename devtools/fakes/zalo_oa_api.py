"""A local fake of the Zalo Official Account API (openapi.zalo.me and oauth.zaloapp.com), plus webhook events.

Zalo answers API errors with HTTP 200 and `{"error": <negative int>, "message": ...}`. The OAuth endpoint of
this fake does the same (HTTP 200 with `error`, `error_name`, `error_description`), so a client must read the
body, never the status. Only -14014 (invalid refresh token) is a documented OAuth code; -14001 (bad request
shape) and -14002 (wrong secret_key or app_id) are placeholders.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import mimetypes
import time
import uuid
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from aiohttp import BodyPartReader, web

from devtools.fakes.telegram_bot_api import BackgroundServer

DEFAULT_APP_ID = "4300000000000000001"
DEFAULT_OA_ID = "388613280878808645"
MAX_TEXT_LENGTH = 2000
MAX_BUTTONS = 5
MAX_IMAGE_BYTES = 1024 * 1024
MAX_FILE_BYTES = 5 * 1024 * 1024
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
FILE_SUFFIXES = frozenset({".pdf", ".doc", ".docx"})
ACCESS_TOKEN_LIFETIME = "90000"

INVALID_TOKEN = (-216, "Access token is invalid")
EXPIRED_TOKEN = (-220, "access_token is expired or removed")
INVALID_PARAM = (-201, "Parameters are invalid")
PARAM_TOO_LONG = (-210, "Parameter exceeds allowable limit")
USER_SILENT = (-230, "User has not interacted with the OA in the past 7 days")
RATE_LIMITED = (-32, "Out of rate limit")

Json = dict[str, Any]
ZaloError = tuple[int, str]


def _zalo_error(error: ZaloError) -> web.Response:
    return web.json_response({"error": error[0], "message": error[1]})


def _oauth_error(code: int, name: str, description: str) -> web.Response:
    return web.json_response({"error": code, "error_name": name, "error_description": description})


def _message_error(body: Any) -> ZaloError | None:
    if not isinstance(body, dict) or not isinstance(body.get("recipient"), dict):
        return INVALID_PARAM
    message = body.get("message")
    if not isinstance(message, dict) or not (message.get("text") or message.get("attachment")):
        return INVALID_PARAM
    text = message.get("text")
    if text is not None and not isinstance(text, str):
        return INVALID_PARAM
    if text is not None and len(text) > MAX_TEXT_LENGTH:
        return PARAM_TOO_LONG
    attachment = message.get("attachment")
    if attachment is not None and not isinstance(attachment, dict):
        return INVALID_PARAM
    buttons = ((attachment or {}).get("payload") or {}).get("buttons")
    if buttons is not None and (not isinstance(buttons, list) or len(buttons) > MAX_BUTTONS):
        return INVALID_PARAM
    return None


def _is_image(name: str, content: bytes) -> bool:
    suffix = PurePosixPath(name).suffix.lower()
    return suffix in IMAGE_SUFFIXES or content.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))


class FakeZalo(BackgroundServer):
    """One OA and its app: token rotation, /cs messages, uploads, user files, failure injection."""

    def __init__(
        self,
        app_id: str = DEFAULT_APP_ID,
        app_secret: str = "app-secret",
        access_token: str = "at-1",
        refresh_token: str = "rt-1",
    ) -> None:
        super().__init__()
        self.app_id = app_id
        self.app_secret = app_secret
        self.refresh_calls = 0
        self.refresh_delay = 0.0
        self._access_token = access_token
        self._refresh_token = refresh_token
        self._expired = False
        self._generation = itertools.count(2)
        self._messages: list[Json] = []
        self._attempts: list[Json] = []
        self._uploads: list[Json] = []
        self._silent: set[str] = set()
        self._rate_limited = 0
        self._message_users: dict[str, str] = {}
        self._user_files: dict[str, tuple[str, bytes]] = {}
        self._attachment_ids: set[str] = set()
        self._file_tokens: set[str] = set()
        self._numbers = itertools.count(1)

    @property
    def api_base_url(self) -> str:
        """Stands for https://openapi.zalo.me."""
        return self.origin

    @property
    def oauth_base_url(self) -> str:
        """Stands for https://oauth.zaloapp.com."""
        return self.origin

    @property
    def current_access_token(self) -> str:
        with self.lock:
            return self._access_token

    @property
    def current_refresh_token(self) -> str:
        with self.lock:
            return self._refresh_token

    @property
    def messages(self) -> list[Json]:
        """Accepted /cs messages: each the request body plus the `access_token` header it came with."""
        with self.lock:
            return list(self._messages)

    @property
    def attempts(self) -> list[Json]:
        """Every /cs and upload request, accepted or not: `path`, `access_token`, `error` (0 = accepted)."""
        with self.lock:
            return list(self._attempts)

    @property
    def uploads(self) -> list[Json]:
        """Accepted uploads: `kind` (image|file), `filename`, `size`, `content`, `access_token`, `id`."""
        with self.lock:
            return list(self._uploads)

    def expire_access_token(self) -> None:
        """The current access token now answers -220 until a refresh replaces it."""
        with self.lock:
            self._expired = True

    def set_silent(self, user_id: str, silent: bool = True) -> None:
        """Messages to this user fail with -230 (no interaction in the past 7 days)."""
        with self.lock:
            (self._silent.add if silent else self._silent.discard)(str(user_id))

    def rate_limit_next(self, n: int = 1) -> None:
        """The next `n` /cs messages fail with -32."""
        with self.lock:
            self._rate_limited += n

    def link_message(self, msg_id: str, user_id: str) -> None:
        """Tell the fake which user sent `msg_id`, so replies by `recipient.message_id` reach that user."""
        with self.lock:
            self._message_users[str(msg_id)] = str(user_id)

    def add_user_file(self, content: bytes, name: str) -> str:
        """Serve a file as Zalo's CDN would for a user_send_image/user_send_file event; returns its URL."""
        with self.lock:
            file_id = uuid.uuid4().hex
            self._user_files[file_id] = (name, content)
        return f"{self.origin}/user-files/{file_id}/{quote(name)}"

    def texts_to(self, user_id: str) -> list[str]:
        """Texts of the accepted messages addressed to this user (by user_id or a linked message_id)."""
        return [
            message["message"]["text"]
            for message in self.messages
            if self._recipient_user(message["recipient"]) == str(user_id)
            and isinstance(message["message"].get("text"), str)
        ]

    @staticmethod
    def buttons_of(message: Json) -> list[Json]:
        """The buttons of a recorded message (`message.attachment.payload.buttons`), [] if none."""
        attachment = message.get("message", {}).get("attachment") or {}
        return list((attachment.get("payload") or {}).get("buttons") or [])

    def wait_for(self, predicate: Callable[[Json], bool], timeout: float = 10.0) -> Json:
        """The first accepted message matching `predicate`, polling until `timeout` (blocks the thread)."""
        return self._poll(lambda: self.messages, predicate, timeout)

    async def wait_for_async(self, predicate: Callable[[Json], bool], timeout: float = 10.0) -> Json:
        """`wait_for` for tests whose client runs on the same event loop as the test."""
        return await self._poll_async(lambda: self.messages, predicate, timeout)

    def clear(self) -> None:
        """Forget recorded messages, attempts, uploads and pending rate limits (tokens stay)."""
        with self.lock:
            self._messages.clear()
            self._attempts.clear()
            self._uploads.clear()
            self._rate_limited = 0
            self.refused = 0

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v3.0/oa/message/cs", self._send_message)
        app.router.add_post("/v2.0/oa/upload/image", self._upload_image)
        app.router.add_post("/v2.0/oa/upload/file", self._upload_file)
        app.router.add_post("/v4/oa/access_token", self._refresh)
        app.router.add_get("/user-files/{file_id}/{name}", self._user_file)

    def _token_error(self, token: str) -> ZaloError | None:
        if token != self._access_token:
            return INVALID_TOKEN
        return EXPIRED_TOKEN if self._expired else None

    def _recipient_user(self, recipient: Json) -> str | None:
        if recipient.get("user_id"):
            return str(recipient["user_id"])
        if recipient.get("message_id"):
            return self._message_users.get(str(recipient["message_id"]))
        return None

    def _attachment_error(self, message: Json) -> ZaloError | None:
        payload = (message.get("attachment") or {}).get("payload") or {}
        for element in payload.get("elements") or []:
            if "attachment_id" in element and element["attachment_id"] not in self._attachment_ids:
                return INVALID_PARAM
        if message["attachment"].get("type") == "file" and payload.get("token") not in self._file_tokens:
            return INVALID_PARAM
        return None

    async def _send_message(self, request: web.Request) -> web.Response:
        token = request.headers.get("access_token", "")
        try:
            body = await request.json()
        except ValueError:
            body = None
        with self.lock:
            error = self._token_error(token)
            if error is None and self._rate_limited > 0:
                self._rate_limited -= 1
                error = RATE_LIMITED
            error = error or _message_error(body)
            recipient = body["recipient"] if error is None else {}
            if error is None and not (recipient.get("user_id") or recipient.get("message_id")):
                error = INVALID_PARAM
            if error is None and body["message"].get("attachment"):
                error = self._attachment_error(body["message"])
            user_id = self._recipient_user(recipient)
            if error is None and user_id in self._silent:
                error = USER_SILENT
            self._attempts.append(
                {"path": request.path, "access_token": token, "body": body, "error": error[0] if error else 0}
            )
            if error is not None:
                return _zalo_error(error)
            self._messages.append({**body, "access_token": token})
        data: Json = {"message_id": uuid.uuid4().hex}
        if user_id is not None:
            data["user_id"] = user_id
        return web.json_response({"error": 0, "message": "Success", "data": data})

    async def _upload_image(self, request: web.Request) -> web.Response:
        return await self._upload(request, "image")

    async def _upload_file(self, request: web.Request) -> web.Response:
        return await self._upload(request, "file")

    async def _upload(self, request: web.Request, kind: str) -> web.Response:
        token = request.headers.get("access_token", "")
        name, content = "", b""
        if request.content_type == "multipart/form-data":
            async for part in await request.multipart():
                if isinstance(part, BodyPartReader) and part.name == "file" and part.filename:
                    name, content = part.filename, bytes(await part.read())
        with self.lock:
            error = self._token_error(token) or _upload_error(kind, name, content)
            self._attempts.append(
                {"path": request.path, "access_token": token, "error": error[0] if error else 0}
            )
            if error is not None:
                return _zalo_error(error)
            asset_id = f"{kind}-{next(self._numbers)}-{uuid.uuid4().hex}"
            (self._attachment_ids if kind == "image" else self._file_tokens).add(asset_id)
            self._uploads.append(
                {
                    "kind": kind,
                    "filename": name,
                    "size": len(content),
                    "content": content,
                    "access_token": token,
                    "id": asset_id,
                }
            )
        key = "attachment_id" if kind == "image" else "token"
        return web.json_response({"error": 0, "message": "Success", "data": {key: asset_id}})

    async def _refresh(self, request: web.Request) -> web.Response:
        with self.lock:
            self.refresh_calls += 1
        if request.content_type != "application/x-www-form-urlencoded":
            response = _oauth_error(-14001, "Invalid request", "Content-Type must be form-urlencoded")
        else:
            response = self._rotate(request.headers.get("secret_key"), await request.post())
        if self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
        return response

    def _rotate(self, secret_key: str | None, form: Any) -> web.Response:
        """Consume the refresh token at once, so an overlapping refresh with the same token fails."""
        if secret_key != self.app_secret or form.get("app_id") != self.app_id:
            return _oauth_error(-14002, "Invalid app", "Invalid app_id or secret_key")
        if form.get("grant_type") != "refresh_token":
            return _oauth_error(-14001, "Invalid request", "grant_type must be refresh_token")
        with self.lock:
            if not form.get("refresh_token") or form.get("refresh_token") != self._refresh_token:
                return _oauth_error(
                    -14014, "Invalid refresh token", "Refresh token is invalid or already used"
                )
            generation = next(self._generation)
            self._access_token, self._refresh_token = f"at-{generation}", f"rt-{generation}"
            self._expired = False
            tokens = {"access_token": self._access_token, "refresh_token": self._refresh_token}
        return web.json_response({**tokens, "expires_in": ACCESS_TOKEN_LIFETIME})

    async def _user_file(self, request: web.Request) -> web.Response:
        with self.lock:
            stored = self._user_files.get(request.match_info["file_id"])
        if stored is None:
            return web.Response(status=404, text="Not Found")
        name, content = stored
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return web.Response(body=content, content_type=content_type)


def _upload_error(kind: str, name: str, content: bytes) -> tuple[int, str] | None:
    if not content:
        return INVALID_PARAM
    if kind == "image":
        if not _is_image(name, content):
            return (INVALID_PARAM[0], "Image must be jpg or png")
        return PARAM_TOO_LONG if len(content) > MAX_IMAGE_BYTES else None
    if PurePosixPath(name).suffix.lower() not in FILE_SUFFIXES:
        return (INVALID_PARAM[0], "File must be pdf, doc or docx")
    return PARAM_TOO_LONG if len(content) > MAX_FILE_BYTES else None


def _now_ms() -> str:
    return str(int(time.time() * 1000))


def _id_by_app(user_id: str) -> str:
    return str(int(hashlib.sha256(f"by-app:{user_id}".encode()).hexdigest()[:15], 16))


def _user_event(
    event_name: str, app_id: str, user_id: str, oa_id: str, timestamp_ms: str | int | None, **content: Any
) -> Json:
    return {
        "app_id": str(app_id),
        "sender": {"id": str(user_id)},
        "user_id_by_app": _id_by_app(str(user_id)),
        "recipient": {"id": str(oa_id)},
        "event_name": event_name,
        **content,
        "timestamp": _now_ms() if timestamp_ms is None else str(timestamp_ms),
    }


def text_event(
    app_id: str,
    user_id: str,
    text: str,
    msg_id: str,
    timestamp_ms: str | int | None = None,
    oa_id: str = DEFAULT_OA_ID,
) -> Json:
    """`user_send_text` (also how a click on an `oa.query.*` button arrives, with the payload as text)."""
    return _user_event(
        "user_send_text", app_id, user_id, oa_id, timestamp_ms, message={"text": text, "msg_id": msg_id}
    )


def image_event(
    app_id: str,
    user_id: str,
    msg_id: str,
    url: str,
    timestamp_ms: str | int | None = None,
    oa_id: str = DEFAULT_OA_ID,
) -> Json:
    attachment = {"type": "image", "payload": {"thumbnail": url, "url": url}}
    message = {"msg_id": msg_id, "attachments": [attachment]}
    return _user_event("user_send_image", app_id, user_id, oa_id, timestamp_ms, message=message)


def file_event(
    app_id: str,
    user_id: str,
    msg_id: str,
    url: str,
    name: str,
    size: int,
    timestamp_ms: str | int | None = None,
    oa_id: str = DEFAULT_OA_ID,
) -> Json:
    """`user_send_file`; `size` is sent as a string, `type` is the extension without the dot."""
    payload = {
        "size": str(size),
        "name": name,
        "checksum": hashlib.md5(f"{name}:{size}".encode()).hexdigest(),
        "type": PurePosixPath(name).suffix.lstrip(".").lower(),
        "url": url,
    }
    message = {"msg_id": msg_id, "attachments": [{"type": "file", "payload": payload}]}
    return _user_event("user_send_file", app_id, user_id, oa_id, timestamp_ms, message=message)


def follow_event(
    app_id: str, user_id: str, timestamp_ms: str | int | None = None, oa_id: str = DEFAULT_OA_ID
) -> Json:
    """`follow` has no sender/recipient: the user is `follower.id`."""
    return {
        "oa_id": str(oa_id),
        "follower": {"id": str(user_id)},
        "user_id_by_app": _id_by_app(str(user_id)),
        "event_name": "follow",
        "source": "oa_profile",
        "app_id": str(app_id),
        "timestamp": _now_ms() if timestamp_ms is None else str(timestamp_ms),
    }


def submit_info_event(
    app_id: str,
    user_id: str,
    phone: str,
    name: str = "Nguyễn Văn A",
    timestamp_ms: str | int | None = None,
    oa_id: str = DEFAULT_OA_ID,
) -> Json:
    """`user_submit_info`, the answer to a `request_user_info` template."""
    info = {"name": name, "phone": phone, "address": "", "city": "", "district": "", "ward": ""}
    return _user_event("user_submit_info", app_id, user_id, oa_id, timestamp_ms, info=info)


def signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """`X-ZEvent-Signature`: "mac=" + plain SHA-256 (no HMAC) of app_id + body + timestamp + OA secret."""
    digest = hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode())
    return f"mac={digest.hexdigest()}"


def signed(event: Json, app_id: str, oa_secret_key: str) -> tuple[bytes, dict[str, str]]:
    """Serialise an event once and sign exactly those bytes with the event's own timestamp."""
    raw = json.dumps(event, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "X-ZEvent-Signature": signature(app_id, raw, str(event["timestamp"]), oa_secret_key),
    }
    return raw, headers
