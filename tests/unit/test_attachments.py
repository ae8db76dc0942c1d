import pytest

from bot.dossiers.attachments import MAX_BYTES, AttachmentRejectedError, AttachmentStore

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"x" * 100


@pytest.mark.parametrize(
    ("content", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (PDF, "application/pdf")]
)
def test_accepted_kinds_are_sniffed_from_the_content(tmp_path, content, kind):
    store = AttachmentStore(tmp_path)
    saved = store.save("ảnh giấy tờ.jpg", content)
    assert saved.content_type == kind and saved.size == len(content)
    assert store.get(saved.upload_id) == saved
    assert store.content(saved.upload_id) == content


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "rỗng"),
        (b"MZ\x90\x00 executable", "chỉ nhận"),
        (b"<html>", "chỉ nhận"),
        (b"%PDF-" + b"x" * MAX_BYTES, "10 MB"),
    ],
)
def test_rejected_files_say_why_in_vietnamese(tmp_path, content, words):
    with pytest.raises(AttachmentRejectedError, match=words):
        AttachmentStore(tmp_path).save("tep.pdf", content)


def test_names_are_made_safe_and_ids_cannot_escape_the_folder(tmp_path):
    store = AttachmentStore(tmp_path / "a")
    saved = store.save("../../etc/passwd.pdf", PDF)
    assert saved.filename == "passwd.pdf"
    assert store.get("../../etc") is None and store.get("") is None and store.content("x" * 20) is None
