"""An officer in real headless Chromium forwards a dossier the bot created; the citizen's chat widget then
says which department holds it, and shows the update the back-office pushed to the conversation."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Browser, expect

from bot.db.session import session_factory
from bot.officers.accounts import Accounts
from tests.browser.test_widget import SCREENSHOTS, bot_messages, browser  # noqa: F401  (fixture)
from tests.integration.test_dossier_conversations import fill_form, joined, otp_code

pytestmark = [pytest.mark.servers, pytest.mark.browser]

PASSWORD = "mat-khau-trinh-duyet-2026"
JUSTICE = "Công chức Tư pháp - Hộ tịch"
_phones = itertools.count(914000001)


def desk_officer(services) -> str:
    accounts = Accounts(session_factory(f"sqlite:///{services.var_dir / 'dvc.db'}"))
    existing = {department.code for department in accounts.list_departments()}
    for code, name in [("MOT_CUA", "Bộ phận Một cửa"), ("TU_PHAP", JUSTICE)]:
        if code not in existing:
            accounts.create_department(code, name)
    if accounts.get_officer("browser.motcua") is None:
        accounts.create_officer(  # a password of the officer's own: no forced change at sign-in
            "browser.motcua",
            "Trần Thị Lan",
            "desk",
            PASSWORD,
            "MOT_CUA",
            "Công chức Một cửa",
            must_change_password=False,
        )
    return "browser.motcua"


def test_officer_forwards_and_the_citizen_chat_names_the_department(services, citizen, browser: Browser):  # noqa: F811
    person, phone = citizen(), f"0{next(_phones)}"
    fill_form(person, "1.001193", phone)
    person.say("/affirm")
    code = re.search(r"Mã hồ sơ: (\S+)", joined(person.say(otp_code(services, phone)))).group(1)

    officer = browser.new_context(locale="vi-VN").new_page()
    officer.goto(f"{services.backoffice_url}/officer/dossiers")
    expect(officer).to_have_url(re.compile(r"/officer/login"))
    officer.fill("input[name=username]", desk_officer(services))
    officer.fill("input[name=password]", PASSWORD)
    officer.get_by_role("button", name="Đăng nhập").click()
    officer.get_by_role("link", name=code).click()
    expect(officer.locator("h1")).to_have_text(f"Hồ sơ {code}")
    officer.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    expect(officer.locator(".done")).to_contain_text("Tiếp nhận hồ sơ")
    forward = officer.locator("form", has=officer.locator("input[name=action][value=forward]"))
    forward.locator("select[name=department]").select_option(label=JUSTICE)
    forward.get_by_role("button", name="Chuyển phòng chuyên môn").click()
    # Forwarded to Tư pháp, the dossier leaves the desk's scope: back to the inbox, which says what was done.
    expect(officer).to_have_url(re.compile(r"/officer/dossiers\?done=forward"))
    expect(officer.locator(".done")).to_contain_text(f"Chuyển phòng chuyên môn (hồ sơ {code})")
    officer.screenshot(path=str(SCREENSHOTS / "officer-forwarded.png"), full_page=True)

    # The citizen's browser continues the conversation that submitted the dossier.
    context = browser.new_context(locale="vi-VN")
    context.add_init_script(
        f"localStorage.setItem('dvc-webchat:sender:{services.rasa_url}', '{person.sender}');"
    )
    chat = context.new_page()
    chat.goto(f"{services.backoffice_url}/")
    # The commune page's public statistics card (real script, real JSON) counts this dossier as in progress.
    expect(chat.locator("#dvc-stats-card")).to_contain_text("Tình hình giải quyết hồ sơ", timeout=15_000)
    expect(chat.locator("#dvc-stats-card")).to_contain_text("Tỉ lệ trễ hạn")
    chat.click("#dvc-chat-launcher")
    expect(bot_messages(chat).first).to_contain_text("Dạ, em chào anh/chị", timeout=30_000)
    chat.fill("#dvc-chat-input", "hồ sơ của tôi đang ở đâu")
    chat.press("#dvc-chat-input", "Enter")
    expect(bot_messages(chat).filter(has_text=f"Nơi giữ hồ sơ: {JUSTICE}")).to_have_count(1, timeout=30_000)
    # The officer's step also reaches the widget on its own (the back-office pushed it through Rasa).
    expect(bot_messages(chat).filter(has_text=f"được chuyển đến {JUSTICE}")).to_have_count(1, timeout=40_000)
    chat.screenshot(path=str(SCREENSHOTS / "citizen-status.png"), full_page=True)
    context.close()
