"""A local fake of the Telegram Bot API as python-telegram-bot 22 speaks it, plus webhook update builders.

PTB posts form fields (non-string values JSON-encoded), or multipart for uploads, to
`{base_url}{token}/{method}` and downloads files with GET from `{base_file_url}{token}/{file_path}`.
Errors must have a non-2xx status: PTB reads `parameters.retry_after` as `RetryAfter`, 401/404 as
`InvalidToken`, 400 as `BadRequest`, anything else (e.g. 502) as `NetworkError`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import mimetypes
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import BodyPartReader, web

DEFAULT_TOKEN = "123456:TEST-TOKEN"
DEFAULT_BOT_ID = 123456
MAX_BODY_BYTES = 100 * 1024 * 1024
MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
OUTAGE_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

T = TypeVar("T")
S = TypeVar("S", bound="BackgroundServer")
Json = dict[str, Any]


class BackgroundServer:
    """An aiohttp application served from its own thread and event loop on 127.0.0.1 and a free port.

    Subclasses add their routes in `add_routes`. While `down` is true every request gets HTTP 502 with an
    HTML body, as from a proxy in front of a dead upstream, and is counted in `refused`.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.down = False
        self.refused = 0
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def start(self: S) -> S:
        """Start serving; returns once the port is bound."""
        if self._thread is not None:
            raise RuntimeError(f"{type(self).__name__} is already running")
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(ready, failure), name=type(self).__name__, daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{type(self).__name__} did not start within 10 s")
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def stop(self) -> None:
        """Stop serving and join the server thread (idempotent)."""
        thread, loop = self._thread, self._loop
        if thread is None:
            return
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = self._loop = None

    def __enter__(self: S) -> S:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            runner = loop.run_until_complete(self._serve())
        except BaseException as exc:
            failure.append(exc)
            loop.close()
            ready.set()
            return
        self._loop = loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.close()

    async def _serve(self) -> web.AppRunner:
        app = web.Application(middlewares=[self._outage], client_max_size=MAX_BODY_BYTES)
        self.add_routes(app)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self.port = runner.addresses[0][1]
        return runner

    @web.middleware
    async def _outage(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        with self.lock:
            refuse = self.down
            if refuse:
                self.refused += 1
        if refuse:
            return web.Response(status=502, text=OUTAGE_HTML, content_type="text/html")
        return await handler(request)

    def _poll(self, snapshot: Callable[[], list[T]], predicate: Callable[[T], bool], timeout: float) -> T:
        deadline = time.monotonic() + timeout
        while True:
            match = next((item for item in snapshot() if predicate(item)), None)
            if match is not None:
                return match
            if time.monotonic() >= deadline:
                raise AssertionError(f"nothing matched within {timeout} s; recorded: {snapshot()!r}")
            time.sleep(0.02)

    async def _poll_async(
        self, snapshot: Callable[[], list[T]], predicate: Callable[[T], bool], timeout: float
    ) -> T:
        deadline = time.monotonic() + timeout
        while True:
            match = next((item for item in snapshot() if predicate(item)), None)
            if match is not None:
                return match
            if time.monotonic() >= deadline:
                raise AssertionError(f"nothing matched within {timeout} s; recorded: {snapshot()!r}")
            await asyncio.sleep(0.02)


@dataclass(frozen=True)
class Call:
    """One authenticated Bot API request; `status` is the HTTP status the fake answered with."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    status: int = 200


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes


@dataclass(frozen=True)
class _Failure:
    status: int
    retry_after: int | None
    description: str


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


_TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "url",
        "secret_token",
        "file_id",
        "parse_mode",
        "action",
        "ip_address",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "document",
        "photo",
        "emoji",
    }
)


def _decode(name: str, value: Any) -> Any:
    """Undo PTB's JSON encoding of non-string values (`reply_markup`, `chat_id`, booleans...)."""
    if not isinstance(value, str) or name in _TEXT_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, tuple[str, bytes]] = {}
    if request.content_type == "multipart/form-data":
        async for part in await request.multipart():
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                files[part.name] = (part.filename, bytes(await part.read()))
            else:
                raw[part.name] = await part.text()
    elif request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise _ApiError(400, "Bad Request: can't parse JSON") from exc
        if isinstance(body, dict):
            raw.update(body)
    elif request.body_exists:
        raw.update((await request.post()).items())
    return {name: _decode(name, value) for name, value in raw.items()}, files


