"""Paying a fee from the chat, across real processes: the citizen files a dossier over Rasa's REST channel,
gets the VNPay link, pays on the development gateway (served by the back-office, signing as VNPay does),
the gateway's IPN records the payment, the receipt is pushed into the chat and the officer sees it."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.integration.test_dossier_conversations import fill_form, joined, otp_code
from tests.integration.test_dossier_status import CODE, bot_texts, officers, wait_for  # noqa: F401 (fixture)

pytestmark = pytest.mark.servers


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def links(replies: list[dict]) -> list[dict]:
    return [link for reply in replies for link in (reply.get("custom") or {}).get("dvc", {}).get("links", [])]


def files(replies: list[dict]) -> list[dict]:
    return [item for reply in replies for item in (reply.get("custom") or {}).get("dvc", {}).get("files", [])]


def pay_on_the_gateway(url: str, decision: str = "pay") -> str:
    """Open the gateway's page as a browser would, press the button; returns where the browser is sent."""
    with urllib.request.urlopen(url, timeout=30) as response:
        page = response.read().decode()
    assert "15.000 đồng" in page and "Thanh toán" in page
    fields = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    pay_url = url.split("/vpcpay.html")[0] + "/pay"
    body = urllib.parse.urlencode({**fields, "decision": decision}).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(urllib.request.Request(pay_url, data=body, method="POST"), timeout=30)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302
        return redirect.headers["Location"]
    raise AssertionError("the gateway did not send the browser back")


def test_a_citizen_pays_the_fee_from_the_chat_and_gets_the_receipt_there(services, citizen, officers):  # noqa: F811
    person, phone = citizen(), "0914000001"
    summary = fill_form(person, "1.004873", phone)  # the commune's fee table: 15.000 đồng
    assert "• Lệ phí: 15.000 đồng" in summary
    person.say("/affirm")
    replies = person.say(otp_code(services, phone))
    code = CODE.search(joined(replies)).group(1)
    assert "Phí, lệ phí: 15.000 đồng" in joined(replies)
    [link] = links(replies)
    assert link["url"].startswith(f"{services.backoffice_url}/payments/dev-gateway/vpcpay.html?")
    assert any(item["content_type"] == "image/png" for item in files(replies))  # the VietQR transfer
    again = links(person.say("thanh toán lệ phí"))
    assert [item["url"] for item in again] == [link["url"]]  # the same order, never a second one

    back = pay_on_the_gateway(link["url"])
    with urllib.request.urlopen(back, timeout=30) as response:
        assert "Thanh toán thành công" in response.read().decode()

    def receipt() -> list[str]:
        return [text for text in bot_texts(services, person.sender) if "em đã nhận lệ phí" in text]

    [pushed] = wait_for(receipt)
    assert "15.000 đồng" in pushed and code in pushed
    assert "không có lệ phí nào cần nộp" in joined(person.say("thanh toán lệ phí"))
    assert "đã nộp lệ phí lúc" in joined(person.say(f"thanh toán hồ sơ {code}"))
    with urllib.request.urlopen(
        f"{services.backoffice_url}/payments/vnpay/ipn?{urllib.parse.urlsplit(back).query}"
    ) as r:
        assert json.loads(r.read()) == {"RspCode": "02", "Message": "Order already confirmed"}
    request = urllib.request.Request(
        f"{services.backoffice_url}/api/dossiers/{code}",
        headers={"Authorization": f"Bearer {officers['ttmotcua']}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        dossier = json.loads(response.read())
    assert dossier["fee_paid"] and "qua VNPay (mã giao dịch" in dossier["fee_receipt"]
