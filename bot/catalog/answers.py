"""Answers about one procedure, built only from what the catalogue says, in short readable messages.

Every answer names the procedure as the catalogue does, with its code, and ends with the source; where
the catalogue is silent or unclear the answer says so ("Danh mục không nêu…") instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.catalog.model import (
    FULLY_ONLINE,
    IN_PERSON,
    IN_PERSON_ONLY,
    ONLINE,
    PARTLY_ONLINE,
    POSTAL,
    Channel,
    Document,
    Procedure,
)
from bot.replies import Button, Reply, intent_payload
from bot.text.money import money

MESSAGE_LIMIT = 900  # characters; chat bubbles longer than this are hard to read on a phone
LIST_LIMIT = 12  # items shown before "… và N mục khác"
CLIP_LIMIT = 320  # characters of one step, document or note before "…" (the full text is on the portal)

OVERVIEW = "overview"
DOCUMENTS = "documents"
FEE = "fee"
TIME = "time"
WHERE = "where"
STEPS = "steps"
LEGAL = "legal"
CONDITIONS = "conditions"
RESULT = "result"
FORMS = "forms"
ASPECTS = (OVERVIEW, DOCUMENTS, FEE, TIME, WHERE, STEPS, LEGAL, CONDITIONS, RESULT, FORMS)

ASPECT_BUTTON_TITLES = {
    DOCUMENTS: "Hồ sơ cần gì?",
    FEE: "Lệ phí",
    TIME: "Thời hạn giải quyết",
    WHERE: "Nộp ở đâu, nộp thế nào?",
    STEPS: "Trình tự thực hiện",
    FORMS: "Mẫu đơn, tờ khai",
    CONDITIONS: "Điều kiện",
    LEGAL: "Căn cứ pháp lý",
    RESULT: "Kết quả nhận được",
}

ONLINE_CLASS_TEXT = {
    FULLY_ONLINE: "dịch vụ công trực tuyến toàn trình (làm trọn trên mạng)",
    PARTLY_ONLINE: "có nộp hồ sơ trực tuyến (danh mục không ghi là toàn trình)",
    IN_PERSON_ONLY: "chưa có hình thức nộp trực tuyến trong danh mục (nộp trực tiếp hoặc qua bưu chính)",
}


def aspect_payload(aspect: str, code: str) -> str:
    return intent_payload("ask_aspect", aspect=aspect, procedure_code=code)


def choose_payload(code: str) -> str:
    return intent_payload("choose_procedure", procedure_code=code)


def title(procedure: Procedure) -> str:
    """The catalogue's name, quoted, with the code: 'thủ tục "Đăng ký thường trú" (mã 1.004222)'."""
    prefix = "" if procedure.name.lower().startswith("thủ tục") else "thủ tục "
    return f'{prefix}"{procedure.name}" (mã {procedure.code})'


def source_line(procedure: Procedure) -> str:
    if procedure.local:
        issuer = procedure.source.partition(":")[2].strip()
        link = f" – {procedure.portal_url}" if procedure.portal_url else ""
        return f"Nguồn: thủ tục của địa phương ({issuer}), chưa có trong Cơ sở dữ liệu quốc gia về TTHC{link}"
    return f"Nguồn: Cơ sở dữ liệu quốc gia về TTHC – {procedure.portal_url}"


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split on line breaks (then on sentence ends, then hard) into messages of at most `limit` characters."""
    messages: list[str] = []
    current = ""
    for line in _short_lines(text.splitlines(), limit):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            messages.append(current)
            candidate = line
        current = candidate
    if current:
        messages.append(current)
    return messages


def _short_lines(lines: Iterable[str], limit: int) -> Iterable[str]:
    for line in lines:
        while len(line) > limit:
            cut = max(line.rfind(". ", 0, limit), line.rfind("; ", 0, limit))
            cut = cut + 1 if cut > limit // 3 else line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            yield line[:cut].strip()
            line = line[cut:].strip()
        if line:
            yield line


def _bulleted(items: list[str]) -> str:
    shown = [f"• {item}" for item in items[:LIST_LIMIT]]
    if len(items) > LIST_LIMIT:
        shown.append(f"… và {len(items) - LIST_LIMIT} mục khác (xem đầy đủ tại trang thủ tục).")
    return "\n".join(shown)


def _channel_time(channel: Channel) -> str:
    limit = channel.time_limit
    if limit.value is None:
        return limit.text or "danh mục không nêu"
    number = f"{limit.value:g}".replace(".", ",")
    if limit.unit is None:
        return f"{number} (danh mục không ghi rõ đơn vị: ngày hay ngày làm việc)"
    return f"{number} {limit.unit}"


def _channel_fee(channel: Channel) -> str:
    fee = channel.fee
    if fee.free and not fee.amounts_vnd:
        text = "Miễn phí"
    elif fee.amounts_vnd and len(fee.text) > 80:
        text = ", ".join(money(amount) for amount in fee.amounts_vnd)
    else:
        text = fee.text or "danh mục không nêu"
    if fee.note:
        # Shown as the catalogue's note: the table may say "Miễn phí" while the note states a fee.
        text += f" — ghi chú của danh mục: {_clip(fee.note)}"
    return text


def _by_channel(procedure: Procedure, describe: Callable[[Channel], str]) -> str:
    """One line per distinct answer; channels with the same answer share it ("Trực tiếp, Trực tuyến: …")."""
    grouped: dict[str, list[str]] = {}
    for channel in procedure.channels:
        grouped.setdefault(describe(channel), []).append(channel.label)
    lines = [f"• {', '.join(labels)}: {text}" for text, labels in grouped.items()]
    return "\n".join(lines) if lines else "• Danh mục không nêu rõ (xem trang thủ tục)."


def _clip(text: str, limit: int = CLIP_LIMIT) -> str:
    """The source's own words, cut at a word boundary when long (the answer links the full text)."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def _is_document(document: Document) -> bool:
    """A paper to bring, as opposed to a note the portal lists among them (quantity 0, no template)."""
    return bool(document.originals or document.copies or document.form_template)


