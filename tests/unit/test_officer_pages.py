"""The officers' web pages on a real aiohttp test server and a real SQLite database (seeded demo data)."""

import re
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

from aiohttp.test_utils import TestClient
from sqlalchemy import update

from backoffice.officer_pages import vn_date, vn_datetime
from bot.db.models import Dossier
from tests.unit.conftest import PASSWORD, codes_by_status, run_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def login(client: TestClient, username: str, password: str = PASSWORD, next_url: str = ""):
    page = await client.get("/officer/login")
    token = CSRF.search(await page.text()).group(1)
    form = {"csrf_token": token, "username": username, "password": password, "next": next_url}
    return await client.post("/officer/login", data=form, allow_redirects=False)


async def csrf_token(client: TestClient) -> str:
    page = await client.get("/officer/dossiers")
    return CSRF.search(await page.text()).group(1)


def test_login_refuses_bad_password_then_opens_a_session(app_services):
    async def scenario(client):
        bad = await login(client, "motcua", "sai-mat-khau")
        assert bad.status == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in await bad.text()
        unknown = await login(client, "nobody", PASSWORD)
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in await unknown.text()
        good = await login(client, "motcua")
        assert good.status == 302 and good.headers["Location"] == "/officer/dossiers"
        cookie = next(v for v in good.headers.getall("Set-Cookie") if v.startswith("dvc_officer="))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain http in the test
        inbox = await client.get("/officer/dossiers")
        assert inbox.status == 200 and "Nguyễn Thị Thu Hà" in await inbox.text()
        again = await client.get("/officer/login", allow_redirects=False)
        assert again.status == 302  # already signed in
        logout = await client.post("/officer/logout", data={"csrf_token": await csrf_token(client)})
        assert "Đăng nhập cán bộ" in await logout.text()
        after = await client.get("/officer/dossiers", allow_redirects=False)
        assert after.status == 302 and after.headers["Location"].startswith("/officer/login")

    run_app(app_services, scenario)


def test_repeated_failures_lock_the_account_with_the_time(app_services):
    async def scenario(client):
        for _ in range(4):
            await login(client, "tuphap", "sai-mat-khau")
        locked = await login(client, "tuphap", "sai-mat-khau")
        assert re.search(r"Tài khoản tạm khóa đến \d\d:\d\d", await locked.text())
        still = await login(client, "tuphap")  # the right password does not open a locked account
        assert still.status != 302 and "Tài khoản tạm khóa đến" in await still.text()

    run_app(app_services, scenario)


def test_login_needs_its_pre_login_csrf_token(app_services):
    async def scenario(client):
        form = {"username": "motcua", "password": PASSWORD, "csrf_token": "forged"}
        refused = await client.post("/officer/login", data=form, allow_redirects=False)
        assert refused.status == 403 and "dvc_officer" not in refused.cookies

    run_app(app_services, scenario)


def test_logged_out_requests_redirect_to_login_with_a_relative_next(app_services):
    code = codes_by_status(app_services)["received"]

    async def scenario(client):
        home = await client.get("/officer/", allow_redirects=False)
        assert home.headers["Location"] == "/officer/dossiers"
        detail = await client.get(f"/officer/dossiers/{code}", allow_redirects=False)
        assert detail.status == 302
        assert unquote(detail.headers["Location"]) == f"/officer/login?next=/officer/dossiers/{code}"
        for path in ("/officer/admin", f"/officer/dossiers/{code}/declaration.pdf"):
            response = await client.get(path, allow_redirects=False)
            assert response.status == 302 and response.headers["Location"].startswith("/officer/login")
        back = await login(client, "motcua", next_url=f"/officer/dossiers/{code}")
        assert back.headers["Location"] == f"/officer/dossiers/{code}"
        await client.post("/officer/logout", data={"csrf_token": await csrf_token(client)})
        evil = await login(client, "motcua", next_url="//evil.example/phish")
        assert evil.headers["Location"] == "/officer/dossiers"

    run_app(app_services, scenario)