def _error(status: int, description: str, parameters: Json | None = None) -> web.Response:
    body: Json = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def _chat(chat_id: int | str) -> Json:
    if isinstance(chat_id, str):
        return {"id": -1001000000001, "type": "channel", "username": chat_id.lstrip("@"), "title": chat_id}
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": _first_name(chat_id)}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": "Nhóm thử nghiệm"}


def _first_name(user_id: int) -> str:
    return f"Người dùng {user_id}"


def _check_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        return
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _inline(markup: Any) -> Json:
    """Only inline keyboards come back in `Message.reply_markup` (PTB cannot parse anything else there)."""
    return {"reply_markup": markup} if isinstance(markup, dict) and "inline_keyboard" in markup else {}


class FakeTelegram(BackgroundServer):
    """The Bot API for one bot token: records calls, serves files, injects failures."""

    def __init__(
        self, token: str = DEFAULT_TOKEN, *, username: str = "dvc_test_bot", first_name: str = "DVC Test Bot"
    ) -> None:
        super().__init__()
        self.token = token
        bot_id = token.partition(":")[0]
        self.bot_user: Json = {
            "id": int(bot_id) if bot_id.isdigit() else DEFAULT_BOT_ID,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
        }
        self.downloads: list[str] = []
        self._calls: list[Call] = []
        self._files: dict[str, StoredFile] = {}
        self._paths: dict[str, StoredFile] = {}
        self._sent: dict[tuple[Any, int], Json] = {}
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._message_ids = itertools.count(1)
        self._file_numbers = itertools.count(1)
        self._webhook: Json = {}
        self._webhook_error: tuple[int, str] | None = None
        self._methods: dict[str, Callable[[dict[str, Any], dict[str, tuple[str, bytes]]], Any]] = {
            "getme": self._get_me,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "sendchataction": self._send_chat_action,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "getfile": self._get_file,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
        }

    @property
    def base_url(self) -> str:
        return f"{self.origin}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.origin}/file/bot"

    @property
    def calls(self) -> list[Call]:
        """A snapshot of the calls so far, oldest first."""
        with self.lock:
            return list(self._calls)

    @property
    def webhook(self) -> Json:
        """What the last setWebhook registered (`url`, `secret_token`, `allowed_updates`...); {} if none."""
        with self.lock:
            return dict(self._webhook)

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """Texts of the sendMessage calls that succeeded, in order, optionally for one chat."""
        return [
            call.params["text"]
            for call in self.calls_of("sendMessage")
            if call.status == 200 and (chat_id is None or str(call.params.get("chat_id")) == str(chat_id))
        ]

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10.0) -> Call:
        """The first recorded call matching `predicate`, polling until `timeout` (blocks the thread)."""
        return self._poll(lambda: self.calls, predicate, timeout)

    async def wait_for_async(self, predicate: Callable[[Call], bool], timeout: float = 10.0) -> Call:
        """`wait_for` for tests whose client runs on the same event loop as the test."""
        return await self._poll_async(lambda: self.calls, predicate, timeout)

    def clear(self) -> None:
        """Forget recorded calls, downloads and pending failures (files and webhook stay)."""
        with self.lock:
            self._calls.clear()
            self.downloads.clear()
            self._failures.clear()
            self.refused = 0

    def add_file(self, content: bytes, file_path: str | None = None) -> str:
        """Register a file as if a user had sent it; returns its file_id for getFile."""
        with self.lock:
            return self._store(content, file_path).file_id

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        description: str = "Too Many Requests: retry after 1",
    ) -> None:
        """Answer the next `times` calls of `method` with an error (queued after earlier injections)."""
        with self.lock:
            self._failures[method.lower()].extend([_Failure(status, retry_after, description)] * times)

    def set_webhook_error(self, message: str | None, date: int | None = None) -> None:
        """Make getWebhookInfo report a last delivery error (None clears it)."""
        with self.lock:
            self._webhook_error = None if message is None else (date or int(time.time()), message)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._download)

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        try:
            params, files = await _read_params(request)
        except _ApiError as exc:
            return _error(exc.status, exc.description)
        with self.lock:
            pending = self._failures.get(method.lower())
            failure = pending.popleft() if pending else None
            if failure is not None:
                self._calls.append(Call(method, params, files, failure.status))
                retry = None if failure.retry_after is None else {"retry_after": failure.retry_after}
                return _error(failure.status, failure.description, retry)
            handler = self._methods.get(method.lower())
            if handler is None:
                self._calls.append(Call(method, params, files, 404))
                return _error(404, "Not Found")
            try:
                result = handler(params, files)
            except _ApiError as exc:
                self._calls.append(Call(method, params, files, exc.status))
                return _error(exc.status, exc.description)
            self._calls.append(Call(method, params, files))
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        file_path = request.match_info["file_path"]
        with self.lock:
            stored = self._paths.get(file_path)
            if stored is not None:
                self.downloads.append(file_path)
        if stored is None:
            return _error(404, "Not Found")
        return web.Response(body=stored.content, content_type="application/octet-stream")

    def _store(
        self, content: bytes, file_path: str | None, folder: str = "documents", name: str = ""
    ) -> StoredFile:
        number = next(self._file_numbers)
        if file_path is None:
            suffix = PurePosixPath(name).suffix.lower() or _guess_suffix(content)
            file_path = f"{folder}/file_{number}{suffix}"
        stored = StoredFile(f"BQACAgIAAxk-fake-{number}", f"AgADfake{number}", file_path, content)
        self._files[stored.file_id] = stored
        self._paths[file_path] = stored
        return stored

    def _message(self, chat_id: int | str, **content: Any) -> Json:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": self.bot_user,
            **content,
        }
        self._sent[(chat_id, message["message_id"])] = message
        return message

    def _get_me(self, params: Json, files: Json) -> Json:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False}

    def _send_message(self, params: Json, files: Json) -> Json:
        chat_id = _chat_id(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        _check_markup(params.get("reply_markup"))
        return self._message(chat_id, text=text, **_inline(params.get("reply_markup")))

    def _edited(self, params: Json) -> Json | bool:
        if params.get("inline_message_id"):
            return True
        chat_id, message_id = _chat_id(params), params.get("message_id")
        if not isinstance(message_id, int):
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        return self._sent.setdefault(
            (chat_id, message_id),
            {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": _chat(chat_id),
                "from": self.bot_user,
            },
        )

    def _edit_message_text(self, params: Json, files: Json) -> Json | bool:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        _check_markup(params.get("reply_markup"))
        message = self._edited(params)
        if isinstance(message, dict):
            message.pop("reply_markup", None)
            message.update(text=text, edit_date=int(time.time()), **_inline(params.get("reply_markup")))
            return dict(message)
        return message

    def _edit_message_reply_markup(self, params: Json, files: Json) -> Json | bool:
        _check_markup(params.get("reply_markup"))
        message = self._edited(params)
        if isinstance(message, dict):
            message.pop("reply_markup", None)
            message.update(edit_date=int(time.time()), **_inline(params.get("reply_markup")))
            return dict(message)
        return message

    def _delete_message(self, params: Json, files: Json) -> bool:
        self._sent.pop((_chat_id(params), params.get("message_id")), None)
        return True

    def _answer_callback_query(self, params: Json, files: Json) -> bool:
        if not params.get("callback_query_id"):
            raise _ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        if len(params.get("text") or "") > MAX_CALLBACK_ANSWER_LENGTH:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _send_chat_action(self, params: Json, files: Json) -> bool:
        _chat_id(params)
        if not params.get("action"):
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _upload(self, kind: str, params: Json, files: dict[str, tuple[str, bytes]]) -> tuple[StoredFile, str]:
        if kind in files:
            name, content = files[kind]
            if kind == "photo":
                return self._store(content, None, "photos", "photo.jpg"), name
            return self._store(content, None, "documents", name), name
        reference = params.get(kind)
        if isinstance(reference, str) and reference in self._files:
            stored = self._files[reference]
            return stored, PurePosixPath(stored.file_path).name
        if reference:
            raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise _ApiError(400, f"Bad Request: there is no {kind} in the request")

    def _send_document(self, params: Json, files: dict[str, tuple[str, bytes]]) -> Json:
        chat_id = _chat_id(params)
        stored, name = self._upload("document", params, files)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": name,
            "mime_type": mimetypes.guess_type(name)[0] or "application/octet-stream",
            "file_size": len(stored.content),
        }
        return self._message(chat_id, document=document, **_caption(params))

    def _send_photo(self, params: Json, files: dict[str, tuple[str, bytes]]) -> Json:
        chat_id = _chat_id(params)
        stored, _ = self._upload("photo", params, files)
        size = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 1280,
            "height": 960,
            "file_size": len(stored.content),
        }
        return self._message(chat_id, photo=[size], **_caption(params))

    def _get_file(self, params: Json, files: Json) -> Json:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def _set_webhook(self, params: Json, files: Json) -> bool:
        url = params.get("url") or ""
        secret = params.get("secret_token")
        if secret is not None and not SECRET_TOKEN.fullmatch(str(secret)):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        keys = ("secret_token", "allowed_updates", "max_connections", "drop_pending_updates", "ip_address")
        self._webhook = {"url": url, **{key: params[key] for key in keys if key in params}} if url else {}
        return True

    def _delete_webhook(self, params: Json, files: Json) -> bool:
        self._webhook = {}
        return True

    def _get_webhook_info(self, params: Json, files: Json) -> Json:
        info: Json = {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }
        for key in ("allowed_updates", "max_connections", "ip_address"):
            if key in self._webhook:
                info[key] = self._webhook[key]
        if self._webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info


