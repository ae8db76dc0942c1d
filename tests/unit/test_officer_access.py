"""Officers' access by department and role, route by route (pages and API), and the audit log it leaves.

The expectations are written out here by hand, from the rules the README states, not computed from
bot/workflow/permissions.py: the test is the specification the code must meet."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from backoffice.app import create_app
from bot.dossiers import delivery
from bot.officers.accounts import CHAIRMAN, LEADER
from bot.officers.audit import AuditFilter
from tests.unit.conftest import PASSWORD, codes_by_status, run_app
from tests.unit.test_backoffice_api import token_for
from tests.unit.test_officer_pages import login

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

# Who sees which dossier. AT_DESK: just submitted, held by the one-stop desk. IN_TU_PHAP: forwarded to and
# assigned in Tư pháp. DECIDED_TU_PHAP: approved by the chairman and returned (held by Tư pháp).
AT_DESK, IN_TU_PHAP, DECIDED_TU_PHAP = "received", "assigned", "returned"
SEES = {
    "admin": {AT_DESK, IN_TU_PHAP, DECIDED_TU_PHAP},
    "chutich": {AT_DESK, IN_TU_PHAP, DECIDED_TU_PHAP},  # the commune's chairman: everything, read-only
    "motcua": {AT_DESK, DECIDED_TU_PHAP},  # the desk: its own stage and every decided dossier
    "tuphap": {IN_TU_PHAP, DECIDED_TU_PHAP},  # specialist of the holding department
    "truongtp": {IN_TU_PHAP, DECIDED_TU_PHAP},  # leader of the holding department
    "congan": set(),  # specialist of another department
    "truongca": set(),  # leader of another department
    "phantich": set(),  # analytics: the analytics page and feedback, no dossier
}
UPLOADS_RESULTS = {"admin", "motcua"}
ADMINS = {"admin"}


@pytest.fixture
def commune(app_services):
    app_services.accounts.create_officer(
        "truongtp", "Trưởng phòng Tư pháp", LEADER, PASSWORD, "TU_PHAP", must_change_password=False
    )
    app_services.accounts.create_officer(
        "truongca", "Trưởng Công an xã", LEADER, PASSWORD, "CONG_AN", must_change_password=False
    )
    assert app_services.accounts.get_officer("chutich").role == CHAIRMAN
    codes = codes_by_status(app_services)
    return app_services, {placement: codes[placement] for placement in (AT_DESK, IN_TU_PHAP, DECIDED_TU_PHAP)}


def dossier_routes(code: str, upload: str = "nope") -> list[tuple[str, str, str]]:
    """(kind, method, path) of every route that reads or changes one dossier."""
    return [
        ("api", "GET", f"/api/dossiers/{code}"),
        ("api", "POST", f"/api/dossiers/{code}/actions"),
        ("api", "POST", f"/api/dossiers/{code}/delivery"),
        ("api", "PUT", f"/api/dossiers/{code}/result"),
        ("page", "GET", f"/officer/dossiers/{code}"),
        ("page", "POST", f"/officer/dossiers/{code}/actions"),
        ("page", "POST", f"/officer/dossiers/{code}/delivery"),
        ("page", "GET", f"/officer/dossiers/{code}/attachments/{upload}"),
        ("page", "GET", f"/officer/dossiers/{code}/declaration.pdf"),
        ("page", "GET", f"/officer/dossiers/{code}/result.pdf"),
    ]


def admin_routes(username: str = "tuphap") -> list[tuple[str, str, str]]:
    return [
        ("api", "GET", "/api/audit"),
        ("api", "POST", "/api/departments"),
        ("api", "POST", "/api/officers"),
        ("page", "GET", "/officer/admin"),
        ("page", "GET", "/officer/admin/audit"),
        ("page", "POST", "/officer/admin/departments"),
        ("page", "POST", "/officer/admin/officers"),
        ("page", "POST", f"/officer/admin/officers/{username}/active"),
        ("page", "POST", f"/officer/admin/officers/{username}/password"),
        ("page", "POST", f"/officer/admin/officers/{username}/unlock"),
    ]


LIST_ROUTES = [("api", "GET", "/api/dossiers"), ("page", "GET", "/officer/dossiers")]
# The live chat with a citizen (bot/handover): the queue of one's department (the desk and admins: every
# department's), and one conversation of it.
HANDOVER_QUEUE = "/officer/handover"
HANDOVER_SEES_TU_PHAP = {"admin", "motcua", "tuphap", "truongtp"}


def handover_routes(request_id: str) -> list[tuple[str, str, str]]:
    return [
        ("page", "GET", f"/officer/handover/{request_id}"),
        ("page", "GET", f"/officer/handover/{request_id}/messages"),
        ("page", "POST", f"/officer/handover/{request_id}/messages"),
        ("page", "POST", f"/officer/handover/{request_id}/claim"),
        ("page", "POST", f"/officer/handover/{request_id}/release"),
    ]


# The analytics page (bot/analytics) and citizens' feedback (bot/feedback): who may read which.
ANALYTICS_ROUTES = [
    ("page", "GET", "/officer/analytics"),
    ("page", "GET", "/officer/analytics/export.csv"),
    ("page", "POST", "/officer/analytics/wordings"),
    ("page", "POST", "/officer/analytics/wordings/{wording_id}/approve"),
    ("page", "POST", "/officer/analytics/wordings/{wording_id}/reject"),
]
FEEDBACK_ROUTES = [("page", "GET", "/officer/feedback"), ("page", "GET", "/officer/feedback/{feedback_id}")]
READS_ANALYTICS = {"admin", "phantich"}
READS_FEEDBACK = {"admin", "phantich", "motcua", "chutich"}


# Routes any signed-in officer may use, or that come before signing in: listed so that a new route cannot be
# added without deciding who may use it (test_every_route_is_in_the_table).
OPEN_ROUTES = {
    "/api/auth/token",
    "/api/openapi.json",
    "/api/me",
    "/api/me/password",
    "/api/departments",
    "/api/officers",
    "/officer",
    "/officer/",
    "/officer/login",
    "/officer/logout",
    "/officer/password",
}
# Citizens' routes under /api/: no officer data behind them (statistics, the widget's uploads).
CITIZEN_ROUTES = {"/api/statistics", "/api/uploads"}


def shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def body_for(method: str, path: str, kind: str, csrf: str) -> dict:
    if path.endswith("/actions"):
        # return_result is possible from result_ready only, which none of these dossiers is in: a 409 says
        # the officer reached the dossier, a 403 that they may not.
        fields = {"action": "return_result"}
    elif path.endswith("/delivery"):
        fields = {"delivery": delivery.AT_DESK, "address": ""}
    elif "/admin/" in path or path in ("/api/departments", "/api/officers"):
        fields = {"code": "", "name": ""}
    else:
        fields = {}
    if kind == "api":
        return {"json": fields} if method == "POST" else {"data": b"%PDF-1.4 test"} if method == "PUT" else {}
    return {"data": {**fields, "csrf_token": csrf}} if method == "POST" else {}


async def call(client: TestClient, auth: dict, kind: str, method: str, path: str, csrf: str):
    headers = auth if kind == "api" else {}
    response = await client.request(
        method, path, headers=headers, allow_redirects=False, **body_for(method, path, kind, csrf)
    )
    return response.status, (await response.read()).decode("utf-8", "replace")


async def signed_in(client: TestClient, username: str) -> tuple[dict, str]:
    auth = await token_for(client, username)
    assert (await login(client, username)).status == 302
    page = await client.get("/officer/dossiers")
    return auth, CSRF.search(await page.text()).group(1)


def test_every_route_is_in_the_table(commune):
    services, _ = commune
    app = create_app(services.settings, services, deliver_notifications=False)
    rows = dossier_routes("{code}", "{upload}") + admin_routes("{username}") + LIST_ROUTES
    rows += handover_routes("{request_id}") + ANALYTICS_ROUTES + FEEDBACK_ROUTES
    table = {shape(path) for _, _, path in rows} | OPEN_ROUTES | CITIZEN_ROUTES | {HANDOVER_QUEUE}
    officer_routes = {
        shape(resource.canonical)
        for resource in app.router.resources()
        if resource.canonical.startswith(("/officer", "/api/"))
    }
    assert officer_routes - table == set(), "routes without a row in the access table"


@pytest.mark.parametrize("username", sorted(SEES))
def test_a_live_chat_is_open_to_its_department_the_desk_and_admins_only(commune, username):
    services, _ = commune
    ticket = services.handover_desk.request("rest", f"web-{username}", "TU_PHAP", "Khai sinh", "asked")

    async def scenario(client):
        await signed_in(client, username)
        queue = await (await client.get(HANDOVER_QUEUE)).text()
        chat = await client.get(f"/officer/handover/{ticket.request_id}")
        lines = await client.get(f"/officer/handover/{ticket.request_id}/messages")
        return f"/officer/handover/{ticket.request_id}/claim" in queue, chat.status, lines.status

    listed, chat, lines = run_app(services, scenario)
    sees = username in HANDOVER_SEES_TU_PHAP
    assert (listed, chat, lines) == ((True, 200, 200) if sees else (False, 404, 404))


@pytest.mark.parametrize("username", sorted(SEES))
def test_analytics_and_feedback_by_role(commune, username):
    services, _ = commune
    rated = services.feedback.rate("rest", "web-citizen", "answer", "1.001193", "bad")
    proposed = services.wordings.propose(
        services.accounts.get_officer("admin").id, "khai sinh cho bé", "1.001193"
    )

    async def scenario(client):
        _, csrf = await signed_in(client, username)
        statuses = {}
        for _kind, method, path in ANALYTICS_ROUTES + FEEDBACK_ROUTES:
            real = path.replace("{wording_id}", str(proposed.id)).replace("{feedback_id}", str(rated))
            data = {"csrf_token": csrf, "wording": "", "procedure_code": ""} if method == "POST" else None
            response = await client.request(method, real, data=data, allow_redirects=False)
            statuses[path] = response.status
        return statuses

    statuses = run_app(services, scenario)
    for path, status in statuses.items():
        allowed = READS_FEEDBACK if path.startswith("/officer/feedback") else READS_ANALYTICS
        if username in allowed:
            # 302: done, back to the page; 409: reached, but refused (empty proposal, reviewed twice)
            assert status in (200, 302, 409), (username, path, status)
        else:
            assert status == 403, (username, path, status)


@pytest.mark.parametrize("username", sorted(SEES))
def test_dossier_routes_by_role_and_department(commune, username):
    services, codes = commune

    async def scenario(client):
        auth, csrf = await signed_in(client, username)
        outcomes = {}
        for placement, code in codes.items():
            for kind, method, path in dossier_routes(code):
                status, text = await call(client, auth, kind, method, path, csrf)
                outcomes[(placement, kind, method, path.replace(code, "{code}"))] = (status, text)
            for kind, method, path in LIST_ROUTES:
                status, text = await call(client, auth, kind, method, path, csrf)
                assert status == 200, (path, status)
                outcomes[(placement, kind, "LIST", path)] = (200, str(code in text))
        return outcomes

    outcomes = run_app(services, scenario)
    for (placement, _kind, method, path), (status, text) in outcomes.items():
        sees = placement in SEES[username]
        where = f"{username} {method} {path} on the dossier {placement}: {status}"
        if method == "LIST":
            assert text == str(sees), f"{where}: listed={text}"
            continue
        may = sees and (not path.endswith("/result") or username in UPLOADS_RESULTS)
        if path.endswith("/delivery"):
            may = sees and username in UPLOADS_RESULTS
        if not may:
            assert status == 403, where
            assert "Traceback" not in text
            continue
        assert status != 403, where
        assert status < 500, where
        if path.endswith("/actions"):
            assert status == 409, where  # reached the dossier; the action is not possible in its state
        if path in (
            "/api/dossiers/{code}",
            "/officer/dossiers/{code}",
            "/officer/dossiers/{code}/declaration.pdf",
        ):
            assert status == 200, where


@pytest.mark.parametrize("username", sorted(set(SEES) - ADMINS))
def test_administration_is_for_admins_only(commune, username):
    services, _ = commune

    async def scenario(client):
        auth, csrf = await signed_in(client, username)
        return [
            (path, (await call(client, auth, kind, method, path, csrf))[0])
            for kind, method, path in admin_routes()
        ]

    assert all(status == 403 for _, status in run_app(services, scenario)), run_app(services, scenario)


def test_the_audit_log_records_views_downloads_and_refusals(commune):
    services, codes = commune

    async def scenario(client):
        auth, _ = await signed_in(client, "tuphap")
        assert (await client.get(f"/officer/dossiers/{codes[IN_TU_PHAP]}")).status == 200
        pdf = await client.get(f"/officer/dossiers/{codes[IN_TU_PHAP]}/declaration.pdf")
        assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")
        assert (await client.get(f"/api/dossiers/{codes[IN_TU_PHAP]}", headers=auth)).status == 200
        assert (await client.get(f"/officer/dossiers/{codes[AT_DESK]}")).status == 403
        admin_auth = await token_for(client, "admin")
        refused = await client.get("/api/audit", headers=auth)
        assert refused.status == 403
        listed = await client.get(
            f"/api/audit?officer=tuphap&dossier={codes[IN_TU_PHAP]}", headers=admin_auth
        )
        by_dossier = (await listed.json())["items"]
        everything = (await (await client.get("/api/audit?officer=tuphap", headers=admin_auth)).json())[
            "items"
        ]
        assert (await client.get("/officer/admin/audit?officer=tuphap")).status == 403
        return by_dossier, everything

    by_dossier, everything = run_app(services, scenario)
    assert [item["action"] for item in reversed(by_dossier)] == ["view", "declaration", "view"]
    assert all(item["officer"] == "tuphap" and item["allowed"] for item in by_dossier)
    refusal = [item for item in everything if not item["allowed"]]
    assert [(item["action"], item["dossier"]) for item in refusal] == [("view", codes[AT_DESK])]
    stored = services.audit_log.list(AuditFilter(username="tuphap"))
    assert len(stored) == 4 and {entry.role for entry in stored} == {"specialist"}


def test_the_admin_reads_the_audit_log_on_its_page(commune):
    services, codes = commune

    async def scenario(client):
        await signed_in(client, "motcua")
        await client.get(f"/officer/dossiers/{codes[AT_DESK]}")
        await client.get(f"/officer/dossiers/{codes[IN_TU_PHAP]}")
        await client.post(
            "/officer/logout",
            data={"csrf_token": CSRF.search(await (await client.get("/officer/dossiers")).text()).group(1)},
        )
        await signed_in(client, "admin")
        page = await client.get("/officer/admin/audit?officer=motcua")
        return page.status, await page.text()

    status, html = run_app(services, scenario)
    assert status == 200
    assert html.count("<tr") == 3  # the header and two entries
    assert "Xem hồ sơ" in html and "Bị từ chối" in html and codes[IN_TU_PHAP] in html


def test_a_leader_signs_only_for_their_department_and_the_chairman_only_what_is_submitted(commune):
    services, codes = commune
    people = {
        name: services.accounts.get_officer(name) for name in ("truongca", "truongtp", "chutich", "tuphap")
    }
    code = codes[IN_TU_PHAP]
    services.workflow.perform(code, "submit_for_signature", people["tuphap"])
    from bot.workflow.permissions import WorkflowError

    with pytest.raises(WorkflowError) as other_leader:
        services.workflow.perform(code, "approve", people["truongca"])
    assert other_leader.value.kind == "forbidden"
    with pytest.raises(WorkflowError) as chairman_early:
        services.workflow.perform(codes[AT_DESK], "reject", people["chutich"], note="Không đủ điều kiện")
    assert chairman_early.value.kind == "forbidden"
    assert services.workflow.perform(code, "approve", people["chutich"]).status == "approved"
