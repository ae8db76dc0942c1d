"""Officers' sign-in over HTTP: Secure cookies behind TLS, the per-address sign-in limit, and the forced
password change (pages and API), on a real aiohttp test server and a real SQLite database."""

from __future__ import annotations

import asyncio
import dataclasses
from urllib.parse import unquote

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backoffice.app import SIGN_IN_LIMITER_KEY, create_app
from backoffice.seed import seed_demo
from bot.limits.rate import SlidingWindowLimiter
from bot.services import Services
from bot.settings import PRODUCTION, OfficerSecuritySettings, Settings, load_settings
from tests.unit.conftest import PASSWORD, codes_by_status, run_app
from tests.unit.test_officer_pages import CSRF, login

NEW_PASSWORD = "hoa-sen-trong-dam-2026"


def with_officer_settings(settings: Settings, **changes) -> Settings:
    return dataclasses.replace(settings, officers=dataclasses.replace(settings.officers, **changes))


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def run_with(services: Services, settings: Settings, scenario, limiter: SlidingWindowLimiter | None = None):
    """Like conftest.run_app, with the back-office's own settings (and sign-in limiter) replaced."""

    async def main():
        app = create_app(settings, services, deliver_notifications=False)
        if limiter is not None:
            app[SIGN_IN_LIMITER_KEY] = limiter
        async with TestClient(TestServer(app)) as client:
            return await scenario(client)

    return asyncio.run(main())


def set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getall("Set-Cookie", [])}


async def login_cookies(client: TestClient, headers: dict[str, str]) -> dict[str, str]:
    """Sign in as motcua sending the pre-login CSRF cookie by hand (a Secure cookie is not sent back over
    the test's plain http); returns the Set-Cookie headers of the login page and of the sign-in."""
    page = await client.get("/officer/login", headers=headers)
    cookies = set_cookies(page)
    token = CSRF.search(await page.text()).group(1)
    form = {"csrf_token": token, "username": "motcua", "password": PASSWORD, "next": ""}
    signed_in = await client.post(
        "/officer/login",
        data=form,
        headers={**headers, "Cookie": f"dvc_login_csrf={token}"},
        allow_redirects=False,
    )
    assert signed_in.status == 302, await signed_in.text()
    return {**set_cookies(signed_in), **cookies}  # the sign-in deletes the pre-login cookie


# --- Secure cookies --------------------------------------------------------------------------------

HTTPS_PROXY = {"X-Forwarded-Proto": "https"}


@pytest.mark.parametrize(
    ("profile", "trust_proxy", "headers", "secure"),
    [
        ("development", False, {}, False),
        ("development", False, HTTPS_PROXY, False),  # anyone can send the header: not believed
        ("development", True, HTTPS_PROXY, True),  # behind the configured proxy: believed
        ("development", True, {"X-Forwarded-Proto": "http"}, False),
        (PRODUCTION, False, {}, True),  # production: always Secure
    ],
)
def test_session_and_csrf_cookies_are_secure_behind_tls(app_services, profile, trust_proxy, headers, secure):
    settings = with_officer_settings(
        dataclasses.replace(app_services.settings, profile=profile), trust_proxy=trust_proxy
    )

    async def scenario(client):
        return await login_cookies(client, headers)

    cookies = run_with(app_services, settings, scenario)
    for name in ("dvc_login_csrf", "dvc_officer"):
        assert ("Secure" in cookies[name]) == secure, cookies[name]
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name]


# --- sign-in limit per client address --------------------------------------------------------------


def test_sign_ins_per_address_are_limited_on_the_page_and_the_api_together(app_services):
    clock = Clock()
    limiter = SlidingWindowLimiter(3, 60, clock)

    async def scenario(client):
        statuses = [(await login(client, "motcua", "sai-mat-khau")).status for _ in range(2)]
        api = await client.post("/api/auth/token", json={"username": "tuphap", "password": "sai-mat-khau"})
        statuses.append(api.status)
        assert statuses == [401, 401, 401]
        page = await login(client, "motcua")  # the right password does not help
        assert page.status == 429 and page.headers["Retry-After"] == "60"
        assert "Có quá nhiều lần đăng nhập từ địa chỉ này; vui lòng thử lại sau 1 phút." in await page.text()
        clock.now += 30
        token = await client.post("/api/auth/token", json={"username": "motcua", "password": PASSWORD})
        body = await token.json()
        assert token.status == 429 and token.headers["Retry-After"] == "30"
        assert body["kind"] == "rate_limited" and body["retry_after"] == 30
        assert body["error"] == "Có quá nhiều lần đăng nhập từ địa chỉ này; vui lòng thử lại sau 30 giây."
        clock.now += 30  # the first attempt has left the window
        assert (await login(client, "motcua")).status == 302

    run_with(app_services, app_services.settings, scenario, limiter)


