"""The back-office app serves the demo commune page, the widget script and a health endpoint."""

import json
import re
import urllib.request

import pytest

pytestmark = pytest.mark.servers


def fetch(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read().decode()


def test_demo_page_embeds_the_widget_with_one_script_tag(services):
    status, content_type, html = fetch(f"{services.backoffice_url}/")
    assert status == 200 and content_type.startswith("text/html")
    assert '<html lang="vi"' in html
    tags = re.findall(r"<script [^>]*widget\.js[^>]*>", html)
    assert len(tags) == 1
    assert f'data-server="{services.rasa_url}"' in tags[0]
    assert 'data-commune="Xã Tân Phú"' in tags[0]


def test_page_loads_nothing_from_outside(services):
    _, _, html = fetch(f"{services.backoffice_url}/")
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert [url for url in external if not url.startswith(services.rasa_url)] == []


def test_widget_script_is_served(services):
    status, content_type, script = fetch(f"{services.backoffice_url}/static/webchat/widget.js")
    assert status == 200 and "javascript" in content_type
    assert "/webhooks/rest/webhook" in script
    # Bot text must never be parsed as HTML (the browser test checks the rendering itself).
    assert not re.search(r"\.(innerHTML|outerHTML)\s*\+?=|insertAdjacentHTML|document\.write", script)


def test_health(services):
    status, _, body = fetch(f"{services.backoffice_url}/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok", "rasa": "ok"}