def test_posts_without_the_session_csrf_token_are_refused(app_services):
    code = codes_by_status(app_services)["received"]

    async def scenario(client):
        await login(client, "motcua")
        missing = await client.post(f"/officer/dossiers/{code}/actions", data={"action": "accept"})
        wrong = await client.post(
            f"/officer/dossiers/{code}/actions", data={"action": "accept", "csrf_token": "wrong"}
        )
        logout = await client.post("/officer/logout", data={})
        return missing.status, wrong.status, logout.status

    assert run_app(app_services, scenario) == (403, 403, 403)
    assert app_services.workflow.get(code).status == "received"


def test_inbox_filters_by_status_department_and_overdue(app_services):
    codes = codes_by_status(app_services)
    with app_services.sessions() as session, session.begin():
        past = datetime.now(timezone.utc) - timedelta(days=10)
        session.execute(update(Dossier).where(Dossier.code == codes["forwarded"]).values(due_at=past))
    tu_phap = next(d.id for d in app_services.accounts.list_departments() if d.code == "TU_PHAP")

    async def scenario(client):
        await login(client, "tuphap")
        everything = await (await client.get("/officer/dossiers")).text()
        received = await (await client.get("/officer/dossiers?status=received")).text()
        department = await (await client.get(f"/officer/dossiers?department={tu_phap}")).text()
        overdue = await (await client.get("/officer/dossiers?overdue=1")).text()
        return everything, received, department, overdue

    everything, received, department, overdue = run_app(app_services, scenario)
    held_by_tu_phap = {codes["forwarded"], codes["assigned"], codes["returned"]}
    assert {code for code in codes.values() if code in everything} == held_by_tu_phap  # scoped inbox
    assert f'href="/officer/dossiers?department={tu_phap}">Hồ sơ của phòng tôi' in everything
    assert codes["received"] not in received and codes["assigned"] not in received  # at the desk: not theirs
    assert {codes["forwarded"], codes["assigned"], codes["returned"]} == {
        code for code in codes.values() if code in department
    }
    assert codes["forwarded"] in overdue and codes["received"] not in overdue
    assert re.search(r"Trễ \d+ ngày", overdue)


def test_detail_shows_labelled_answers_timeline_and_only_allowed_actions(app_services):
    code = codes_by_status(app_services)["received"]
    view = app_services.workflow.get(code)
    form = app_services.forms[view.procedure_code]

    async def scenario(client):
        await login(client, "motcua")
        desk = await (await client.get(f"/officer/dossiers/{code}")).text()
        await client.post("/officer/logout", data={"csrf_token": await csrf_token(client)})
        await login(client, "chutich")
        leader = await (await client.get(f"/officer/dossiers/{code}")).text()
        return desk, leader

    desk, leader = run_app(app_services, scenario)
    for field in form.fields:
        assert f">{field.label}</th>" in desk.replace("&#34;", '"')
    assert "Nguyễn Văn An" in desk and "Công dân nộp hồ sơ" in desk
    assert f"/officer/dossiers/{code}/declaration.pdf" in desk
    shown = set(re.findall(r'name="action" value="(\w+)"', desk))
    assert shown == {"accept", "request_supplement", "reject"}
    assert set(re.findall(r'name="action" value="(\w+)"', leader)) == set()  # the chairman only signs


