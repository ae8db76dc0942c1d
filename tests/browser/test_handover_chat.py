"""An officer in headless Chromium claims a waiting conversation from the queue page and answers it; the
citizen's open widget shows the officer's message without a reload, and the citizen's reply appears on the
officer's page without one either; the citizen rates the released chat with the widget's buttons, and an
analytics officer finds it on the analytics and feedback pages. Screenshots of the queue, the chat, the
analytics page and the feedback go to test-results/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from bot.db.session import session_factory
from bot.officers.accounts import Accounts
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

    # The citizen rates the chat with the buttons under the officer's last message, and says why.
    chat.get_by_role("button", name="👎 Chưa hài lòng").last.click()
    expect(bot_messages(chat).last).to_contain_text("điều gì chưa đúng", timeout=30_000)
    chat.fill("#dvc-chat-input", "Cán bộ trả lời hơi chậm")
    chat.press("#dvc-chat-input", "Enter")
    expect(bot_messages(chat).last).to_contain_text("đã ghi nhận góp ý", timeout=30_000)
    context.close()

    # An analytics officer sees the chat, the handover and the rating on the analytics page.
    analyst = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900}).new_page()
    analyst.goto(f"{services.backoffice_url}/officer/analytics")
    analyst.fill("input[name=username]", analytics_officer(services))
    analyst.fill("input[name=password]", PASSWORD)
    analyst.get_by_role("button", name="Đăng nhập").click()
    expect(analyst).to_have_url(re.compile(r"/officer/analytics$"))
    expect(analyst.locator("h1")).to_have_text("Phân tích hoạt động của trợ lý")
    expect(analyst.locator("svg.chart")).to_have_count(4)
    assert int(analyst.locator("[data-figure=conversations]").inner_text()) >= 1
    analyst.screenshot(path=str(SCREENSHOTS / "analytics.png"), full_page=True)
    analyst.goto(f"{services.backoffice_url}/officer/feedback")
    expect(analyst.locator("#feedback-list")).to_contain_text("Cán bộ trả lời hơi chậm")
    analyst.get_by_role("link", name="Xem cuộc trò chuyện").first.click()
    expect(analyst.locator("#feedback-history")).to_contain_text("cho tôi gặp cán bộ")
    analyst.screenshot(path=str(SCREENSHOTS / "feedback.png"), full_page=True)


def analytics_officer(services) -> str:
    accounts = Accounts(session_factory(f"sqlite:///{services.var_dir / 'dvc.db'}"))
    if accounts.get_officer("browser.phantich") is None:
        accounts.create_officer(
            "browser.phantich",
            "Vũ Thị Lan",
            "analytics",
            PASSWORD,
            None,
            "Thống kê",
            must_change_password=False,
        )
    return "browser.phantich"
