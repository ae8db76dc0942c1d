"""The back-office app serves the demo commune page, the widget script and a health endpoint."""

import json
import re
import urllib.error
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
    health = json.loads(body)
    assert {key: health[key] for key in ("status", "database", "rasa")} == {
        "status": "ok",
        "database": "ok",
        "rasa": "ok",
    }
    for channel in ("telegram", "zalo"):  # both configured in the test stack (fake platforms)
        line = health["channels"][channel]
        assert line["status"] in ("ok", "delayed") and line["failed"] >= 0 and "waiting" in line


def upload(services, filename: str, content: bytes) -> tuple[int, dict]:
    boundary = "dvc-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{services.backoffice_url}/api/uploads",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_upload_accepts_a_pdf_and_refuses_other_files(services):
    status, body = upload(services, "giấy chứng sinh.pdf", b"%PDF-1.4 test file")
    assert status == 201 and body["filename"] == "giấy chứng sinh.pdf" and len(body["upload_id"]) >= 16
    status, body = upload(services, "virus.pdf", b"MZ\x90\x00not a pdf")
    assert status == 400 and "chỉ nhận" in body["error"]
    status, _ = upload(services, "big.pdf", b"%PDF-" + b"x" * (11 * 1024 * 1024))
    assert status == 413
