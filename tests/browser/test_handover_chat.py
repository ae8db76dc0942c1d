"""An officer in headless Chromium claims a waiting conversation from the queue page and answers it; the
citizen's open widget shows the officer's message without a reload, and the citizen's reply appears on the
officer's page without one either. Screenshots of the queue and the chat go to test-results/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_officer_backoffice import PASSWORD, desk_officer
from tests.browser.test_widget import SCREENSHOTS, bot_messages, browser  # noqa: F401  (fixture)
from tests.browser.test_widget_push import citizens_widget

pytestmark = [pytest.mark.servers, pytest.mark.browser]


def test_an_officer_claims_a_chat_and_both_see_each_other_at_once(services, browser: Browser):  # noqa: F811
    context, chat, _ = citizens_widget(services, browser, f"browser-handover-{id(browser)}", poll_ms=600_000)
    chat.click("#dvc-chat-launcher")
    expect(bot_messages(chat).first).to_contain_text("Dạ, em chào anh/chị", timeout=30_000)
    chat.fill("#dvc-chat-input", "cho tôi gặp cán bộ")
    chat.press("#dvc-chat-input", "Enter")
    expect(bot_messages(chat).last).to_contain_text("vị trí số", timeout=30_000)

    officer = browser.new_context(locale="vi-VN").new_page()
    officer.goto(f"{services.backoffice_url}/officer/handover")
    officer.fill("input[name=username]", desk_officer(services))
    officer.fill("input[name=password]", PASSWORD)
    officer.get_by_role("button", name="Đăng nhập").click()
    expect(officer).to_have_url(re.compile(r"/officer/handover$"))
    expect(officer.locator("#handover-queue")).to_contain_text("Người dân yêu cầu")
    SCREENSHOTS.mkdir(exist_ok=True)
    officer.screenshot(path=str(SCREENSHOTS / "handover-queue.png"), full_page=True)
    officer.get_by_role("button", name="Nhận trò chuyện").last.click()
    expect(officer.locator("h1")).to_have_text("Trò chuyện với người dân")
    expect(officer.locator("section").first).to_contain_text("cho tôi gặp cán bộ")  # the conversation so far

    expect(bot_messages(chat).last).to_contain_text("đã nhận trò chuyện", timeout=10_000)
    officer.fill("#chat-send textarea", "Chào anh/chị, tôi là cán bộ Một cửa. Anh/chị cần hỏi gì ạ?")
    officer.get_by_role("button", name="Gửi").click()
    expect(bot_messages(chat).last).to_contain_text("tôi là cán bộ Một cửa", timeout=10_000)

    chat.fill("#dvc-chat-input", "Tôi cần làm lại giấy khai sinh bị mất")
    chat.press("#dvc-chat-input", "Enter")
    expect(officer.locator("#chat-lines .line.citizen").last).to_contain_text(
        "giấy khai sinh bị mất", timeout=10_000
    )
    officer.screenshot(path=str(SCREENSHOTS / "handover-chat.png"), full_page=True)

    officer.fill("input[name=summary]", "Hướng dẫn cấp bản sao trích lục khai sinh")
    officer.get_by_role("button", name="Kết thúc, trả lại cho trợ lý").click()
    expect(officer.locator(".done")).to_contain_text("trợ lý tiếp tục")
    expect(bot_messages(chat).last).to_contain_text("Tóm tắt: Hướng dẫn cấp bản sao", timeout=10_000)
    context.close()
