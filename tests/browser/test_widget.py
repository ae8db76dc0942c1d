"""The chat widget in real headless Chromium, on the demo commune page, against the real Rasa server."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

pytestmark = [pytest.mark.servers, pytest.mark.browser]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"
# Flags from env/machines/python.md: no background networking on this offline machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def bot_messages(page: Page):
    return page.locator("#dvc-chat-messages .dvc-msg.dvc-bot")


def test_chat_greets_answers_follows_buttons_and_survives_a_reload(services, page: Page):
    page.goto(f"{services.backoffice_url}/")
    page.click("#dvc-chat-launcher")
    # Opening an empty conversation greets the citizen with the main features as quick replies.
    expect(bot_messages(page).first).to_contain_text("Dạ, em chào anh/chị", timeout=30_000)
    expect(page.locator(".dvc-quick-reply")).to_have_count(5)

    page.fill("#dvc-chat-input", "xin chào")
    page.press("#dvc-chat-input", "Enter")
    expect(page.locator(".dvc-msg.dvc-user").last).to_have_text("xin chào")
    expect(bot_messages(page)).to_have_count(2, timeout=30_000)
    expect(bot_messages(page).last).to_contain_text("Dạ, em chào anh/chị")

    page.get_by_role("button", name="Các mức độ dịch vụ công").last.click()
    expect(page.locator(".dvc-msg.dvc-user").last).to_have_text("Các mức độ dịch vụ công")
    expect(bot_messages(page).last).to_contain_text("Mức 4", timeout=30_000)
    before_reload = page.locator("#dvc-chat-messages .dvc-msg").all_inner_texts()
    sender = page.evaluate(
        "Object.keys(localStorage).filter(k => k.includes('sender')).map(k => localStorage[k])"
    )

    page.reload()
    expect(page.locator("#dvc-chat-panel")).to_be_visible()
    assert page.locator("#dvc-chat-messages .dvc-msg").all_inner_texts() == before_reload
    assert (
        page.evaluate("Object.keys(localStorage).filter(k => k.includes('sender')).map(k => localStorage[k])")
        == sender
    )
    # The server side of the conversation continues too: a thank-you after the reload gets its answer.
    page.fill("#dvc-chat-input", "cảm ơn em")
    page.click("#dvc-chat-send")
    expect(bot_messages(page).last).to_contain_text("Dạ, không có gì", timeout=30_000)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "widget-desktop.png"))


def test_bot_text_is_shown_as_text_never_as_html(services, page: Page):
    hostile = '<b>in đậm</b> <img src=x onerror="window.__pwned=1"> https://dichvucong.gov.vn'

    # The only stand-in: this one reply, to check rendering of markup the real bot never sends.
    def reply_with_markup(route):
        route.fulfill(
            status=200,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
            body=json.dumps([{"recipient_id": "x", "text": hostile}]),
        )

    page.goto(f"{services.backoffice_url}/")
    page.click("#dvc-chat-launcher")
    expect(bot_messages(page).first).to_contain_text("Dạ, em chào", timeout=30_000)
    page.route("**/webhooks/rest/webhook", reply_with_markup)
    page.fill("#dvc-chat-input", "thử")
    page.press("#dvc-chat-input", "Enter")
    last = bot_messages(page).last
    expect(last).to_contain_text("<b>in đậm</b>")
    assert last.locator("b, img").count() == 0
    assert page.evaluate("window.__pwned") is None
    link = last.locator("a")
    expect(link).to_have_attribute("href", "https://dichvucong.gov.vn")
    expect(link).to_have_attribute("rel", "noopener noreferrer")


def test_usable_at_phone_width(services, browser: Browser):
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{services.backoffice_url}/")
    page.click("#dvc-chat-launcher")
    expect(bot_messages(page).first).to_contain_text("Dạ", timeout=30_000)
    box = page.locator("#dvc-chat-panel").bounding_box()
    assert box is not None and box["width"] >= 380 and box["x"] <= 5
    send = page.locator("#dvc-chat-send").bounding_box()
    assert send is not None and send["height"] >= 40
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "widget-phone.png"))
    context.close()


def test_server_down_shows_an_error_and_retry_keeps_the_message(services, page: Page):
    page.goto(f"{services.backoffice_url}/")
    page.click("#dvc-chat-launcher")
    expect(bot_messages(page).first).to_contain_text("Dạ", timeout=30_000)
    page.route("**/webhooks/rest/webhook", lambda route: route.abort("connectionrefused"))
    page.fill("#dvc-chat-input", "toàn trình là gì")
    page.press("#dvc-chat-input", "Enter")
    expect(page.locator(".dvc-msg.dvc-error")).to_contain_text("thử lại")
    expect(page.locator(".dvc-msg.dvc-user").last).to_have_text("toàn trình là gì")
    page.unroute("**/webhooks/rest/webhook")
    page.click(".dvc-retry")
    expect(bot_messages(page).last).to_contain_text("toàn trình", timeout=30_000)


def test_a_photo_of_a_paper_is_attached_during_a_dossier_form(services, page: Page, tmp_path):
    photo = tmp_path / "giay-chung-sinh.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    page.goto(f"{services.backoffice_url}/")
    page.click("#dvc-chat-launcher")
    expect(bot_messages(page).first).to_contain_text("Dạ", timeout=30_000)
    page.fill("#dvc-chat-input", "tôi muốn nộp hồ sơ khai sinh")
    page.press("#dvc-chat-input", "Enter")
    expect(bot_messages(page).last).to_contain_text("Nghị định 13/2023", timeout=30_000)
    page.get_by_role("button", name="Đồng ý", exact=True).last.click()
    expect(bot_messages(page).last).to_contain_text("Bước 1/", timeout=30_000)
    page.set_input_files("#dvc-chat-file", str(photo))
    expect(page.locator(".dvc-msg.dvc-user").last).to_have_text("📎 giay-chung-sinh.png", timeout=30_000)
    expect(page.locator("#dvc-chat-messages")).to_contain_text('em đã nhận tệp "giay-chung-sinh.png"')
    expect(bot_messages(page).last).to_contain_text("Bước 1/")  # the same question is asked again
