"""A bounded fuzz pass over every endpoint a stranger can reach: the back-office (uploads, VNPay's callbacks,
citizens' PDF links, the officers' sign-in, the JSON API with and without a token, the widget's updates) and
the Telegram and Zalo webhooks, mounted on Sanic as the Rasa server mounts them.

Inputs: malformed JSON, values of the wrong type, 1 MB bodies, control characters, invalid UTF-8, markup, SQL,
path traversal, decompression bombs. Every answer must be a 4xx (or a success), never a 5xx, never show a
Python traceback, and an HTML page never carries a <script> unescaped, whoever stored it.

The number of generated requests follows the hypothesis profile (tests/conftest.py): HYPOTHESIS_PROFILE=soak
tries fifty times as many, and writes a one-line summary to test-results/soak/endpoint-fuzz.json.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import http.client
import io
import json
import os
import re
import socket
import threading
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import argon2
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st
from rasa.core.run import configure_app

import connectors.telegram as telegram_connector
import connectors.zalo as zalo_connector
from backoffice.app import create_app
from backoffice.officer_session import SESSION_COOKIE
from backoffice.seed import seed_demo
from bot.channels import messages
from bot.dossiers.submission import link_token
from bot.limits.chat import ChatGuard
from bot.officers import accounts
from bot.officers.authentication import API, WEB
from bot.payments import vnpay
from bot.services import Services
from bot.settings import (
    PROJECT_ROOT,
    ChatLimits,
    PaymentSettings,
    TelegramSettings,
    ZaloSettings,
    load_settings,
)
from bot.workflow.states import STATUS_LABELS
from connectors.rest import LimitedRestInput
from connectors.telegram import TelegramInput, TelegramRuntime
from connectors.zalo import ZaloInput, ZaloRuntime
from devtools.fakes import TELEGRAM_SECRET, ZALO_OA_SECRET
from devtools.fakes.telegram_bot_api import FakeTelegram, callback_update, document_update, text_update
from devtools.fakes.zalo_oa_api import FakeZalo, file_event, follow_event, signature, text_event
from tests.unit.dossier_fixtures import BIRTH, FORM
from tests.unit.hostile import NASTY_STRINGS, SCRIPT, json_values, mutated

PASSWORD = "matkhau-fuzz-2026"
SOAK = os.environ.get("HYPOTHESIS_PROFILE") == "soak"
SUMMARY = PROJECT_ROOT / "test-results" / "soak" / "endpoint-fuzz.json"
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\.py\", line \d+")
MEGABYTE = 1024 * 1024
hostile_text = st.one_of(st.text(max_size=60), st.sampled_from(NASTY_STRINGS))


# --- what every answer must satisfy ------------------------------------------------------------------

TALLY: Counter[str] = Counter()


@pytest.fixture(scope="session", autouse=True)
def fuzz_summary() -> Iterator[None]:
    """After a soak run: one line for `make soak` to print (inputs tried, 5xx answers)."""
    started = time.monotonic()
    yield
    if SOAK and TALLY["inputs"]:
        SUMMARY.parent.mkdir(parents=True, exist_ok=True)
        summary = {
            "inputs": TALLY["inputs"],
            "server_errors": TALLY["server_errors"],
            "seconds": round(time.monotonic() - started),
            "line": f"endpoint fuzz: {TALLY['inputs']} inputs tried, {TALLY['server_errors']} answered 5xx",
        }
        SUMMARY.write_text(json.dumps(summary) + "\n", encoding="utf-8")


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def send(
    origin: tuple[str, int],
    method: str,
    target: str,
    body: bytes | None = None,
    headers: dict[str, str | bytes] | None = None,
) -> Answer:
    """One request as sent on the wire (http.client: no client-side cleaning of the body or the headers)."""
    raw_headers = {
        name: value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
        for name, value in (headers or {}).items()
    }
    connection = http.client.HTTPConnection(*origin, timeout=30)
    try:
        connection.request(method, target, body=body, headers=raw_headers)
        response = connection.getresponse()
        answer = Answer(response.status, response.getheader("Content-Type", ""), response.read())
    finally:
        connection.close()
    check(answer, f"{method} {target[:120]}")
    return answer


def check(answer: Answer, what: str) -> None:
    TALLY["inputs"] += 1
    TALLY["server_errors"] += answer.status >= 500
    assert answer.status < 500, f"{what}: HTTP {answer.status} {answer.text[:300]}"
    assert not TRACEBACK.search(answer.text), f"{what}: a traceback in the answer"
    if "html" in answer.content_type:
        assert SCRIPT not in answer.text, f"{what}: a <script> in an HTML page, unescaped"


def encoded(text: str) -> str:
    """Any text as one path segment or query value: what the server decodes is `text` itself."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def as_decoded(text: str) -> str:
    """`text` as the server reads it back from the URL (bytes that are not UTF-8 become U+FFFD)."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def query(params: dict[str, str]) -> str:
    return "&".join(f"{encoded(key)}={encoded(value)}" for key, value in params.items())


# --- servers -----------------------------------------------------------------------------------------


class ServedInThread:
    """Runs `start(loop)` (which binds a port and returns its stop coroutine) in a thread of its own."""

    def __init__(self, start: Callable[[], Any]) -> None:
        self._start = start
        self._loop = asyncio.new_event_loop()
        self._stop: Callable[[], Any] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ready = threading.Event()
        self._failure: list[BaseException] = []

    def __enter__(self) -> ServedInThread:
        self._thread.start()
        if not self._ready.wait(30) or self._failure:
            raise RuntimeError(f"the server did not start: {self._failure!r}")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._stop = self._loop.run_until_complete(self._start())
        except BaseException as error:
            self._failure.append(error)
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._stop())
        self._loop.close()


def serve_aiohttp(app: web.Application, port_box: list[int]) -> Callable[[], Any]:
    async def start() -> Callable[[], Any]:
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port_box.append(runner.addresses[0][1])
        return runner.cleanup

    return start


@dataclasses.dataclass
class Backoffice:
    origin: tuple[str, int]
    services: Services
    desk_token: str
    admin_token: str
    officer_cookie: str
    script_dossier: str


@pytest.fixture(scope="module")
def backoffice(tmp_path_factory) -> Iterator[Backoffice]:
    directory = tmp_path_factory.mktemp("backoffice")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            accounts, "PASSWORD_HASHER", argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        )
        patch.setenv("DVC_OTP_SECRET", "s" * 40)
        # The fuzz reaches the handlers behind the per-address rate limits (tested on their own).
        patch.setenv("DVC_UPLOAD_RATE_LIMIT", "1000000")
        patch.setenv("DVC_SIGN_IN_RATE_LIMIT", "1000000")
        payments = PaymentSettings(
            tmn_code="DVCFUZZ1",
            hash_secret="FUZZSECRETFUZZSECRETFUZZSECRET12",
            payment_url="http://127.0.0.1:9/vpcpay.html",
            return_url="http://127.0.0.1:9/payments/vnpay/return",
            bank_bin="970436",
            bank_account="0011001234567",
        )
        settings = dataclasses.replace(
            load_settings(),
            database_url=f"sqlite:///{directory / 'dvc.db'}",
            var_dir=directory,
            payments=payments,
        )
        app_services = Services(settings)
        seed_demo(app_services, PASSWORD, password_change=False)
        # What a citizen typed into a text field of the chat form: it is stored as typed, shown escaped.
        script_dossier = app_services.dossiers.submit(
            form=FORM,
            procedure=BIRTH,
            answers={"applicant_full_name": SCRIPT, "applicant_phone": "0912345678", "note": SCRIPT},
            channel="rest",
            sender_id="fuzz-1",
            phone_hash="h",
            idempotency_key="fuzz-script",
        ).code
        app_services.payments.offer(script_dossier)
        officer = app_services.accounts.get_officer
        open_session = app_services.authenticator.open_session
        port: list[int] = []
        app = create_app(settings, app_services, deliver_notifications=False)
        with ServedInThread(serve_aiohttp(app, port)):
            yield Backoffice(
                origin=("127.0.0.1", port[0]),
                services=app_services,
                desk_token=open_session(officer("motcua").id, API).token,
                admin_token=open_session(officer("admin").id, API).token,
                officer_cookie=f"{SESSION_COOKIE}={open_session(officer('admin').id, WEB).token}",
                script_dossier=script_dossier,
            )


# --- back-office: a fixed corpus of hostile bodies -----------------------------------------------------


@functools.cache
def gzip_bomb(inflated: int = 300 * MEGABYTE) -> bytes:
    """A gzip stream of zeros: ~300 KB on the wire, 300 MB once inflated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(MEGABYTE)
    return b"".join(compressor.compress(chunk) for _ in range(inflated // MEGABYTE)) + compressor.flush()


@functools.cache
def zip_bomb() -> bytes:
    """A small .zip whose one entry inflates to 50 MB (the file of a 'zip bomb' upload)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("giay-to.pdf", bytes(50 * MEGABYTE))
    return buffer.getvalue()


@functools.cache
def pdf_bomb() -> bytes:
    """A file that is a PDF, with a FlateDecode stream that inflates to 100 MB and some JavaScript."""
    stream = zlib.compress(bytes(100 * MEGABYTE), 9)
    return (
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n"
        + f"2 0 obj << /Length {len(stream)} /Filter /FlateDecode >> stream\n".encode()
        + stream
        + b"\nendstream endobj\n%%EOF\n"
    )


def multipart(fields: list[tuple[str, str | None, bytes, str]], boundary: str = "fuzzBoundary42") -> bytes:
    """A multipart/form-data body; each field is (name, filename or None, content, content type)."""
    parts = []
    for name, filename, content, content_type in fields:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n"
        parts.append(head.encode("utf-8", "surrogatepass") + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


MULTIPART = {"Content-Type": "multipart/form-data; boundary=fuzzBoundary42"}
JSON = {"Content-Type": "application/json"}
FORM_URLENCODED = {"Content-Type": "application/x-www-form-urlencoded"}
POST_TARGETS = (
    "/api/uploads",
    "/api/auth/token",
    "/officer/login",
    "/api/dossiers/X/actions",
    "/api/departments",
)
BODIES = {
    "1 MB of JSON text": (b'{"username": "' + b"a" * MEGABYTE + b'", "password": "x"}', JSON),
    "1 MB of form": (b"username=" + b"%00" * (MEGABYTE // 3) + b"&password=x", FORM_URLENCODED),
    "1 MB of random bytes": (os.urandom(MEGABYTE), {"Content-Type": "application/octet-stream"}),
    "gzip bomb": (gzip_bomb, {**JSON, "Content-Encoding": "gzip"}),
    "gzip bomb as a form": (gzip_bomb, {**MULTIPART, "Content-Encoding": "gzip"}),
    "corrupt gzip": (b"\x1f\x8b\x08\x00garbage", {**JSON, "Content-Encoding": "gzip"}),
    "deflate garbage": (b"\x78\x9c\xff\xff", {**FORM_URLENCODED, "Content-Encoding": "deflate"}),
    "nested 100k deep": (b"[" * 100_000, JSON),
    "invalid UTF-8 JSON": (b'{"username": "\xff\xfe", "password": "\xc3"}', JSON),
    "invalid UTF-8 form": (b"username=\xff\xfe&password=\xc3", FORM_URLENCODED),
    "unknown charset": (b'{"username": "a"}', {"Content-Type": "application/json; charset=klingon"}),
    "unknown form charset": (b"a=b", {"Content-Type": "application/x-www-form-urlencoded; charset=klingon"}),
    "multipart without boundary": (b"--x\r\nbroken", {"Content-Type": "multipart/form-data"}),
    "broken multipart": (b"--fuzzBoundary42\r\nno headers at all", MULTIPART),
    "multipart part without a name": (
        b"--fuzzBoundary42\r\nContent-Type: text/plain\r\n\r\nx\r\n--fuzzBoundary42--\r\n",
        MULTIPART,
    ),
    "multipart part in an unknown charset": (
        multipart([("username", None, b"a", "text/plain; charset=klingon")]),
        MULTIPART,
    ),
    "multipart part not UTF-8": (multipart([("username", None, b"\xff\xfe", "text/plain")]), MULTIPART),
    "nested multipart": (
        multipart([("file", None, b"--inner--", "multipart/mixed; boundary=inner")]),
        MULTIPART,
    ),
    "JSON null": (b"null", JSON),
    "JSON list": (b'[{"username": "admin"}]', JSON),
    "JSON wrong types": (b'{"username": ["admin"], "password": {"$ne": null}, "action": 5}', JSON),
    "NUL bytes": (b"\x00" * 1000, JSON),
    "lone surrogate": (b'{"username": "\\ud800", "password": "\\udfff", "code": "\\ud800"}', JSON),
    "script and SQL": (json.dumps({"username": SCRIPT, "password": "' OR 1=1 --"}).encode(), JSON),
    "zip bomb upload": (
        lambda: multipart([("file", "giay-to.zip", zip_bomb(), "application/zip")]),
        MULTIPART,
    ),
    "PDF bomb upload": (
        lambda: multipart([("file", "giay-to.pdf", pdf_bomb(), "application/pdf")]),
        MULTIPART,
    ),
    "traversal upload": (
        multipart([("file", "../../etc/passwd.pdf", b"%PDF-1.7\n", "application/pdf")]),
        MULTIPART,
    ),
    "NUL in a file name": (
        multipart([("file", "/etc/passwd\x00.pdf", b"%PDF-1.7\n", "application/pdf")]),
        MULTIPART,
    ),
    "script file name": (multipart([("file", f"{SCRIPT}.pdf", b"%PDF-1.7\n", "application/pdf")]), MULTIPART),
    "file field as text": (multipart([("file", None, b"%PDF-1.7", "text/plain")]), MULTIPART),
}


def hostile_body(name: str) -> tuple[bytes, dict[str, str]]:
    """BODIES[name], the bombs built on first use (seconds of compression, not at import)."""
    body, headers = BODIES[name]
    return body() if callable(body) else body, headers


@pytest.mark.parametrize("name", BODIES)
def test_a_hostile_body_to_any_post_endpoint_is_a_4xx_or_handled(backoffice, name):
    body, headers = hostile_body(name)
    for target in POST_TARGETS:
        auth = {"Authorization": f"Bearer {backoffice.admin_token}"} if target.startswith("/api/d") else {}
        answer = send(backoffice.origin, "POST", target, body, {**headers, **auth})
        if "bomb" in name and "Content-Encoding" in headers:
            assert answer.status == 415  # never inflated


def test_an_upload_with_a_traversing_or_scripted_name_is_stored_under_a_safe_name(backoffice):
    for name in ("traversal upload", "script file name"):
        answer = send(backoffice.origin, "POST", "/api/uploads", *hostile_body(name))
        stored = json.loads(answer.body)
        assert answer.status == 201 and "/" not in stored["filename"] and "<" not in stored["filename"]
    zipped = send(backoffice.origin, "POST", "/api/uploads", *hostile_body("zip bomb upload"))
    assert zipped.status == 400 and json.loads(zipped.body)["error"].startswith("Dạ")


def test_a_script_stored_by_a_citizen_is_shown_escaped_to_officers(backoffice):
    cookie = {"Cookie": backoffice.officer_cookie}
    code = encoded(backoffice.script_dossier)
    for target in (f"/officer/dossiers/{code}", "/officer/dossiers"):
        page = send(backoffice.origin, "GET", target, headers=cookie)
        assert page.status == 200 and "&lt;script&gt;" in page.text  # shown, escaped (check() saw no raw one)


def test_a_signed_return_carrying_a_script_shows_it_escaped(backoffice):
    fields = {"vnp_TxnRef": "1N1", "vnp_ResponseCode": SCRIPT, "vnp_Amount": "100"}
    fields["vnp_SecureHash"] = vnpay.sign(fields, backoffice.services.settings.payments.hash_secret)
    page = send(backoffice.origin, "GET", f"/payments/vnpay/return?{query(fields)}")
    assert page.status == 200 and "&lt;script&gt;" in page.text


RAW_REQUESTS = {
    "non-UTF-8 cookie": b"GET /officer/dossiers HTTP/1.1\r\nHost: x\r\nCookie: dvc_officer=\xff\xfe\r\n\r\n",
    "non-UTF-8 token": b"GET /api/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\r\n\r\n",
    "non-UTF-8 path": b"GET /officer/login?next=/\xff HTTP/1.1\r\nHost: x\r\n\r\n",
    "NUL in the path": b"GET /dossiers/a\x00b/result.pdf HTTP/1.1\r\nHost: x\r\n\r\n",
    "header without a colon": b"GET / HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n",
    "a 100 KB header": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 100_000 + b"\r\n\r\n",
    "broken chunking": b"POST /api/uploads HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "not HTTP at all": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(64),
}


def raw_exchange(origin: tuple[str, int], request: bytes) -> Answer:
    """Send bytes as they are and read the answer up to its announced length (or until the server closes)."""
    received = b""
    with socket.create_connection(origin, timeout=10) as connection:
        connection.sendall(request)
        while b"\r\n\r\n" not in received and (chunk := connection.recv(65536)):
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        fields = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:])
        )
        while len(body) < int(fields.get(b"content-length", b"0")) and (chunk := connection.recv(65536)):
            body += chunk
    status = int(head.split()[1]) if head.startswith(b"HTTP/") else 0
    return Answer(status, fields.get(b"content-type", b"").decode(), body)


@pytest.mark.parametrize("name", RAW_REQUESTS)
def test_a_request_broken_on_the_wire_is_a_400(backoffice, name):
    answer = raw_exchange(backoffice.origin, RAW_REQUESTS[name])
    check(answer, name)
    assert answer.status == 400


# --- back-office: generated requests -----------------------------------------------------------------

PUBLIC_GETS = (
    "/payments/vnpay/ipn",
    "/payments/vnpay/return",
    "/dossiers/{code}/result.pdf",
    "/dossiers/{code}/declaration.pdf",
    "/payments/{code}/vietqr.png",
    "/officer/login",
    "/officer/dossiers",
    "/officer/dossiers/{code}",
    "/api/statistics",
    "/webchat/updates",
    "/static/webchat/{code}",
    "/",
)
QUERY_KEYS = (
    "t",
    "next",
    "months",
    "sender",
    "after",
    "status",
    "procedure",
    "department",
    "limit",
    "overdue",
)
vnp_fields = st.dictionaries(
    st.sampled_from(["vnp_TxnRef", "vnp_Amount", "vnp_ResponseCode", "vnp_TransactionStatus", "vnp_PayDate"])
    | st.text(max_size=10),
    hostile_text,
    max_size=6,
)


@given(
    route=st.sampled_from(PUBLIC_GETS),
    code=hostile_text,
    params=st.dictionaries(st.sampled_from(QUERY_KEYS) | st.text(max_size=8), hostile_text, max_size=4)
    | vnp_fields,
    sign=st.booleans(),
    real_token=st.booleans(),
)
def test_public_pages_answer_any_path_and_query(backoffice, route, code, params, sign, real_token):
    if real_token:
        purpose = {"result.pdf": "result", "declaration.pdf": "declaration", "vietqr.png": "vietqr"}
        kind = next((value for key, value in purpose.items() if route.endswith(key)), "result")
        code = backoffice.script_dossier
        params = {**params, "t": link_token(backoffice.services.secret, kind, code)}
    if sign:  # the callback's signature checks out: the hostile values reach the payment code
        params = {
            as_decoded(key): as_decoded(value) for key, value in params.items() if key != "vnp_SecureHash"
        }
        params["vnp_SecureHash"] = vnpay.sign(params, backoffice.services.settings.payments.hash_secret)
    target = route.replace("{code}", encoded(code))
    send(backoffice.origin, "GET", f"{target}?{query(params)}" if params else target)


OFFICER_GETS = (
    "/officer/dossiers",
    "/officer/dossiers/{code}",
    "/officer/dossiers/{code}/result.pdf",
    "/officer/dossiers/{code}/declaration.pdf",
    "/officer/dossiers/{code}/attachments/{code}",
    "/officer/admin",
)


@given(
    route=st.sampled_from(OFFICER_GETS),
    code=hostile_text | st.just("x" * 300) | st.just("REAL"),
    params=st.dictionaries(st.sampled_from([*QUERY_KEYS, "done"]), hostile_text, max_size=4),
)
def test_the_officers_pages_answer_any_path_and_query(backoffice, route, code, params):
    code = backoffice.script_dossier if code == "REAL" else code
    target = route.replace("{code}", encoded(code)) + (f"?{query(params)}" if params else "")
    send(backoffice.origin, "GET", target, headers={"Cookie": backoffice.officer_cookie})


def test_a_dossier_code_longer_than_a_file_name_is_not_found(backoffice):
    """Regression: the result file's name comes from the code; the OS refused the long name with a 500."""
    cookie = {"Cookie": backoffice.officer_cookie}
    assert (
        send(backoffice.origin, "GET", f"/officer/dossiers/{'x' * 300}/result.pdf", headers=cookie).status
        == 404
    )
    assert send(backoffice.origin, "GET", f"/static/webchat/{'x' * 300}").status == 404


API_ROUTES = (
    ("GET", "/api/me"),
    ("GET", "/api/dossiers"),
    ("GET", "/api/dossiers/{code}"),
    ("POST", "/api/dossiers/{code}/actions"),
    ("POST", "/api/dossiers/{code}/delivery"),
    ("PUT", "/api/dossiers/{code}/result"),
    ("GET", "/api/departments"),
    ("POST", "/api/departments"),
    ("GET", "/api/officers"),
    ("POST", "/api/officers"),
    ("GET", "/api/openapi.json"),
    ("POST", "/api/auth/token"),
)
ACTION_BODY = {
    "action": "forward",
    "department": "TP",
    "officer": 1,
    "note": "ghi chú",
    "delivery": "Qua bưu điện",
}
OFFICER_BODY = {
    "username": "canbo",
    "full_name": "Cán bộ",
    "role": "desk",
    "password": "x" * 12,
    "department": "TP",
}
api_bodies = st.one_of(
    mutated(ACTION_BODY),
    mutated(OFFICER_BODY),
    mutated({"username": "motcua", "password": PASSWORD}),
    json_values.map(json.dumps).map(str.encode),
    st.binary(max_size=300),
    st.sampled_from([b"%PDF-1.7\n" + b"x" * 100, b"", b"{", b"[" * 5000]),
).map(lambda body: body if isinstance(body, bytes) else json.dumps(body).encode())


@given(
    route=st.sampled_from(API_ROUTES),
    token=st.sampled_from(["desk", "admin", "none", "garbage"]),
    code=hostile_text | st.just("REAL"),
    params=st.dictionaries(st.sampled_from(QUERY_KEYS), hostile_text, max_size=4),
    body=api_bodies,
    content_type=st.sampled_from(
        ["application/json", "application/json; charset=utf-16", "text/plain", None]
    ),
)
def test_the_officers_api_answers_any_request_with_or_without_a_token(
    backoffice, route, token, code, params, body, content_type
):
    method, path = route
    code = backoffice.script_dossier if code == "REAL" else code
    headers: dict[str, str | bytes] = {}
    if token in ("desk", "admin"):
        headers["Authorization"] = f"Bearer {getattr(backoffice, f'{token}_token')}"
    elif token == "garbage":
        headers["Authorization"] = b"Bearer \xff" + SCRIPT.encode()
    if content_type:
        headers["Content-Type"] = content_type
    target = path.replace("{code}", encoded(code)) + (f"?{query(params)}" if params else "")
    answer = send(backoffice.origin, method, target, body if method != "GET" else None, headers)
    if token in ("none", "garbage") and path not in ("/api/openapi.json", "/api/auth/token"):
        assert answer.status in (400, 401, 404)  # 400: a token not in UTF-8; 404: a code with "/" in it


@given(
    limit=st.none() | st.integers(-5, 600).map(str) | hostile_text,
    status=st.none() | st.sampled_from(list(STATUS_LABELS)) | hostile_text,
    overdue=st.none() | st.sampled_from(["true", "false", "TRUE"]) | hostile_text,
)
def test_the_dossier_list_takes_its_documented_parameters_and_refuses_the_rest(
    backoffice, limit, status, overdue
):
    """GET /api/dossiers (backoffice/openapi.py): limit an integer 1-500, status one of the statuses,
    overdue true or false; anything else is a 400, never a 500 nor a list that ignores the filter."""
    params = {
        key: value for key, value in (("limit", limit), ("status", status), ("overdue", overdue)) if value
    }
    headers = {"Authorization": f"Bearer {backoffice.admin_token}"}
    answer = send(backoffice.origin, "GET", f"/api/dossiers?{query(params)}", headers=headers)
    limit_ok = not limit or (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= 500)
    status_ok = not status or status in STATUS_LABELS
    overdue_ok = (overdue or "").lower() in ("", "true", "false")
    assert answer.status == (200 if limit_ok and status_ok and overdue_ok else 400)
    if answer.status == 200:
        body = json.loads(answer.body)
        assert body["count"] == len(body["items"]) <= int(limit or 200)
        if status:
            assert all(item["status"] == status for item in body["items"])


login_fields = st.fixed_dictionaries(
    {},
    optional={
        "username": hostile_text | st.just("motcua"),
        "password": hostile_text | st.just(PASSWORD),
        "csrf_token": hostile_text | st.just("fuzz-csrf"),
        "next": hostile_text | st.sampled_from(["//evil.example", "/\\evil", "javascript:alert(1)"]),
    },
)


@given(
    fields=login_fields,
    as_multipart=st.booleans(),
    cookie=st.sampled_from(
        [
            "",
            "dvc_login_csrf=fuzz-csrf",
            "dvc_login_csrf=\x7f; dvc_officer=" + "a" * 500,
            b"dvc_login_csrf=\xff",
        ]
    ),
)
def test_the_sign_in_form_answers_any_post(backoffice, fields, as_multipart, cookie):
    if as_multipart:
        parts = [
            (key, None, value.encode("utf-8", "surrogatepass"), "text/plain") for key, value in fields.items()
        ]
        body, headers = multipart(parts), dict(MULTIPART)
    else:
        body, headers = query(fields).encode(), dict(FORM_URLENCODED)
    if cookie:
        headers["Cookie"] = cookie
    answer = send(backoffice.origin, "POST", "/officer/login", body, headers)
    assert answer.status in (302, 303, 400, 401, 403, 423, 429)


@given(
    filename=st.none() | hostile_text,
    content=st.sampled_from(
        [b"%PDF-1.7\n", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"MZ", b"", b"<svg/>"]
    ).flatmap(lambda head: st.binary(max_size=200).map(lambda tail: head + tail)),
    field=st.sampled_from(["file", "tep", ""]),
    part_type=st.sampled_from(["application/pdf", "image/jpeg", "text/html", "application/octet-stream"]),
)
def test_the_widget_upload_answers_any_file(backoffice, filename, content, field, part_type):
    body = multipart([(field, filename.replace('"', "'") if filename else filename, content, part_type)])
    answer = send(backoffice.origin, "POST", "/api/uploads", body, MULTIPART)
    assert answer.status in (201, 400)
    assert answer.content_type.startswith("application/json") and json.loads(answer.body)


# --- the Telegram and Zalo webhooks, on Sanic as Rasa mounts them ----------------------------------------


class RecordingAgent:
    """Stands in for Rasa's agent behind the channels: the turns the webhooks hand over."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_message(self, message: Any) -> None:
        self.messages.append(message)


@dataclasses.dataclass
class Webhooks:
    origin: tuple[str, int]
    agent: RecordingAgent
    telegram: FakeTelegram
    zalo: FakeZalo
    rest: LimitedRestInput  # the widget's channel, with small limits (tested at the end of this file)


def serve_sanic(app: Any, port_box: list[int]) -> Callable[[], Any]:
    async def start() -> Callable[[], Any]:
        from aiohttp.test_utils import unused_port

        port = unused_port()
        server = await app.create_server(
            host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
        )
        await server.startup()
        await server.before_start()
        await server.after_start()
        port_box.append(port)

        async def stop() -> None:
            await server.before_stop()
            server.close()
            await server.wait_closed()
            await server.after_stop()

        return stop

    return start


@pytest.fixture(scope="module")
def webhooks(tmp_path_factory, telegram: FakeTelegram, zalo: FakeZalo) -> Iterator[Webhooks]:
    directory = tmp_path_factory.mktemp("webhooks")
    settings = dataclasses.replace(
        load_settings(),
        database_url=f"sqlite:///{directory / 'dvc.db'}",
        var_dir=directory,
        telegram=TelegramSettings(
            bot_token=telegram.token, secret_token=TELEGRAM_SECRET, api_base_url=telegram.base_url
        ),
        zalo=ZaloSettings(
            app_id=zalo.app_id,
            app_secret=zalo.app_secret,
            oa_secret_key=ZALO_OA_SECRET,
            access_token=zalo.current_access_token,
            refresh_token=zalo.current_refresh_token,
            api_base_url=zalo.api_base_url,
            oauth_base_url=zalo.oauth_base_url,
        ),
    )
    app_services = Services(settings)
    telegram_runtime, zalo_runtime = TelegramRuntime(app_services), ZaloRuntime(app_services)
    with pytest.MonkeyPatch.context() as patch:
        for module, runtime in ((telegram_connector, telegram_runtime), (zalo_connector, zalo_runtime)):
            patch.setattr(module, "services", lambda: app_services)
            patch.setattr(module, "runtime", lambda runtime=runtime: runtime)
        rest = LimitedRestInput(CHAT_LIMITS)
        app = configure_app([TelegramInput(), ZaloInput(), rest], enable_api=False, use_uvloop=False)
        agent = RecordingAgent()
        app.ctx.agent = agent
        port: list[int] = []
        with ServedInThread(serve_sanic(app, port)):
            yield Webhooks(("127.0.0.1", port[0]), agent, telegram, zalo, rest)


CHAT_LIMITS = ChatLimits(
    max_message_chars=50, messages_per_sender=3, messages_per_address=5, window_seconds=60
)
TELEGRAM_HOOK = "/webhooks/telegram/webhook"
ZALO_HOOK = "/webhooks/zalo/webhook"
_update_ids = iter(range(10_000_000, 99_999_999))


def telegram_bodies() -> st.SearchStrategy[bytes]:
    def fresh(update: dict[str, Any]) -> dict[str, Any]:
        return {**update, "update_id": next(_update_ids)}

    valid = st.sampled_from(
        [
            text_update(1, 42, SCRIPT),
            callback_update(
                2, 42, "~nonsense", reply_markup={"inline_keyboard": [[{"text": "x", "callback_data": "y"}]]}
            ),
            document_update(3, 42, "missing-file", "../../etc/passwd", "application/pdf", 10),
        ]
    )
    documents = valid.flatmap(lambda update: st.just(update) | mutated(update)).map(
        lambda update: fresh(update) if isinstance(update, dict) and "update_id" in update else update
    )
    return st.one_of(documents.map(lambda value: json.dumps(value).encode()), st.binary(max_size=300))


@given(
    body=telegram_bodies(),
    secret=st.sampled_from([TELEGRAM_SECRET, TELEGRAM_SECRET, "wrong", b"\xff\xfe", None]),
    content_type=st.sampled_from(["application/json", "text/plain", "application/json; charset=klingon"]),
)
def test_the_telegram_webhook_answers_any_call(webhooks, body, secret, content_type):
    headers: dict[str, str | bytes] = {"Content-Type": content_type}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    answer = send(webhooks.origin, "POST", TELEGRAM_HOOK, body, headers)
    if secret != TELEGRAM_SECRET:
        assert answer.status == 403


def zalo_bodies(app_id: str) -> st.SearchStrategy[tuple[bytes, str | None]]:
    def stamped(event: Any) -> Any:
        if isinstance(event, dict):
            return {**event, "app_id": app_id, "timestamp": str(int(time.time() * 1000))}
        return event

    events = st.sampled_from(
        [
            text_event(app_id, "u-fuzz", SCRIPT, "m"),
            file_event(app_id, "u-fuzz", "m", "http://127.0.0.1:9/../../etc/passwd", "../../etc/passwd", 1),
            follow_event(app_id, "u-fuzz"),
        ]
    ).flatmap(lambda event: st.just(event) | mutated(event))

    def signed(event: Any) -> tuple[bytes, str]:
        event = stamped(event)
        raw = json.dumps(event).encode()
        stamp = str(event.get("timestamp", "")) if isinstance(event, dict) else ""
        return raw, signature(app_id, raw, stamp, ZALO_OA_SECRET)

    header = st.text(alphabet=st.characters(exclude_characters="\r\n"))
    unsigned = st.tuples(
        st.binary(max_size=300) | json_values.map(json.dumps).map(str.encode), st.none() | header
    )
    return events.map(signed) | unsigned


@given(data=st.data())
def test_the_zalo_webhook_answers_any_call(webhooks, data):
    body, signature_header = data.draw(zalo_bodies(webhooks.zalo.app_id))
    headers = {"Content-Type": "application/json"}
    if signature_header is not None:
        headers["X-ZEvent-Signature"] = signature_header
    send(webhooks.origin, "POST", ZALO_HOOK, body, headers)


WEBHOOK_BODIES = {
    **{name: BODIES[name] for name in ("1 MB of random bytes", "gzip bomb", "nested 100k deep", "NUL bytes")},
    "1 MB of JSON": (json.dumps({"update_id": 5, "message": {"text": "a" * MEGABYTE}}).encode(), JSON),
}


@pytest.mark.parametrize("name", WEBHOOK_BODIES)
def test_a_hostile_body_to_a_webhook_is_refused(webhooks, name):
    body, headers = WEBHOOK_BODIES[name]
    body = body() if callable(body) else body
    secret = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    telegram = send(webhooks.origin, "POST", TELEGRAM_HOOK, body, {**headers, **secret})
    zalo = send(webhooks.origin, "POST", ZALO_HOOK, body, {**headers, "X-ZEvent-Signature": "mac=0"})
    assert telegram.status in (200, 400) and zalo.status in (400, 403)


def wait_for_turn(agent: RecordingAgent, text: str) -> Any:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [message for message in agent.messages if message.text == text]
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no turn with {text!r} reached the agent")


def test_well_formed_updates_and_events_reach_the_assistant_as_typed(webhooks):
    """The harness is not refusing everything: a genuine update and a genuine event become turns."""
    update = text_update(next(_update_ids), 4343, f"{SCRIPT} telegram")
    headers = {**JSON, "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    assert send(webhooks.origin, "POST", TELEGRAM_HOOK, json.dumps(update).encode(), headers).status == 200
    assert wait_for_turn(webhooks.agent, f"{SCRIPT} telegram").sender_id == "4343"
    event = text_event(webhooks.zalo.app_id, "u-4343", f"{SCRIPT} zalo", f"m-{next(_update_ids)}")
    raw = json.dumps(event).encode()
    headers = {
        **JSON,
        "X-ZEvent-Signature": signature(webhooks.zalo.app_id, raw, event["timestamp"], ZALO_OA_SECRET),
    }
    assert send(webhooks.origin, "POST", ZALO_HOOK, raw, headers).status == 200
    assert wait_for_turn(webhooks.agent, f"{SCRIPT} zalo").sender_id == "u-4343"


def test_a_telegram_update_with_a_field_of_the_wrong_type_gets_a_polite_reply(webhooks):
    update = text_update(next(_update_ids), 4242, "xin chào")
    update["message"]["text"] = 5  # python-telegram-bot keeps it; reading it as text fails
    headers = {**JSON, "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    assert send(webhooks.origin, "POST", TELEGRAM_HOOK, json.dumps(update).encode(), headers).status == 200
    webhooks.telegram.wait_for(
        lambda call: call.method.lower() == "sendmessage" and call.params.get("text") == messages.TURN_FAILED
    )


# --- the widget's REST channel (connectors/rest.py): bodies, length and rates -------------------------

REST_HOOK = "/webhooks/rest/webhook"


@pytest.fixture
def rest_origin(webhooks: Webhooks) -> tuple[str, int]:
    webhooks.rest.__init__(CHAT_LIMITS)  # fresh counters for each test
    return webhooks.origin


def say(origin: tuple[str, int], sender: str, message: str) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection(*origin, timeout=30)
    try:
        body = json.dumps({"sender": sender, "message": message}).encode()
        connection.request("POST", REST_HOOK, body=body, headers=JSON)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8")
    finally:
        connection.close()


def test_rest_bodies_rasa_cannot_read_are_a_clear_400(rest_origin):
    for body in (b"[1, 2]", b'"hello"', b'{"sender": 5, "message": "x"}', b'{"sender": "a", "message": 7}'):
        answer = send(rest_origin, "POST", REST_HOOK, body, JSON)
        assert answer.status == 400 and "error" in json.loads(answer.text), body
    assert say(rest_origin, "x" * 129, "chào")[0] == 400


def test_an_over_long_chat_message_gets_a_polite_reply_not_the_nlu(rest_origin, webhooks):
    handled = len(webhooks.agent.messages)
    status, _, text = say(rest_origin, "dai", "a" * 51)
    assert status == 200 and "dài quá 50 ký tự" in json.loads(text)[0]["text"]
    assert len(webhooks.agent.messages) == handled  # Rasa never saw it


def test_too_many_chat_messages_per_conversation_then_per_address(rest_origin):
    assert [say(rest_origin, "a", "chào")[0] for _ in range(3)] == [200, 200, 200]
    status, headers, text = say(rest_origin, "a", "chào")
    assert status == 429 and 0 < int(headers["Retry-After"]) <= 60
    assert json.loads(text)[0]["text"].startswith("Dạ, anh/chị nhắn nhanh quá")
    assert say(rest_origin, "b", "chào")[0] == 200  # another conversation, same address: the 5th message
    assert say(rest_origin, "c", "chào")[0] == 429  # a sixth, whatever conversation it claims to be


# --- Telegram and Zalo: the same limits per chat (the platforms call from their own servers) -----------


@pytest.fixture
def platform_guards(webhooks: Webhooks):
    """Small limits on both platform runtimes for one test, the defaults again afterwards."""
    runtimes = (telegram_connector.runtime(), zalo_connector.runtime())
    before = [runtime.guard for runtime in runtimes]
    for runtime in runtimes:
        runtime.guard = ChatGuard(CHAT_LIMITS)
    yield
    for runtime, guard in zip(runtimes, before, strict=True):
        runtime.guard = guard


def telegram_text(webhooks: Webhooks, chat: int, text: str) -> int:
    update = text_update(next(_update_ids), chat, text)
    headers = {**JSON, "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    return send(webhooks.origin, "POST", TELEGRAM_HOOK, json.dumps(update).encode(), headers).status


def zalo_text(webhooks: Webhooks, user: str, text: str) -> int:
    event = text_event(webhooks.zalo.app_id, user, text, f"m-{next(_update_ids)}")
    raw = json.dumps(event).encode()
    signed_by = signature(webhooks.zalo.app_id, raw, event["timestamp"], ZALO_OA_SECRET)
    return send(webhooks.origin, "POST", ZALO_HOOK, raw, {**JSON, "X-ZEvent-Signature": signed_by}).status


def test_a_telegram_chat_flooding_the_bot_is_told_once_and_the_flood_never_reaches_rasa(
    webhooks, platform_guards
):
    chat = 7100 + next(_update_ids) % 1000
    statuses = [telegram_text(webhooks, chat, f"tin {n} của {chat}") for n in range(6)]
    assert statuses == [200] * 6  # acknowledged, so Telegram does not retry the refused ones
    for n in range(3):
        wait_for_turn(webhooks.agent, f"tin {n} của {chat}")
    too_fast = webhooks.telegram.wait_for(
        lambda call: (
            call.method.lower() == "sendmessage"
            and str(call.params.get("chat_id")) == str(chat)
            and str(call.params.get("text", "")).startswith("Dạ, anh/chị nhắn nhanh quá")
        )
    )
    assert too_fast is not None
    time.sleep(0.5)  # let any wrongly accepted turn arrive
    assert not [m for m in webhooks.agent.messages if m.text in {f"tin {n} của {chat}" for n in (3, 4, 5)}]
    told = [text for text in webhooks.telegram.sent_texts(chat) if "nhắn nhanh quá" in text]
    assert len(told) == 1
    assert telegram_text(webhooks, chat + 1, "tôi là người khác") == 200
    wait_for_turn(webhooks.agent, "tôi là người khác")


def test_an_over_long_telegram_or_zalo_message_gets_a_polite_reply_not_the_nlu(webhooks, platform_guards):
    long_text = "dài " * 20  # 80 characters, over the 50 allowed here
    handled = len(webhooks.agent.messages)
    assert telegram_text(webhooks, 7999, long_text) == 200
    webhooks.telegram.wait_for(
        lambda call: call.method.lower() == "sendmessage" and "dài quá 50" in str(call.params.get("text"))
    )
    assert zalo_text(webhooks, "u-long", long_text) == 200
    webhooks.zalo.wait_for(lambda sent: "dài quá 50 ký tự" in json.dumps(sent, ensure_ascii=False))
    assert len(webhooks.agent.messages) == handled


def test_a_zalo_user_flooding_the_bot_is_told_once_and_the_flood_never_reaches_rasa(
    webhooks, platform_guards
):
    user = f"u-flood-{next(_update_ids)}"
    assert [zalo_text(webhooks, user, f"zalo {n} {user}") for n in range(5)] == [200] * 5
    for n in range(3):
        wait_for_turn(webhooks.agent, f"zalo {n} {user}")
    webhooks.zalo.wait_for(lambda sent: "nhắn nhanh quá" in json.dumps(sent, ensure_ascii=False))
    time.sleep(0.5)
    assert not [m for m in webhooks.agent.messages if m.text in {f"zalo 3 {user}", f"zalo 4 {user}"}]
    assert len([text for text in webhooks.zalo.texts_to(user) if "nhắn nhanh quá" in text]) == 1