def test_the_limit_counts_the_address_the_trusted_proxy_saw(app_services):
    limiter = SlidingWindowLimiter(1, 60, Clock())
    behind_proxy = with_officer_settings(app_services.settings, trust_proxy=True)

    async def attempt(client, forwarded_for: str) -> int:
        body = {"username": "motcua", "password": "sai-mat-khau"}
        headers = {"X-Forwarded-For": forwarded_for}
        return (await client.post("/api/auth/token", json=body, headers=headers)).status

    async def trusted(client):
        assert await attempt(client, "203.0.113.7") == 401
        assert await attempt(client, "203.0.113.7") == 429
        assert await attempt(client, "203.0.113.8") == 401  # another office
        assert await attempt(client, "203.0.113.9, 203.0.113.7") == 429  # the client's own entry is ignored

    run_with(app_services, behind_proxy, trusted, limiter)

    async def direct(client):  # without a trusted proxy the header is anyone's to forge: the peer counts
        assert await attempt(client, "198.51.100.1") == 401
        assert await attempt(client, "198.51.100.2") == 429

    run_with(app_services, app_services.settings, direct, SlidingWindowLimiter(1, 60, Clock()))


# --- forced password change ------------------------------------------------------------------------


@pytest.fixture
def flagged_services(blank_services) -> Services:
    """The demo commune seeded the way `make run` does: every officer must change the demo password."""
    seed_demo(blank_services, PASSWORD)
    return blank_services


def test_the_demo_seed_flags_its_officers(flagged_services):
    assert all(officer.must_change_password for officer in flagged_services.accounts.list_officers())


def test_the_demo_seed_can_be_told_the_password_is_final(app_services):
    assert not any(officer.must_change_password for officer in app_services.accounts.list_officers())


def test_a_flagged_officer_can_only_reach_the_password_page_until_the_change(flagged_services):
    code = codes_by_status(flagged_services)["received"]

    async def scenario(client):
        signed_in = await login(client, "motcua", next_url=f"/officer/dossiers/{code}")
        assert signed_in.status == 302
        assert unquote(signed_in.headers["Location"]) == f"/officer/password?next=/officer/dossiers/{code}"
        for path in (
            "/officer/dossiers",
            f"/officer/dossiers/{code}",
            f"/officer/dossiers/{code}/result.pdf",
        ):
            response = await client.get(path, allow_redirects=False)
            assert (response.status, response.headers.get("Location")) == (302, "/officer/password"), path
        action = await client.post(f"/officer/dossiers/{code}/actions", data={"action": "accept"})
        assert action.url.path == "/officer/password"
        page = await client.get(f"/officer/password?next=/officer/dossiers/{code}")
        text = await page.text()
        assert page.status == 200 and "Mật khẩu hiện tại do người khác đặt" in text
        assert "Ít nhất 12 ký tự, có cả chữ cái và chữ số" in text
        token = CSRF.search(text).group(1)
        api_token = await client.post("/api/auth/token", json={"username": "motcua", "password": PASSWORD})
        api_headers = {"Authorization": f"Bearer {(await api_token.json())['access_token']}"}

        def form(current: str, new: str, again: str | None = None, csrf: str = token) -> dict[str, str]:
            return {
                "csrf_token": csrf,
                "current_password": current,
                "new_password": new,
                "confirm_password": new if again is None else again,
                "next": f"/officer/dossiers/{code}",
            }

        refusals = [
            (form(PASSWORD, NEW_PASSWORD, csrf="forged"), 403, "CSRF"),
            (form(PASSWORD, NEW_PASSWORD, again="hoa-sen-khac-2026"), 400, "không khớp"),
            (form(PASSWORD, "motcua-2026-abc"), 400, "không được trùng hoặc chứa tên đăng nhập"),
            (form(PASSWORD, "matkhau123456"), 400, "quá phổ biến"),
            (form(PASSWORD, PASSWORD), 400, "khác mật khẩu hiện tại"),
            (form("sai-mat-khau-1", NEW_PASSWORD), 400, "Mật khẩu hiện tại không đúng"),
        ]
        for data, status, message in refusals:
            refused = await client.post("/officer/password", data=data, allow_redirects=False)
            assert refused.status == status and message in await refused.text(), message
        still = await client.get("/officer/dossiers", allow_redirects=False)
        assert still.headers["Location"] == "/officer/password"

        changed = await client.post(
            "/officer/password", data=form(PASSWORD, NEW_PASSWORD), allow_redirects=False
        )
        assert changed.status == 302
        assert (
            unquote(changed.headers["Location"]) == f"/officer/password?done=1&next=/officer/dossiers/{code}"
        )
        done = await (await client.get(changed.headers["Location"])).text()
        assert "Đã đổi mật khẩu" in done and f'href="/officer/dossiers/{code}"' in done
        assert (await client.get(f"/officer/dossiers/{code}")).status == 200  # this session goes on
        assert (await client.get("/api/me", headers=api_headers)).status == 401  # the other one ended

    run_app(flagged_services, scenario)
    assert not flagged_services.accounts.get_officer("motcua").must_change_password
    assert flagged_services.workflow.get(code).status == "received"  # the flagged POST did nothing


