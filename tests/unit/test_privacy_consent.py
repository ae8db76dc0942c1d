"""The consent notice's version (data/consent.yml) and what officers see of a dossier's consent."""

import hashlib
from datetime import datetime, timezone

import pytest
from sqlalchemy import update

from bot.db.models import Dossier
from bot.privacy.consent import ConsentNoticeError, default_notice, load_notice
from tests.unit.conftest import codes_by_status, run_app
from tests.unit.test_backoffice_api import token_for
from tests.unit.test_officer_pages import login


def test_the_shipped_notice_is_versioned_by_its_label_and_the_hash_of_its_exact_text():
    notice = default_notice()
    assert "Nghị định 13/2023/NĐ-CP" in notice.text and notice.text.endswith("không ạ?")
    label, digest = notice.version.split("/")
    assert label == notice.label and digest == hashlib.sha256(notice.text.encode()).hexdigest()[:12]
    assert len(notice.version) <= 64  # the dossier's column


def test_any_edit_of_the_text_changes_the_version(tmp_path):
    path = tmp_path / "consent.yml"
    path.write_text('version: "v1"\ntext: "Anh/chị đồng ý không ạ?"\n', encoding="utf-8")
    first = load_notice(path)
    path.write_text('version: "v1"\ntext: "Anh/chị đồng ý không ạ ?"\n', encoding="utf-8")
    assert load_notice(path).version != first.version and first.version.startswith("v1/")


@pytest.mark.parametrize(
    "content", ['version: "v1"\n', 'text: "Đồng ý không ạ?"\n', 'version: "a/b"\ntext: "Đồng ý không ạ?"\n']
)
def test_a_notice_without_text_or_a_usable_label_is_refused(tmp_path, content):
    path = tmp_path / "consent.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConsentNoticeError):
        load_notice(path)


def test_officers_see_when_and_to_which_notice_the_citizen_consented(app_services):
    code = codes_by_status(app_services)["received"]
    given = datetime(2026, 11, 20, 3, 5, tzinfo=timezone.utc)
    with app_services.sessions() as session, session.begin():
        session.execute(
            update(Dossier).where(Dossier.code == code).values(consent_version="v1/abc", consent_at=given)
        )

    async def scenario(client):
        body = await (
            await client.get(f"/api/dossiers/{code}", headers=await token_for(client, "motcua"))
        ).json()
        assert body["consent"] == {"version": "v1/abc", "given_at": "2026-11-20T03:05:00+00:00"}
        assert body["personal_data_erased_at"] is None
        await login(client, "motcua")
        page = await (await client.get(f"/officer/dossiers/{code}")).text()
        assert "Đồng ý xử lý dữ liệu cá nhân:</strong> 20/11/2026 10:05 (văn bản v1/abc)" in page

    run_app(app_services, scenario)