def test_forwarding_through_the_page_and_a_wrong_department_gets_403(app_services):
    code = codes_by_status(app_services)["received"]
    tu_phap = next(d.id for d in app_services.accounts.list_departments() if d.code == "TU_PHAP")

    async def scenario(client):
        await login(client, "motcua")
        token = await csrf_token(client)
        accepted = await client.post(
            f"/officer/dossiers/{code}/actions",
            data={"csrf_token": token, "action": "accept", "note": ""},
            allow_redirects=False,
        )
        assert accepted.status == 302 and accepted.headers["Location"].endswith("?done=accept")
        page = await (await client.get(f"/officer/dossiers/{code}")).text()
        assert 'name="department"' in page and "Công chức Tư pháp - Hộ tịch" in page
        missing_note = await client.post(
            f"/officer/dossiers/{code}/actions", data={"csrf_token": token, "action": "reject"}
        )
        assert missing_note.status == 400 and "ghi rõ lý do từ chối" in await missing_note.text()
        forwarded = await client.post(
            f"/officer/dossiers/{code}/actions",
            data={"csrf_token": token, "action": "forward", "department": str(tu_phap), "note": ""},
        )
        # Out of the desk's scope now: back to the inbox, which says what was done.
        assert forwarded.url.path == "/officer/dossiers"
        assert f"Đã thực hiện: Chuyển phòng chuyên môn (hồ sơ {code})" in await forwarded.text()
        await client.post("/officer/logout", data={"csrf_token": token})
        await login(client, "congan")
        refused = await client.post(
            f"/officer/dossiers/{code}/actions",
            data={"csrf_token": await csrf_token(client), "action": "assign", "officer": "congan"},
        )
        assert refused.status == 403
        assert "Hồ sơ này không thuộc phạm vi xử lý của anh/chị." in await refused.text()

    run_app(app_services, scenario)
    view = app_services.workflow.get(code)
    assert view.status == "forwarded" and view.department.code == "TU_PHAP"


def test_assign_form_lists_the_holding_departments_specialists(app_services):
    code = codes_by_status(app_services)["forwarded"]

    async def scenario(client):
        await login(client, "tuphap2")
        page = await (await client.get(f"/officer/dossiers/{code}")).text()
        assert 'name="action" value="assign"' in page
        assert "Lê Văn Hùng" in page and "Phạm Thị Mai" in page and "Đỗ Minh Tuấn" not in page
        tuphap2 = app_services.accounts.get_officer("tuphap2").id
        done = await client.post(
            f"/officer/dossiers/{code}/actions",
            data={"csrf_token": await csrf_token(client), "action": "assign", "officer": str(tuphap2)},
        )
        assert "Đã thực hiện: Phân công chuyên viên" in await done.text()

    run_app(app_services, scenario)
    assert app_services.workflow.get(code).officer.username == "tuphap2"


def test_attachments_only_of_this_dossier_and_the_declaration_pdf(app_services):
    attached = app_services.attachments.save("giay-chung-sinh.png", PNG)
    other = app_services.attachments.save("khac.png", PNG)
    form = app_services.forms["1.001193"]
    view = app_services.workflow.get(codes_by_status(app_services)["forwarded"])  # a birth registration
    code = app_services.dossiers.submit(
        form=form,
        procedure=None,
        answers=view.answers,
        channel="rest",
        sender_id="s",
        phone_hash="h",
        idempotency_key="with-attachment",
        attachments=[{"upload_id": attached.upload_id, "filename": attached.filename}],
    ).code

    async def scenario(client):
        await login(client, "motcua")
        page = await (await client.get(f"/officer/dossiers/{code}")).text()
        assert f"/officer/dossiers/{code}/attachments/{attached.upload_id}" in page
        good = await client.get(f"/officer/dossiers/{code}/attachments/{attached.upload_id}")
        assert good.status == 200 and good.content_type == "image/png" and await good.read() == PNG
        foreign = await client.get(f"/officer/dossiers/{code}/attachments/{other.upload_id}")
        assert foreign.status == 404
        pdf = await client.get(f"/officer/dossiers/{code}/declaration.pdf")
        assert pdf.content_type == "application/pdf" and (await pdf.read()).startswith(b"%PDF")
        unknown = await client.get("/officer/dossiers/NO-SUCH-CODE")
        assert unknown.status == 404

    run_app(app_services, scenario)