def _quantity(document: Document) -> str:
    if document.originals is None and document.copies is None:
        return document.quantity_text
    parts = [f"{document.originals} bản chính"] if document.originals else []
    parts += [f"{document.copies} bản sao"] if document.copies else []
    return ", ".join(parts)


def _document_line(document: Document) -> str:
    line = _clip(document.name)
    if quantity := _quantity(document):
        line += f" — {quantity}"
    if document.form_template:
        line += f" [mẫu: {document.form_template}]"
    return line


def _header(procedure: Procedure, heading: str) -> str:
    return f"Dạ, {heading} của {title(procedure)}:"


def overview(procedure: Procedure) -> list[str]:
    lines = [f"Dạ, {title(procedure)}."]
    if procedure.levels:
        lines.append(f"• Cấp thực hiện: {', '.join(procedure.levels)}")
    if procedure.fields:
        lines.append(f"• Lĩnh vực: {', '.join(procedure.fields)}")
    agency = procedure.implementing_agency or procedure.competent_agency
    if agency:
        lines.append(f"• Cơ quan thực hiện: {agency}")
    if procedure.online_class in ONLINE_CLASS_TEXT:
        lines.append(f"• Hình thức: {ONLINE_CLASS_TEXT[procedure.online_class]}")
    if procedure.channels:
        lines.append("• Thời hạn giải quyết:\n" + _indent(_by_channel(procedure, _channel_time)))
        lines.append("• Phí, lệ phí:\n" + _indent(_by_channel(procedure, _channel_fee)))
    if procedure.portal_url:
        lines.append(f"• Nộp trực tuyến / xem chi tiết: {procedure.portal_url}")
    return ["\n".join(lines)]


def _indent(text: str) -> str:
    return "\n".join(f"   {line}" for line in text.splitlines())


def documents(procedure: Procedure) -> list[str]:
    if procedure.documents:
        papers = [document for document in procedure.documents if _is_document(document)] or list(
            procedure.documents
        )
        groups: dict[str, list[str]] = {}
        for document in papers:
            groups.setdefault(document.group, []).append(_document_line(document))
        notes = len(procedure.documents) - len(papers)
        if notes:
            groups.setdefault("", []).append(
                f"Danh mục còn {notes} ghi chú về các trường hợp riêng: xem tại {procedure.portal_url}"
            )
        parts = [
            f"{group}\n{_bulleted(items)}" if group else _bulleted(items) for group, items in groups.items()
        ]
        return split_text(_header(procedure, "hồ sơ cần chuẩn bị") + "\n" + "\n".join(parts))
    if "documents" in procedure.unparsed:
        return [
            _header(procedure, "thành phần hồ sơ (nguyên văn danh mục)"),
            *split_text(procedure.unparsed["documents"]),
        ]
    return [f"Dạ, danh mục không nêu thành phần hồ sơ của {title(procedure)}."]


def fee(procedure: Procedure) -> list[str]:
    return [_header(procedure, "phí, lệ phí") + "\n" + _by_channel(procedure, _channel_fee)]


def time(procedure: Procedure) -> list[str]:
    return [_header(procedure, "thời hạn giải quyết") + "\n" + _by_channel(procedure, _channel_time)]


def where(procedure: Procedure) -> list[str]:
    lines = [_header(procedure, "nơi và cách nộp hồ sơ")]
    kinds = {channel.kind for channel in procedure.channels}
    if kinds:
        labels = [
            label
            for kind, label in (
                (IN_PERSON, "trực tiếp"),
                (ONLINE, "trực tuyến"),
                (POSTAL, "qua dịch vụ bưu chính"),
            )
            if kind in kinds
        ]
        lines.append(f"• Hình thức nộp: {', '.join(labels)}.")
    agency = procedure.implementing_agency or procedure.competent_agency
    if agency:
        lines.append(f"• Cơ quan thực hiện: {agency}")
    if procedure.receiving_address:
        lines.append(f"• Địa chỉ tiếp nhận: {procedure.receiving_address}")
    if procedure.levels:
        lines.append(f"• Cấp thực hiện: {', '.join(procedure.levels)}")
    if ONLINE in kinds and procedure.portal_url:
        lines.append(f"• Nộp trực tuyến trên Cổng Dịch vụ công quốc gia: {procedure.portal_url}")
    return split_text("\n".join(lines))


