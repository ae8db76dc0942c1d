"""Level 4 in a real browser: a citizen who filed a dossier by chat asks to pay, follows the VNPay link to
the development gateway, pays, and reads the receipt in the chat; the officer sees "Đã nộp lệ phí", uploads
the signed result and marks it ready; the chat then hands the citizen the result the way they chose
(online: a link to the file, which opens)."""

from __future__ import annotations

import re
import urllib.request

import pytest
from playwright.sync_api import Browser, expect

from bot.db.session import session_factory
from bot.officers.accounts import Accounts
from tests.browser.test_widget import SCREENSHOTS, bot_messages, browser  # noqa: F401  (fixture)
from tests.integration.test_dossier_conversations import fill_form, joined, otp_code
from tests.integration.test_dossier_status import PASSWORD, act, officers, token  # noqa: F401  (fixture)

pytestmark = [pytest.mark.servers, pytest.mark.browser]

RESULT_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def leader(services) -> str:
    accounts = Accounts(session_factory(f"sqlite:///{services.var_dir / 'dvc.db'}"))
    if accounts.get_officer("ttchutich") is None:
        accounts.create_officer(
            "ttchutich",
            "Nguyễn Văn Quang",
            "leader",
            PASSWORD,
            "TU_PHAP",
            "Chủ tịch UBND xã",
            must_change_password=False,
        )
    return token(services, "ttchutich")


def test_pay_in_the_browser_then_the_result_arrives_as_chosen(
    services,
    citizen,
    officers,  # noqa: F811
    browser: Browser,  # noqa: F811
    tmp_path,
):
    person, phone = citizen(), "0915000001"
    fill_form(person, "1.004873", phone, choose={"result_delivery": "Nhận trực tuyến"})
    person.say("/affirm")
    code = re.search(r"Mã hồ sơ: (\S+)", joined(person.say(otp_code(services, phone)))).group(1)

    # The citizen's browser continues the conversation that filed the dossier.
    context = browser.new_context(locale="vi-VN")
    context.add_init_script(
        f"localStorage.setItem('dvc-webchat:sender:{services.rasa_url}', '{person.sender}');"
    )
    chat = context.new_page()
    chat.goto(f"{services.backoffice_url}/")
    chat.click("#dvc-chat-launcher")
    expect(bot_messages(chat).first).to_contain_text("Dạ, em chào anh/chị", timeout=30_000)
    chat.fill("#dvc-chat-input", "thanh toán lệ phí")
    chat.press("#dvc-chat-input", "Enter")
    pay = chat.locator("a.dvc-link-button", has_text="Thanh toán 15.000 đồng qua VNPay")
    expect(pay).to_have_count(1, timeout=30_000)
    with context.expect_page() as opened:
        pay.click()
    gateway = opened.value
    expect(gateway.locator("#amount")).to_have_text("15.000 đồng")
    gateway.screenshot(path=str(SCREENSHOTS / "payment-gateway.png"), full_page=True)
    gateway.get_by_role("button", name="Thanh toán").click()
    expect(gateway.locator("#result")).to_have_text("Thanh toán thành công", timeout=15_000)
    gateway.close()
    receipt = bot_messages(chat).filter(has_text="em đã nhận lệ phí 15.000 đồng")
    expect(receipt).to_have_count(1, timeout=30_000)

    # The officer sees the payment, and the dossier goes through the workflow to the leader's approval.
    act(services, officers["ttmotcua"], code, "accept")
    act(services, officers["ttmotcua"], code, "forward", department="TU_PHAP")
    act(services, officers["tttuphap"], code, "assign", officer="tttuphap")
    act(services, officers["tttuphap"], code, "submit_for_signature")
    act(services, leader(services), code, "approve")
    desk = browser.new_context(locale="vi-VN").new_page()
    desk.goto(f"{services.backoffice_url}/officer/login")
    desk.fill("input[name=username]", "ttmotcua")
    desk.fill("input[name=password]", PASSWORD)
    desk.get_by_role("button", name="Đăng nhập").click()
    desk.goto(f"{services.backoffice_url}/officer/dossiers/{code}")
    expect(desk.locator("#fee")).to_contain_text("Đã nộp lệ phí")
    expect(desk.locator("#fee")).to_contain_text("qua VNPay (mã giao dịch")
    expect(desk.locator("#delivery")).to_contain_text("Nhận trực tuyến")
    result = tmp_path / "ket-qua.pdf"
    result.write_bytes(RESULT_PDF)
    ready = desk.locator("form", has=desk.locator("input[name=action][value=mark_result_ready]"))
    ready.locator("input[name=result_file]").set_input_files(str(result))
    ready.get_by_role("button", name="Kết quả đã sẵn sàng").click()
    expect(desk.locator(".done")).to_contain_text("Kết quả đã sẵn sàng")
    desk.screenshot(path=str(SCREENSHOTS / "officer-result-ready.png"), full_page=True)

    # The chat hands the result over as chosen: a link to the signed file, which opens.
    handed = bot_messages(chat).filter(has_text="tải bản điện tử")
    expect(handed).to_have_count(1, timeout=40_000)
    link = handed.locator("a").first.get_attribute("href")
    assert link and f"/dossiers/{code}/result.pdf?t=" in link
    with urllib.request.urlopen(link, timeout=30) as response:
        assert response.read() == RESULT_PDF
    chat.screenshot(path=str(SCREENSHOTS / "citizen-paid-and-result.png"), full_page=True)
    context.close()
