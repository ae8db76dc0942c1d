"""Photos and PDFs of the required papers, uploaded during a dossier form and kept with the dossier.

Files are checked by their content, not their name: JPEG, PNG or PDF only, at most 10 MB. They are stored
under `<DVC_VAR_DIR>/attachments/<upload id>` with a JSON sidecar; the form keeps the upload ids, the dossier
the list of attachments.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png", b"%PDF-": "application/pdf"}
_UPLOAD_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


class AttachmentRejectedError(ValueError):
    """The file is not accepted; the message is for the citizen (Vietnamese)."""


@dataclass(frozen=True)
class Attachment:
    upload_id: str
    filename: str
    content_type: str
    size: int
    sha256: str


def sniff(content: bytes) -> str | None:
    return next((kind for signature, kind in SIGNATURES.items() if content.startswith(signature)), None)


def _safe_name(filename: str) -> str:
    """The name shown to officers: letters (composed: phones send NFD names), digits, '.', '-', '_', spaces;
    never a path, nor '.' or '..'."""
    name = Path(unicodedata.normalize("NFC", filename or "tep")).name
    safe = re.sub(r"[^\w.\- ]", "_", name)[:100].strip()
    return safe if safe.strip(".") else "tep"


class AttachmentStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def save(self, filename: str, content: bytes) -> Attachment:
        if not content:
            raise AttachmentRejectedError("Dạ, tệp rỗng, anh/chị chọn lại tệp khác ạ.")
        if len(content) > MAX_BYTES:
            raise AttachmentRejectedError("Dạ, tệp lớn hơn 10 MB, anh/chị gửi ảnh nhỏ hơn hoặc nén PDF ạ.")
        kind = sniff(content)
        if kind is None:
            raise AttachmentRejectedError("Dạ, em chỉ nhận ảnh (JPG, PNG) hoặc tệp PDF ạ.")
        attachment = Attachment(
            upload_id=secrets.token_urlsafe(18),
            filename=_safe_name(filename),
            content_type=kind,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        folder = self.directory / attachment.upload_id
        folder.mkdir(parents=True, exist_ok=False)
        (folder / "content").write_bytes(content)
        meta = json.dumps(asdict(attachment), ensure_ascii=False)
        (folder / "meta.json").write_text(meta, encoding="utf-8")
        return attachment

    def get(self, upload_id: str) -> Attachment | None:
        if not _UPLOAD_ID.fullmatch(upload_id or ""):
            return None
        meta = self.directory / upload_id / "meta.json"
        if not meta.is_file():
            return None
        return Attachment(**json.loads(meta.read_text(encoding="utf-8")))

    def content(self, upload_id: str) -> bytes | None:
        return (self.directory / upload_id / "content").read_bytes() if self.get(upload_id) else None

    def stored(self) -> dict[str, datetime]:
        """Every upload kept, with when it was uploaded (UTC)."""
        if not self.directory.is_dir():
            return {}
        return {
            folder.name: datetime.fromtimestamp(folder.stat().st_mtime, timezone.utc)
            for folder in self.directory.iterdir()
            if folder.is_dir() and _UPLOAD_ID.fullmatch(folder.name)
        }

    def delete(self, upload_id: str) -> bool:
        """Remove an upload and its sidecar; False when there was none."""
        folder = self.directory / upload_id
        if not _UPLOAD_ID.fullmatch(upload_id or "") or not folder.is_dir():
            return False
        shutil.rmtree(folder)
        return True