def _chat_id(params: Json) -> int | str:
    chat_id = params.get("chat_id")
    if isinstance(chat_id, bool) or not isinstance(chat_id, int | str) or chat_id in ("", 0):
        raise _ApiError(400, "Bad Request: chat not found")
    return chat_id


def _caption(params: Json) -> Json:
    return {"caption": params["caption"]} if params.get("caption") else {}


def _guess_suffix(content: bytes) -> str:
    signatures = {b"%PDF": ".pdf", b"\x89PNG": ".png", b"\xff\xd8\xff": ".jpg", b"PK\x03\x04": ".zip"}
    return next((suffix for magic, suffix in signatures.items() if content.startswith(magic)), ".bin")


def _user(user_id: int) -> Json:
    return {"id": user_id, "is_bot": False, "first_name": _first_name(user_id), "language_code": "vi"}


def _bot_brief() -> Json:
    return {"id": DEFAULT_BOT_ID, "is_bot": True, "first_name": "DVC Test Bot", "username": "dvc_test_bot"}


def _incoming(update_id: int, user_id: int, chat_id: int | None = None, **content: Any) -> Json:
    message = {
        "message_id": update_id,
        "from": _user(user_id),
        "chat": _chat(user_id if chat_id is None else chat_id),
        "date": int(time.time()),
        **content,
    }
    return {"update_id": update_id, "message": message}


