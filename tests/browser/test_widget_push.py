"""The back-office pushes an officer's step to the citizen's open widget over Server-Sent Events: it shows up
within seconds, without a reload, and without the widget polling (its poll interval is set to 10 minutes).
Where EventSource is missing, the widget polls instead."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.test_widget import bot_messages, browser  # noqa: F401  (fixture)
from tests.integration.test_dossier_status import act, officers, submit  # noqa: F401  (fixture)

pytestmark = [pytest.mark.servers, pytest.mark.browser]

PUSH_DEADLINE_SECONDS = 2.0
# The real demo page, with data-poll-ms added to the widget's tag before the (deferred) script runs. (A page
# rewritten by page.route loses its loopback address space: Chromium then blocks the widget's calls to Rasa.)
SET_POLL_INTERVAL = """
new MutationObserver(function (records, observer) {
  var tag = document.querySelector('script[src*="widget.js"]');
  if (tag) { tag.setAttribute('data-poll-ms', 'POLL_MS'); observer.disconnect(); }
}).observe(document, { childList: true, subtree: true });
"""


def citizens_widget(
    services,
    chromium: Browser,
    sender: str,
    poll_ms: int,
    init_script: str = "",
) -> tuple[BrowserContext, Page, list[str]]:
    """The demo page continuing the conversation `sender`, its widget polling every poll_ms; and the list
    of the widget's polls (/webchat/updates requests) so far."""
    context = chromium.new_context(locale="vi-VN")
    context.add_init_script(
        f"localStorage.setItem('dvc-webchat:sender:{services.rasa_url}', '{sender}');{init_script}"
        + SET_POLL_INTERVAL.replace("POLL_MS", str(poll_ms))
    )
    chat = context.new_page()
    polls: list[str] = []
    chat.on("request", lambda request: "/webchat/updates" in request.url and polls.append(request.url))
    chat.goto(f"{services.backoffice_url}/")
    return context, chat, polls


def test_an_officers_step_appears_in_the_open_widget_at_once(services, citizen, officers, browser: Browser):  # noqa: F811
    person = citizen()
    code = submit(services, person)
    context, chat, polls = citizens_widget(services, browser, person.sender, poll_ms=600_000)
    with chat.expect_response(lambda response: "/webchat/events?" in response.url) as stream:
        chat.click("#dvc-chat-launcher")  # the greeting starts the conversation, and the stream
        expect(bot_messages(chat).first).to_contain_text("Dạ, em chào anh/chị", timeout=30_000)
    assert stream.value.status == 200

    accepted = bot_messages(chat).filter(has_text=code).filter(has_text="đã tiếp nhận")
    act(services, officers["ttmotcua"], code, "accept")
    returned = time.monotonic()
    while accepted.count() == 0 and time.monotonic() - returned < 10:
        time.sleep(0.02)
    elapsed = time.monotonic() - returned
    print(f"officer's step shown in the widget {elapsed:.2f} s after the API call returned")
    assert accepted.count() == 1 and elapsed <= PUSH_DEADLINE_SECONDS, f"{elapsed:.2f} s"
    assert polls == []

    # After a reload the stream starts after the last update shown: the step is not repeated.
    chat.reload()
    expect(bot_messages(chat).filter(has_text=code)).to_have_count(1)
    chat.wait_for_timeout(1_500)
    assert accepted.count() == 1 and polls == []
    context.close()


def test_without_event_source_the_widget_polls(services, citizen, officers, browser: Browser):  # noqa: F811
    person = citizen()
    code = submit(services, person)
    context, chat, polls = citizens_widget(
        services, browser, person.sender, poll_ms=500, init_script="delete window.EventSource;"
    )
    chat.click("#dvc-chat-launcher")
    expect(bot_messages(chat).first).to_contain_text("Dạ, em chào anh/chị", timeout=30_000)
    act(services, officers["ttmotcua"], code, "accept")
    accepted = bot_messages(chat).filter(has_text=code).filter(has_text="đã tiếp nhận")
    expect(accepted).to_have_count(1, timeout=10_000)
    chat.wait_for_timeout(1_500)  # more polls: nothing is shown twice
    assert accepted.count() == 1 and len(polls) >= 3
    context.close()