def test_admin_creates_an_officer_who_can_then_sign_in(app_services):
    async def scenario(client):
        await login(client, "motcua")
        forbidden = await client.get("/officer/admin")
        assert forbidden.status == 403 and "quản trị" in await forbidden.text()
        await client.post("/officer/logout", data={"csrf_token": await csrf_token(client)})
        await login(client, "admin")
        page = await (await client.get("/officer/admin")).text()
        assert "Công an xã" in page and "motcua" in page
        token = CSRF.search(page).group(1)
        new_officer = {
            "csrf_token": token,
            "username": "vhxh1",
            "full_name": "Bùi Thị Lan",
            "title": "Công chức Văn hóa - Xã hội",
            "role": "specialist",
            "department": "VHXH",
            "password": "mat-khau-moi-1",
        }
        created = await client.post("/officer/admin/officers", data=new_officer)
        assert "Đã tạo tài khoản cán bộ." in await created.text() and "Bùi Thị Lan" in await created.text()
        duplicate = await client.post("/officer/admin/officers", data=new_officer)
        assert duplicate.status == 400 and "đã tồn tại" in await duplicate.text()
        department = await client.post(
            "/officer/admin/departments", data={"csrf_token": token, "code": "DIA_CHINH", "name": "Địa chính"}
        )
        assert "Đã tạo phòng ban." in await department.text()
        no_csrf = await client.post("/officer/admin/departments", data={"code": "X", "name": "X"})
        assert no_csrf.status == 403
        deactivated = await client.post(
            "/officer/admin/officers/congan/active", data={"csrf_token": token, "active": "0"}
        )
        assert "Đã vô hiệu hoá" in await deactivated.text()
        reset = await client.post(
            "/officer/admin/officers/tuphap2/password",
            data={"csrf_token": token, "password": "lich-lam-viec-9"},
        )
        assert "Đã đặt lại mật khẩu" in await reset.text()
        await client.post("/officer/logout", data={"csrf_token": token})
        signed_in = await login(client, "vhxh1", "mat-khau-moi-1")
        assert signed_in.status == 302
        await client.post("/officer/logout", data={"csrf_token": await csrf_token(client)})
        assert (await login(client, "congan")).status == 401
        assert (await login(client, "tuphap2", "lich-lam-viec-9")).status == 302

    run_app(app_services, scenario)
    assert "DIA_CHINH" in {d.code for d in app_services.accounts.list_departments()}


def test_admin_unlocks_a_locked_officer(app_services):
    async def scenario(client):
        for _ in range(5):
            await login(client, "congan", "sai-mat-khau")
        await login(client, "admin")
        page = await (await client.get("/officer/admin")).text()
        assert "Tạm khóa đến" in page
        unlocked = await client.post(
            "/officer/admin/officers/congan/unlock", data={"csrf_token": CSRF.search(page).group(1)}
        )
        assert "Đã mở khoá tài khoản." in await unlocked.text()

    run_app(app_services, scenario)
    assert app_services.accounts.get_officer("congan").locked_until is None


def test_applicant_names_are_escaped(app_services):
    form = app_services.forms["1.001193"]
    view = app_services.workflow.get(codes_by_status(app_services)["forwarded"])  # a birth registration
    answers = {**view.answers, form.applicant_name_field: '<script>alert("x")</script>'}
    code = app_services.dossiers.submit(
        form=form,
        procedure=None,
        answers=answers,
        channel="rest",
        sender_id="s",
        phone_hash="h",
        idempotency_key="malicious",
    ).code

    async def scenario(client):
        await login(client, "motcua")
        inbox = await (await client.get("/officer/dossiers")).text()
        detail = await (await client.get(f"/officer/dossiers/{code}")).text()
        return inbox, detail

    for page in run_app(app_services, scenario):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert" in page


def test_dates_are_shown_on_vietnams_clock_whatever_the_servers_zone(monkeypatch):
    """A naive datetime (as SQLite hands it back) is UTC, not the server's local time."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        filed = datetime(2025, 11, 21, 23, 30)  # 06:30 on 22/11 in Vietnam
        assert vn_datetime(filed) == "22/11/2025 06:30"
        assert vn_date(filed) == "22/11/2025"
        assert vn_datetime(filed.replace(tzinfo=timezone.utc)) == "22/11/2025 06:30"
    finally:
        monkeypatch.undo()
        time.tzset()