def test_a_flagged_officer_can_still_sign_out(flagged_services):
    async def scenario(client):
        await login(client, "tuphap")
        token = CSRF.search(await (await client.get("/officer/password")).text()).group(1)
        out = await client.post("/officer/logout", data={"csrf_token": token}, allow_redirects=False)
        assert (out.status, out.headers["Location"]) == (302, "/officer/login")

    run_app(flagged_services, scenario)


def test_the_api_answers_403_until_the_password_is_changed_by_post_api_me_password(flagged_services):
    async def scenario(client):
        await login(client, "motcua")  # a browser session that the change will end
        issued = await client.post("/api/auth/token", json={"username": "motcua", "password": PASSWORD})
        body = await issued.json()
        assert issued.status == 200 and body["must_change_password"] is True
        headers = {"Authorization": f"Bearer {body['access_token']}"}
        for path in ("/api/me", "/api/dossiers", "/api/departments"):
            refused = await client.get(path, headers=headers)
            error = await refused.json()
            assert refused.status == 403 and error["kind"] == "password_change_required", path
            assert "POST /api/me/password" in error["error"]

        async def change(current: str, new: str):
            payload = {"current_password": current, "new_password": new}
            return await client.post("/api/me/password", json=payload, headers=headers)

        wrong = await change("sai-mat-khau-1", NEW_PASSWORD)
        assert wrong.status == 400 and (await wrong.json())["error"] == "Mật khẩu hiện tại không đúng."
        weak = await change(PASSWORD, "ngan-1")
        assert weak.status == 400 and "ít nhất 12 ký tự" in (await weak.json())["error"]
        assert (
            await client.post("/api/me/password", json={"current_password": PASSWORD}, headers=headers)
        ).status == 400
        done = await change(PASSWORD, NEW_PASSWORD)
        assert done.status == 200 and (await done.json())["changed"] is True
        assert (await client.get("/api/dossiers", headers=headers)).status == 200
        ended = await client.get("/officer/dossiers", allow_redirects=False)
        assert ended.headers["Location"].startswith("/officer/login")
        again = await client.post("/api/auth/token", json={"username": "motcua", "password": NEW_PASSWORD})
        assert (await again.json())["must_change_password"] is False

    run_app(flagged_services, scenario)


def test_an_admin_reset_or_a_new_account_must_change_its_password(app_services):
    async def scenario(client):
        await login(client, "admin")
        token = CSRF.search(await (await client.get("/officer/admin")).text()).group(1)
        reset = await client.post(
            "/officer/admin/officers/tuphap2/password", data={"csrf_token": token, "password": NEW_PASSWORD}
        )
        assert "phải đổi mật khẩu khi đăng nhập lần sau" in await reset.text()
        admin_token = await client.post("/api/auth/token", json={"username": "admin", "password": PASSWORD})
        admin = {"Authorization": f"Bearer {(await admin_token.json())['access_token']}"}
        new_officer = {
            "username": "vhxh1",
            "full_name": "Bùi Thị Lan",
            "role": "specialist",
            "department": "VHXH",
            "password": "van-hoa-xa-hoi-2026",
        }
        assert (await client.post("/api/officers", json=new_officer, headers=admin)).status == 201
        weak = await client.post(
            "/api/officers", json={**new_officer, "username": "xa2", "password": "abc12345"}, headers=admin
        )
        assert weak.status == 400 and "ít nhất 12 ký tự" in (await weak.json())["error"]
        await client.post("/officer/logout", data={"csrf_token": token})
        for username, password in (("tuphap2", NEW_PASSWORD), ("vhxh1", "van-hoa-xa-hoi-2026")):
            signed_in = await login(client, username, password)
            assert signed_in.headers["Location"].startswith("/officer/password"), username
            await client.post(
                "/officer/logout",
                data={
                    "csrf_token": CSRF.search(await (await client.get("/officer/password")).text()).group(1)
                },
            )

    run_app(app_services, scenario)


def test_the_sign_in_settings_come_from_the_environment(monkeypatch):
    variables = {
        "DVC_OFFICER_SESSION_HOURS": "4",
        "DVC_OFFICER_IDLE_MINUTES": "15",
        "DVC_API_TOKEN_HOURS": "2",
        "DVC_API_TOKEN_IDLE_MINUTES": "0",
        "DVC_LOGIN_LOCKOUT_ATTEMPTS": "3",
        "DVC_LOGIN_LOCKOUT_MINUTES": "30",
        "DVC_PASSWORD_MIN_LENGTH": "14",
        "DVC_SIGN_IN_RATE_LIMIT": "10",
        "DVC_SIGN_IN_RATE_WINDOW_SECONDS": "600",
        "DVC_TRUST_PROXY": "1",
        "DVC_DEMO_SKIP_PASSWORD_CHANGE": "true",
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert load_settings().officers == OfficerSecuritySettings(
        web_session_hours=4,
        web_idle_minutes=15,
        api_token_hours=2,
        api_idle_minutes=0,
        lockout_threshold=3,
        lockout_minutes=30,
        min_password_length=14,
        sign_in_attempts=10,
        sign_in_window_seconds=600,
        trust_proxy=True,
        demo_skip_password_change=True,
    )