def steps(procedure: Procedure) -> list[str]:
    if not procedure.steps:
        return [f"Dạ, danh mục không nêu trình tự thực hiện của {title(procedure)}."]
    numbered = [
        _clip(step if step.lower().startswith("bước") else f"{n}. {step}")
        for n, step in enumerate(procedure.steps, 1)
    ]
    if procedure.portal_url:
        numbered.append(f"Toàn văn: {procedure.portal_url}")
    return split_text(_header(procedure, "trình tự thực hiện") + "\n" + "\n".join(numbered))


def legal(procedure: Procedure) -> list[str]:
    if not procedure.legal_basis:
        text = procedure.unparsed.get("legal_basis")
        if text:
            return split_text(_header(procedure, "căn cứ pháp lý (nguyên văn danh mục)") + "\n" + text)
        return [f"Dạ, danh mục không nêu căn cứ pháp lý của {title(procedure)}."]
    items = [
        law.title if law.number in law.title else f"{law.title} ({law.number})".replace(" ()", "")
        for law in procedure.legal_basis
    ]
    return split_text(_header(procedure, "căn cứ pháp lý") + "\n" + _bulleted(items))


def conditions(procedure: Procedure) -> list[str]:
    if not procedure.conditions:
        return [f"Dạ, danh mục không nêu yêu cầu, điều kiện riêng cho {title(procedure)}."]
    return split_text(_header(procedure, "yêu cầu, điều kiện") + "\n" + procedure.conditions)


def result(procedure: Procedure) -> list[str]:
    if not procedure.result:
        return [f"Dạ, danh mục không nêu kết quả của {title(procedure)}."]
    return [_header(procedure, "kết quả") + f"\n• {procedure.result}"]


def forms(procedure: Procedure) -> list[str]:
    templates = list(dict.fromkeys(d.form_template for d in procedure.documents if d.form_template))
    if not templates and not procedure.portal_url:
        return [
            f"Dạ, em chưa có mẫu đơn, tờ khai của {title(procedure)}; anh/chị xin mẫu tại Bộ phận Một cửa ạ."
        ]
    if not templates:
        return [
            f"Dạ, danh mục không nêu mẫu đơn, tờ khai riêng cho {title(procedure)}. "
            f"Anh/chị xem thêm tại trang thủ tục: {procedure.portal_url}"
        ]
    return [
        _header(procedure, "mẫu đơn, tờ khai")
        + "\n"
        + _bulleted(templates)
        + f"\nAnh/chị tải mẫu tại trang thủ tục trên Cổng Dịch vụ công quốc gia: {procedure.portal_url}"
    ]


RENDERERS: dict[str, Callable[[Procedure], list[str]]] = {
    OVERVIEW: overview,
    DOCUMENTS: documents,
    FEE: fee,
    TIME: time,
    WHERE: where,
    STEPS: steps,
    LEGAL: legal,
    CONDITIONS: conditions,
    RESULT: result,
    FORMS: forms,
}


def start_payload(code: str) -> str:
    return intent_payload("start_dossier", procedure_code=code)


def answer(procedure: Procedure, aspect: str, submittable: bool = False) -> list[Reply]:
    """The messages answering `aspect` of `procedure`; the last carries the source and follow-up buttons."""
    texts = RENDERERS.get(aspect, overview)(procedure)
    others = [
        Button(button_title, aspect_payload(other, procedure.code))
        for other, button_title in ASPECT_BUTTON_TITLES.items()
        if other != aspect
    ][: 4 if submittable else 5]
    if submittable:  # this procedure's form can be filled in and submitted in the chat
        others.insert(0, Button("Nộp hồ sơ trực tuyến", start_payload(procedure.code)))
    last = f"{texts[-1]}\n{source_line(procedure)}"
    if len(last) > MESSAGE_LIMIT:
        return [*(Reply(text) for text in texts), Reply(source_line(procedure), tuple(others))]
    return [*(Reply(text) for text in texts[:-1]), Reply(last, tuple(others))]


def online_class(procedure: Procedure) -> Reply:
    """Whether this procedure is "toàn trình" or "một phần", as far as the catalogue tells."""
    text = ONLINE_CLASS_TEXT.get(procedure.online_class, "danh mục không ghi rõ hình thức trực tuyến")
    return Reply(f"Dạ, theo danh mục, {title(procedure)}: {text}.\n{source_line(procedure)}")


def candidates(matches: Iterable[Procedure], limit: int = 5) -> Reply:
    """At most `limit` procedures to choose from, each named with its code."""
    options = list(matches)[:limit]
    buttons = tuple(Button(_button_title(procedure), choose_payload(procedure.code)) for procedure in options)
    return Reply("Dạ, anh/chị đang hỏi thủ tục nào trong các thủ tục sau ạ?", buttons)


def _button_title(procedure: Procedure, limit: int = 90) -> str:
    name = procedure.name if len(procedure.name) <= limit else procedure.name[: limit - 1].rstrip() + "…"
    return f"{name} ({procedure.code})"
