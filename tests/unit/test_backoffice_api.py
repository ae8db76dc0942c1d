"""The officers' JSON API on a real aiohttp test server and a real SQLite database (seeded demo data)."""

from datetime import datetime, timedelta, timezone

from aiohttp.test_utils import TestClient
from sqlalchemy import update

from backoffice.app import create_app
from backoffice.openapi import openapi_document
from bot.db.models import Dossier
from bot.workflow.states import RULES
from tests.unit.conftest import PASSWORD, codes_by_status, run_app


async def token_for(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post("/api/auth/token", json={"username": username, "password": password})
    assert response.status == 200, await response.text()
    body = await response.json()
    return {"Authorization": f"Bearer {body['access_token']}"}


def test_token_is_issued_and_refused(app_services):
    async def scenario(client):
        good = await client.post("/api/auth/token", json={"username": "motcua", "password": PASSWORD})
        body = await good.json()
        assert good.status == 200 and body["token_type"] == "bearer" and body["access_token"]
        assert datetime.fromisoformat(body["expires_at"]) > datetime.now(timezone.utc)
        bad = await client.post("/api/auth/token", json={"username": "motcua", "password": "sai-mat-khau"})
        assert bad.status == 401 and "error" in await bad.json()
        malformed = await client.post(
            "/api/auth/token", data=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert malformed.status == 400
        missing = await client.post("/api/auth/token", json={"username": "motcua"})
        assert missing.status == 400
        for _ in range(5):
            await client.post("/api/auth/token", json={"username": "congan", "password": "sai-mat-khau"})
        locked = await client.post("/api/auth/token", json={"username": "congan", "password": PASSWORD})
        body = await locked.json()
        assert locked.status == 423 and body["error"]
        assert datetime.fromisoformat(body["locked_until"]) > datetime.now(timezone.utc)

    run_app(app_services, scenario)


def test_routes_need_a_valid_api_bearer_token(app_services):
    web_session = app_services.authenticator.open_session(
        app_services.accounts.get_officer("motcua").id, "web"
    )

    async def scenario(client):
        statuses = []
        for headers in (
            {},
            {"Authorization": "Bearer nonsense"},
            {"Authorization": f"Bearer {web_session.token}"},  # a browser session is not an API token
            {"Authorization": "Basic bW90Y3VhOng="},
        ):
            response = await client.get("/api/dossiers", headers=headers)
            assert response.headers["WWW-Authenticate"] == "Bearer"
            assert "error" in await response.json()
            statuses.append(response.status)
        no_cookie_auth = await client.get("/api/me", cookies={"dvc_officer": web_session.token})
        statuses.append(no_cookie_auth.status)
        me = await client.get("/api/me", headers=await token_for(client, "motcua"))
        body = await me.json()
        assert (
            body["username"] == "motcua" and body["role"] == "desk" and body["department_code"] == "MOT_CUA"
        )
        return statuses

    assert run_app(app_services, scenario) == [401] * 5


def test_list_and_filter_dossiers(app_services):
    codes = codes_by_status(app_services)

    async def scenario(client):
        headers = await token_for(client, "chutich")  # the chairman sees every dossier (test_officer_access)

        async def items(query: str = "") -> list[str]:
            response = await client.get(f"/api/dossiers{query}", headers=headers)
            assert response.status == 200, await response.text()
            body = await response.json()
            assert body["count"] == len(body["items"])
            return [item["code"] for item in body["items"]]

        assert set(await items()) == set(codes.values())
        assert await items("?status=assigned") == [codes["assigned"]]
        assert set(await items("?department=TU_PHAP")) == {
            codes["forwarded"],
            codes["assigned"],
            codes["returned"],
        }
        tu_phap = next(d.id for d in app_services.accounts.list_departments() if d.code == "TU_PHAP")
        assert set(await items(f"?department={tu_phap}")) == set(await items("?department=TU_PHAP"))
        assert await items("?overdue=true") == []
        assert len(await items("?limit=2")) == 2
        procedure = app_services.workflow.get(codes["received"]).procedure_code
        assert await items(f"?procedure={procedure}") == [codes["received"]]
        with app_services.sessions() as session, session.begin():
            past = datetime.now(timezone.utc) - timedelta(days=10)
            session.execute(update(Dossier).where(Dossier.code == codes["forwarded"]).values(due_at=past))
        assert await items("?overdue=true") == [codes["forwarded"]]
        assert codes["forwarded"] not in await items("?overdue=false")
        listed = await (await client.get("/api/dossiers?status=forwarded", headers=headers)).json()
        summary = listed["items"][0]
        assert summary["timing"]["overdue"] is True and summary["timing"]["late_working_days"] >= 1
        assert summary["department"]["code"] == "TU_PHAP" and summary["status_label"]
        for bad in ("?limit=0", "?limit=501", "?status=bogus", "?overdue=maybe", "?department=NOPE"):
            response = await client.get(f"/api/dossiers{bad}", headers=headers)
            assert response.status == 400, bad

    run_app(app_services, scenario)


def test_dossier_detail(app_services):
    code = codes_by_status(app_services)["received"]

    async def scenario(client):
        headers = await token_for(client, "motcua")
        response = await client.get(f"/api/dossiers/{code}", headers=headers)
        body = await response.json()
        assert response.status == 200
        assert body["code"] == code and body["status"] == "received"
        assert body["answers"]["applicant_full_name"] == "Nguyễn Văn An"
        assert body["attachments"] == []
        assert [entry["action"] for entry in body["timeline"]] == ["submit"]
        assert {action["name"] for action in body["allowed_actions"]} == {
            "accept",
            "request_supplement",
            "reject",
        }
        assert set(body["timing"]) >= {"due_date", "overdue", "late_working_days", "paused", "finished"}
        missing = await client.get("/api/dossiers/NO-SUCH-CODE", headers=headers)
        assert missing.status == 404

    run_app(app_services, scenario)


def test_actions_and_each_error_kind(app_services):
    codes = codes_by_status(app_services)

    async def scenario(client):
        desk = await token_for(client, "motcua")

        async def act(headers, code, **body):
            response = await client.post(f"/api/dossiers/{code}/actions", json=body, headers=headers)
            return response.status, await response.json()

        status, body = await act(desk, codes["received"], action="accept")
        assert status == 200 and body["status"] == "accepted"
        assert {a["name"] for a in body["allowed_actions"]} >= {"forward"}
        status, body = await act(
            desk, codes["received"], action="forward", department="TU_PHAP", note="Chuyển xử lý"
        )
        assert status == 200 and body["department"]["code"] == "TU_PHAP"
        assert body["timeline"][-1]["note"] == "Chuyển xử lý"
        assert (await act(desk, codes["received"], action="fly"))[0] == 400  # invalid
        status, body = await act(desk, codes["assigned"], action="request_supplement", note="Bổ sung")
        assert status == 403 and body["kind"] == "forbidden"  # another department's dossier
        assert (await act(desk, "NO-SUCH-CODE", action="accept"))[0] == 404
        status, body = await act(desk, codes["returned"], action="accept")
        assert status == 409 and body["kind"] == "conflict" and body["error"]
        specialist = await token_for(client, "tuphap")
        status, body = await act(specialist, codes["received"], action="assign", officer="tuphap")
        assert status == 200 and body["officer"]["username"] == "tuphap"
        status, body = await act(specialist, codes["forwarded"], action="assign", officer="tuphap2")
        assert status == 400 and body["kind"] == "invalid"
        bad_json = await client.post(
            f"/api/dossiers/{codes['received']}/actions",
            data=b"[1, 2",
            headers={**desk, "Content-Type": "application/json"},
        )
        assert bad_json.status == 400
        no_action = await client.post(f"/api/dossiers/{codes['received']}/actions", json={}, headers=desk)
        assert no_action.status == 400

    run_app(app_services, scenario)
    assert app_services.workflow.get(codes["received"]).status == "assigned"


def test_departments_and_officers_contract(app_services):
    async def scenario(client):
        headers = await token_for(client, "tuphap")
        departments = await (await client.get("/api/departments", headers=headers)).json()
        assert isinstance(departments, list) and len(departments) == 6
        for department in departments:
            assert isinstance(department["id"], int) and isinstance(department["name"], str)
        assert {d["code"] for d in departments} >= {"MOT_CUA", "TU_PHAP", "LANH_DAO"}
        officers = await (await client.get("/api/officers?department=TU_PHAP", headers=headers)).json()
        assert {o["username"] for o in officers} == {"tuphap", "tuphap2"}
        assert set(officers[0]) >= {"id", "username", "full_name", "title", "role", "department_id"}
        everyone = await (await client.get("/api/officers", headers=headers)).json()
        assert len(everyone) == 7 and "password_hash" not in everyone[0]
        unknown = await client.get("/api/officers?department=NOPE", headers=headers)
        assert unknown.status == 400

    run_app(app_services, scenario)


def test_only_admins_create_departments_and_officers(app_services):
    async def scenario(client):
        desk = await token_for(client, "motcua")
        refused = await client.post(
            "/api/departments", json={"code": "DIA_CHINH", "name": "Địa chính"}, headers=desk
        )
        assert refused.status == 403
        officer = {"username": "x1", "full_name": "X", "role": "desk", "password": "12345678"}
        assert (await client.post("/api/officers", json=officer, headers=desk)).status == 403
        admin = await token_for(client, "admin")
        created = await client.post(
            "/api/departments", json={"code": "DIA_CHINH", "name": "Địa chính"}, headers=admin
        )
        body = await created.json()
        assert created.status == 201 and body["code"] == "DIA_CHINH" and isinstance(body["id"], int)
        again = await client.post(
            "/api/departments", json={"code": "DIA_CHINH", "name": "Địa chính"}, headers=admin
        )
        assert again.status == 400 and "đã tồn tại" in (await again.json())["error"]
        new_officer = {
            "username": "diachinh1",
            "full_name": "Ngô Văn Phúc",
            "role": "specialist",
            "department": "DIA_CHINH",
            "title": "Công chức Địa chính",
            "password": "mat-khau-moi-1",
        }
        made = await client.post("/api/officers", json=new_officer, headers=admin)
        body = await made.json()
        assert made.status == 201 and body["username"] == "diachinh1" and body["department_id"]
        short = await client.post(
            "/api/officers", json={**new_officer, "username": "x2", "password": "1"}, headers=admin
        )
        assert short.status == 400
        assert (await token_for(client, "diachinh1", "mat-khau-moi-1"))["Authorization"].startswith("Bearer ")

    run_app(app_services, scenario)


def api_routes(app) -> set[tuple[str, str]]:
    return {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/api/")
        and route.method not in ("OPTIONS", "HEAD")
    }


def test_openapi_describes_exactly_the_api_routes(app_services):
    app = create_app(app_services.settings, app_services, deliver_notifications=False)
    document = openapi_document()
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert documented == api_routes(app)
    assert document["openapi"] == "3.0.3"
    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    action_schema = document["components"]["schemas"]["ActionRequest"]["properties"]["action"]
    assert action_schema["enum"] == list(RULES)

    def references(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from references(value)
        elif isinstance(node, list):
            for value in node:
                yield from references(value)

    schemas = document["components"]["schemas"]
    assert all(ref.removeprefix("#/components/schemas/") in schemas for ref in references(document))

    async def scenario(client):
        response = await client.get("/api/openapi.json")  # public: no token
        assert response.status == 200
        assert await response.json() == document

    run_app(app_services, scenario)


def test_request_bodies_are_documented_by_the_models_that_validate_them(app_services):
    from backoffice.api_models import REQUEST_MODELS

    document = openapi_document()
    models = {model.__name__: model for model in REQUEST_MODELS}
    documented = {
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        for path in document["paths"].values()
        for operation in path.values()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    assert documented == set(models)
    for name, model in models.items():
        assert document["components"]["schemas"][name] == model.schema(
            ref_template="#/components/schemas/{model}"
        )
    code = codes_by_status(app_services)["received"]

    async def scenario(client):
        headers = await token_for(client, "motcua")
        answers = []
        for body in ({}, {"action": 5}, {"action": "a" * 101}, {"action": "accept", "department": True}):
            response = await client.post(f"/api/dossiers/{code}/actions", json=body, headers=headers)
            answers.append((response.status, (await response.json())["error"]))
        return answers

    answers = run_app(app_services, scenario)
    assert [status for status, _ in answers] == [400] * 4
    assert [error for _, error in answers] == [
        "Thiếu trường «action».",
        "Trường «action» sai kiểu dữ liệu.",
        "Trường «action» dài quá 100 ký tự.",
        "Trường «department» sai kiểu dữ liệu.",
    ]