def text_update(update_id: int, user_id: int, text: str, chat_id: int | None = None) -> Json:
    """A text message; a leading `/command` gets its `bot_command` entity as Telegram adds it."""
    content: Json = {"text": text}
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0]
        content["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}
        ]
    return _incoming(update_id, user_id, chat_id, **content)


def callback_update(
    update_id: int, user_id: int, data: str, message_id: int = 1, reply_markup: Json | None = None
) -> Json:
    """A press on an inline button of the bot's message `message_id` in the user's private chat; Telegram
    sends that message along, with its keyboard (`reply_markup`)."""
    message = {
        "message_id": message_id,
        "from": _bot_brief(),
        "chat": _chat(user_id),
        "date": int(time.time()),
        "text": "…",
    }
    if reply_markup is not None:
        message["reply_markup"] = reply_markup
    query = {
        "id": str(4_382_000_000_000_000 + update_id),
        "from": _user(user_id),
        "message": message,
        "chat_instance": str(-7_000_000_000_000_000 - user_id),
        "data": data,
    }
    return {"update_id": update_id, "callback_query": query}


def contact_update(update_id: int, user_id: int, phone_number: str, contact_user_id: int | None) -> Json:
    """A shared contact; `contact_user_id` None models a contact typed in, not the sender's own."""
    contact: Json = {"phone_number": phone_number, "first_name": _first_name(user_id)}
    if contact_user_id is not None:
        contact["user_id"] = contact_user_id
    return _incoming(update_id, user_id, contact=contact)


def photo_update(update_id: int, user_id: int, file_id: str, file_size: int) -> Json:
    """A photo as Telegram sends it: several sizes, the largest (`file_id`) last."""
    sizes = [
        {
            "file_id": f"{file_id}-thumb",
            "file_unique_id": f"{file_id}-thumb-u",
            "width": 90,
            "height": 68,
            "file_size": max(1, file_size // 40),
        },
        {
            "file_id": f"{file_id}-medium",
            "file_unique_id": f"{file_id}-medium-u",
            "width": 320,
            "height": 240,
            "file_size": max(1, file_size // 8),
        },
        {
            "file_id": file_id,
            "file_unique_id": f"{file_id}-u",
            "width": 1280,
            "height": 960,
            "file_size": file_size,
        },
    ]
    return _incoming(update_id, user_id, photo=sizes)


def document_update(
    update_id: int, user_id: int, file_id: str, file_name: str, mime_type: str, file_size: int
) -> Json:
    document = {
        "file_id": file_id,
        "file_unique_id": f"{file_id}-u",
        "file_name": file_name,
        "mime_type": mime_type,
        "file_size": file_size,
    }
    return _incoming(update_id, user_id, document=document)
