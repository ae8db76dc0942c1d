"""The officers' live chat pages on a real aiohttp test server and database: the department's queue, claiming,
messages both ways (the page's JSON polling and sending), release with a summary, callbacks closed, and
personal data masked for a role that does not handle citizens' files."""

import re

from sqlalchemy import select

from bot.db.models import Notification
from tests.unit.conftest import run_app
from tests.unit.test_officer_pages import csrf_token, login

REQUEST_LINK = re.compile(r"/officer/handover/(\d+)/claim")


def said_to(services, sender):
    with services.sessions() as session:
        rows = session.execute(
            select(Notification.text).where(Notification.sender_id == sender).order_by(Notification.id)
        )
        return [text for (text,) in rows]


def test_an_officer_claims_chats_and_releases_a_conversation_of_their_department(app_services):
    desk = app_services.handover_desk
    mine = desk.request("telegram", "5005", "TU_PHAP", "Đăng ký khai sinh (1.001193)", "asked")
    desk.request("zalo", "z-77", "CONG_AN", "Đăng ký thường trú", "asked")

    async def scenario(client):
        await login(client, "tuphap")
        queue = await client.get("/officer/handover")
        page = await queue.text()
        assert "Đăng ký khai sinh (1.001193)" in page and "Đăng ký thường trú" not in page
        assert REQUEST_LINK.findall(page) == [str(mine.request_id)]
        token = await csrf_token(client)

        claimed = await client.post(
            f"/officer/handover/{mine.request_id}/claim", data={"csrf_token": token}, allow_redirects=False
        )
        assert claimed.status == 302 and claimed.headers["Location"] == f"/officer/handover/{mine.request_id}"
        chat = await (await client.get(f"/officer/handover/{mine.request_id}")).text()
        assert "Trò chuyện trực tiếp" in chat and 'id="chat-send"' in chat

        sent = await client.post(
            f"/officer/handover/{mine.request_id}/messages",
            data={"csrf_token": token, "text": "Chào anh, tôi là cán bộ tư pháp."},
            headers={"Accept": "application/json"},
        )
        assert (await sent.json()) == {"sent": True}
        assert desk.relay("telegram", "5005", "Dạ cháu sinh ở nhà ạ") is True
        polled = await (await client.get(f"/officer/handover/{mine.request_id}/messages?after=0")).json()
        assert polled["status"] == "active"
        assert [(line["author"], line["text"]) for line in polled["lines"]] == [
            ("officer", "Chào anh, tôi là cán bộ tư pháp."),
            ("citizen", "Dạ cháu sinh ở nhà ạ"),
        ]
        first_id = polled["lines"][0]["id"]
        later_url = f"/officer/handover/{mine.request_id}/messages?after={first_id}"
        later = await (await client.get(later_url)).json()
        assert [line["author"] for line in later["lines"]] == ["citizen"]

        released = await client.post(
            f"/officer/handover/{mine.request_id}/release",
            data={"csrf_token": token, "summary": "Hướng dẫn khai sinh tại nhà"},
            allow_redirects=False,
        )
        assert released.status == 302
        after_release = await client.post(
            f"/officer/handover/{mine.request_id}/messages",
            data={"csrf_token": token, "text": "còn đó không"},
            headers={"Accept": "application/json"},
        )
        assert after_release.status == 409

    run_app(app_services, scenario)
    said = said_to(app_services, "5005")
    assert len(said) == 3
    assert said[1] == "Lê Văn Hùng: Chào anh, tôi là cán bộ tư pháp."
    assert "Tóm tắt: Hướng dẫn khai sinh tại nhà" in said[2]
    assert desk.relay("telegram", "5005", "cảm ơn") is False


def test_other_departments_cannot_open_or_claim_and_forged_posts_are_refused(app_services):
    ticket = app_services.handover_desk.request("rest", "web-1", "TU_PHAP", "", "asked")

    async def scenario(client):
        await login(client, "congan")
        assert (await client.get(f"/officer/handover/{ticket.request_id}")).status == 404
        token = await csrf_token(client)
        claim_url = f"/officer/handover/{ticket.request_id}/claim"
        refused = await client.post(claim_url, data={"csrf_token": token})
        assert refused.status == 409
        forged = await client.post(claim_url, data={"csrf_token": "x"})
        assert forged.status == 403
        assert (await client.get("/officer/handover/not-a-number")).status == 404

    run_app(app_services, scenario)
    assert app_services.handover_desk.holder("rest", "web-1") is None


def test_a_callback_number_is_clear_to_the_department_and_masked_for_the_admin(app_services):
    app_services.handover_desk.leave_message(
        "zalo", "z-5", "TU_PHAP", "Đăng ký kết hôn", "Gọi lại giúp tôi, số 0987654321", "0987654321"
    )
    request_id = app_services.handover_desk.queue(app_services.accounts.get_officer("admin"))[0].id

    def page_for(username):
        async def scenario(client):
            await login(client, username)
            return await (await client.get(f"/officer/handover/{request_id}")).text()

        return run_app(app_services, scenario)

    clear, masked = page_for("tuphap"), page_for("admin")
    assert "0987654321" in clear and "Lời nhắn ngoài giờ" in clear
    assert "0987654321" not in masked and "[số điện thoại]" in masked

    async def close(client):
        await login(client, "tuphap")
        token = await csrf_token(client)
        done = await client.post(
            f"/officer/handover/{request_id}/release",
            data={"csrf_token": token, "summary": "Đã gọi lại"},
            allow_redirects=False,
        )
        assert done.status == 302

    run_app(app_services, close)
    assert app_services.handover_desk.queue(app_services.accounts.get_officer("tuphap")) == []
