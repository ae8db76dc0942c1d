"""How the result comes back: online as a tokenised file link (the officer must upload the PDF first), by
post (the tracking number is required), or at the desk (address, hours, what to bring); an officer of the
desk can change the citizen's choice, which the citizen is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Notification
from bot.dossiers import delivery
from bot.dossiers.delivery import DeskInfo, ResultDelivery, ResultFiles
from bot.dossiers.submission import DossierService
from bot.settings import DEMO_AGENCY_CODE
from bot.workflow.permissions import WorkflowError
from bot.workflow.service import WorkflowService
from bot.workflow.states import RESULT_READY
from tests.unit.dossier_fixtures import BIRTH, FORM
from tests.unit.test_workflow import CALENDAR, world  # noqa: F401 (fixture)

PDF = b"%PDF-1.7\n% signed result\n"
DESK = DeskInfo("Bộ phận Một cửa", "UBND xã Tân Phú, thôn 2", "Thứ Hai đến Thứ Sáu, 7h30–17h00")
TO_APPROVAL = [
    ("accept", "motcua", {}),
    ("forward", "motcua", {"department": "TU_PHAP"}),
    ("assign", "truongtp", {"officer": "tuphap1"}),
    ("submit_for_signature", "tuphap1", {}),
    ("approve", "chutich", {}),
]


@pytest.fixture
def office(world, tmp_path):  # noqa: F811
    _, sessions, clock, people, _ = world
    files = ResultFiles(tmp_path / "results")
    results = ResultDelivery(
        files, DESK, lambda code: f"https://xa.example.vn/dossiers/{code}/result.pdf?t=abc"
    )
    workflow = WorkflowService(sessions, CALENDAR, clock=clock, delivery=results)

    def approved(choice: str, address: str = "") -> str:
        answers = {"applicant_full_name": "Nguyễn Văn An", "applicant_phone": "0912345678"}
        answers[delivery.FIELD] = choice
        if address:
            answers[delivery.ADDRESS_FIELD] = address
        code = (
            DossierService(sessions, CALENDAR, clock=clock, agency_code=DEMO_AGENCY_CODE)
            .submit(
                form=FORM,
                procedure=BIRTH,
                answers=answers,
                channel="zalo",
                sender_id="zalo-7",
                phone_hash="h",
                idempotency_key=f"k-{choice}-{address}",
            )
            .code
        )
        for action, who, options in TO_APPROVAL:
            clock.now += timedelta(minutes=30)
            workflow.perform(code, action, people[who], **options)
        return code

    return workflow, files, sessions, people, approved


def last_message(sessions) -> str:
    with sessions() as session:
        return session.execute(
            select(Notification.text).order_by(Notification.id.desc()).limit(1)
        ).scalar_one()


def test_online_needs_the_result_file_then_the_citizen_gets_its_link(office):
    workflow, files, sessions, people, approved = office
    code = approved(delivery.ONLINE)
    with pytest.raises(WorkflowError, match="tải lên tệp kết quả"):
        workflow.perform(code, "mark_result_ready", people["motcua"])
    with pytest.raises(ValueError, match="PDF"):
        files.save(code, b"<html>not a pdf</html>")
    files.save(code, PDF)
    assert workflow.perform(code, "mark_result_ready", people["motcua"]).status == RESULT_READY
    message = last_message(sessions)
    assert f"https://xa.example.vn/dossiers/{code}/result.pdf?t=abc" in message and "chữ ký số" in message
    assert files.get(code) == PDF


def test_by_post_needs_the_tracking_number_and_names_the_address(office):
    workflow, _, sessions, people, approved = office
    code = approved(delivery.BY_POST, "Số 12, thôn Đông, xã Tân Phú")
    with pytest.raises(WorkflowError, match="mã bưu gửi"):
        workflow.perform(code, "mark_result_ready", people["motcua"])
    workflow.perform(code, "mark_result_ready", people["motcua"], note="EL123456789VN")
    message = last_message(sessions)
    assert "Số 12, thôn Đông, xã Tân Phú" in message and "EL123456789VN" in message


def test_at_the_desk_says_where_when_and_what_to_bring(office):
    workflow, _, sessions, people, approved = office
    code = approved(delivery.AT_DESK)
    workflow.perform(code, "mark_result_ready", people["motcua"])
    message = last_message(sessions)
    assert "UBND xã Tân Phú, thôn 2" in message and "Thứ Hai đến Thứ Sáu" in message and "căn cước" in message
    assert "8.000 đồng" in message  # the fixture's fee, not paid online


def test_the_desk_changes_the_choice_and_the_citizen_is_told(office):
    workflow, _, sessions, people, approved = office
    code = approved(delivery.AT_DESK)
    with pytest.raises(WorkflowError, match="địa chỉ"):
        workflow.change_delivery(code, people["motcua"], delivery.BY_POST, "")
    with pytest.raises(WorkflowError, match="Một cửa"):
        workflow.change_delivery(code, people["tuphap1"], delivery.ONLINE)
    with pytest.raises(WorkflowError, match="một trong"):
        workflow.change_delivery(code, people["motcua"], "Gửi bồ câu")
    view = workflow.change_delivery(code, people["motcua"], delivery.BY_POST, "Số 5, thôn Tây")
    assert view.answers[delivery.FIELD] == delivery.BY_POST and view.timeline[-1].action == "change_delivery"
    assert "Qua bưu điện (Số 5, thôn Tây)" in last_message(sessions) and code in last_message(sessions)
    view = workflow.change_delivery(code, people["motcua"], delivery.ONLINE)
    assert delivery.ADDRESS_FIELD not in view.answers


def test_the_api_uploads_the_result_and_the_citizen_downloads_it_by_its_link(app_services):
    from urllib.parse import urlsplit

    from tests.unit.conftest import codes_by_status, run_app
    from tests.unit.test_backoffice_api import token_for

    code = codes_by_status(app_services)["assigned"]
    link = urlsplit(app_services.result_url(code))

    async def scenario(client):
        for who, action in (("tuphap", "submit_for_signature"), ("chutich", "approve")):
            done = await client.post(
                f"/api/dossiers/{code}/actions", json={"action": action}, headers=await token_for(client, who)
            )
            assert done.status == 200, await done.text()
        desk = await token_for(client, "motcua")
        changed = await client.post(
            f"/api/dossiers/{code}/delivery", json={"delivery": delivery.ONLINE}, headers=desk
        )
        assert changed.status == 200 and (await changed.json())["result_delivery"] == delivery.ONLINE
        refused = await client.post(
            f"/api/dossiers/{code}/actions", json={"action": "mark_result_ready"}, headers=desk
        )
        assert refused.status == 400 and "tệp kết quả" in (await refused.json())["error"]
        not_pdf = await client.put(f"/api/dossiers/{code}/result", data=b"hello", headers=desk)
        assert not_pdf.status == 400
        stored = await client.put(f"/api/dossiers/{code}/result", data=PDF, headers=desk)
        assert stored.status == 200
        ready = await client.post(
            f"/api/dossiers/{code}/actions", json={"action": "mark_result_ready"}, headers=desk
        )
        assert ready.status == 200
        assert (await client.get(f"{link.path}?t=wrong")).status == 404
        download = await client.get(f"{link.path}?{link.query}")
        assert download.status == 200 and await download.read() == PDF

    run_app(app_services, scenario)
