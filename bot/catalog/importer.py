"""Import the national portal's procedure catalogue (crawled JSON lines) into `Procedure` records.

    python -m bot.catalog.importer SOURCE.jsonl.gz OUT.jsonl.gz

The crawl flattened the portal's tables into run-together text; each `parse_*` function below takes one
source string and returns structured values (low-level text helpers are in parsing.py). Honesty over
coverage: whatever cannot be split reliably stays empty (None/"") and its cleaned source text goes to
`Procedure.unparsed`, so that answers can say "không rõ". Keys used: "channels" (a row's time and fee could
not be told apart; its kind is kept, time and fee are empty), "fees" (a fee amount below 1,000 đồng that its
note does not explain, left out of amounts_vnd), "documents", "legal_basis".

Online class rule: FULLY_ONLINE only when the record's own name, steps, channels or conditions call the
procedure itself "trực tuyến toàn trình" / "dịch vụ công (trực tuyến) toàn trình". Generic mentions such as
"Cổng DVC quốc gia đối với các TTHC đã toàn trình" (about other procedures) do not count.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

from bot.catalog import model
from bot.catalog.model import Channel, Document, Fee, LegalDocument, Procedure, TimeLimit
from bot.catalog.parsing import (
    LEGAL_NUMBER,
    NO_INFO,
    TIME_WITH_UNIT,
    clean_lines,
    clean_text,
    infer_time_unit,
    is_blank,
    is_glued_number,
    other_amounts,
    parse_number,
    quantity_cells,
    split_form_template,
    split_outside_parens,
    split_time_and_fee,
    take_parenthesized,
    unglue_years,
    unwrap_parens,
    vnd_amounts,
)

# --- levels, fields, target groups, conditions, result -------------------------------------------------


def parse_levels(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in clean_text(text).split(",") if part.strip())


def parse_fields(text: str) -> tuple[str, ...]:
    # Field names contain commas ("Khí tượng, thủy văn"): only ";" separates several fields.
    return tuple(part.strip() for part in clean_text(text).split(";") if part.strip())


def parse_target_groups(text: str) -> tuple[str, ...]:
    """Commas outside parentheses separate groups; a part starting in lower case continues the previous
    one ("Cán bộ, công chức, viên chức" is one group)."""
    groups: list[str] = []
    for part in split_outside_parens(clean_text(text)):
        if groups and part[0].islower():
            groups[-1] += ", " + part
        else:
            groups.append(part)
    return tuple(groups)


def parse_conditions(text: str) -> str:
    cleaned = clean_lines(text)
    return "" if re.fullmatch(r"(?i)không( có)?\.?", cleaned) else cleaned


_RESULT_CODE = re.compile(r"Mã:\s*[A-Za-z0-9.\-_]*\d")


def parse_result(text: str) -> str:
    """The result names, each given before "Mã: <code>"; the portal's UI text after them is dropped."""
    cleaned = clean_text(text).split("Từ khóa")[0].split("Chọn cơ quan thực hiện")[0]
    names = [clean_text(part) for part in _RESULT_CODE.split(cleaned)]
    return "; ".join(name for name in names if name)


# --- steps -------------------------------------------------------------------------------------------

_STEP_MARK = re.compile(r"Bước\s*\d+")
_LINE_MARKS = (r"[a-zđ]\)\s", r"\d+[.)]\s", r"[-–]", r"\+", r"\*")


def parse_steps(text: str) -> tuple[str, ...]:
    """Split on "Bước N" markers (at a line or sentence start), else on the outermost kind of line marker
    (a) / 1. / - / + / *), else on lines. Text before the first marker is kept as its own entry."""
    body = clean_lines(text)
    if not body:
        return ()
    starts = []
    for match in _STEP_MARK.finditer(body):
        before = body[: match.start()].rstrip(" -–+*•")
        if not before or before[-1] in "\n.;:!?":
            starts.append(len(before))
    if not starts:
        lines = body.split("\n")
        for mark in _LINE_MARKS:
            marked = [index for index, line in enumerate(lines) if re.match(mark, line)]
            if len(marked) >= 2:
                line_starts = [0, *(sum(len(line) + 1 for line in lines[:index]) for index in marked)]
                starts = sorted(set(line_starts))
                break
        else:
            return tuple(lines)
    bounds = sorted({0, *starts, len(body)})
    steps = (body[start:end].strip(" \n") for start, end in pairwise(bounds))
    return tuple(step for step in steps if step)


# --- channels: time limit and fee -------------------------------------------------------------------

CHANNEL_KINDS = {"Trực tuyến": model.ONLINE, "Trực tiếp": model.IN_PERSON, "Dịch vụ bưu chính": model.POSTAL}
_CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
_NAMES = "Trực tuyến|Trực tiếp|Dịch vụ bưu chính"
# A channel row starts with its name glued to the time cell (a number or "Không…"); running text such as
# "Trực tiếp: nộp tại…" or "Trực tuyến qua Cổng…" is description.
_CHANNEL_START = re.compile(rf"({_NAMES})(?=\d|Không)")
_CHANNEL_START_LOOSE = re.compile(rf"({_NAMES})(?=[^()]{{1,200}}?(?:Miễn phí|{NO_INFO}))")
# "Miễn phí" counts as free only with no note or a note that only says so ("Không", "Không quy định",
# "Miễn lệ phí"); a note describing a fee level or exemptions for some cases means it is not the answer.
_FREE_NOTE = re.compile(r"(?i)[-+*\s]*(không|miễn|chưa quy định)")
_CONDITIONAL_NOTE = re.compile(r"(?i)đối với|trường hợp|cho người|nếu|trừ |mức|phí cấp bản sao")


def parse_time_limit(text: str) -> TimeLimit:
    """One time cell: "5 Ngày làm việc", "3" (unit lost), "Không quy định", "" (not stated)."""
    cleaned = clean_text(text)
    match = TIME_WITH_UNIT.fullmatch(cleaned)
    if match:
        return TimeLimit(cleaned, parse_number(match.group(1)), match.group(2).lower())
    if re.fullmatch(r"\d+(?:[.,]\d+)?", cleaned):
        return TimeLimit(cleaned, parse_number(cleaned), None)
    return TimeLimit(cleaned)


def parse_fee(text: str, note: str = "") -> Fee:
    """One fee cell ("50,000 Việt Nam Đồng", "Miễn phí", "Theo quy định của HĐND tỉnh"…) and its note.

    amounts_vnd holds the amounts stated in đồng in the cell and its note. The portal sometimes stores
    fees in thousands ("20 VNĐ" with the note "20.000 vnđ/tờ khai"): a cell amount below 1,000 đồng is only
    kept through the note's amount; unconfirmed, it is left out (see `implausible_fee`).
    """
    text, note = clean_text(text), unwrap_parens(clean_text(note))
    note_vnd = vnd_amounts(note)
    amounts = []
    for amount in vnd_amounts(text):
        if amount >= 1000:
            amounts.append(amount)
        elif amount * 1000 in note_vnd:
            amounts.append(amount * 1000)
    amounts += [amount for amount in note_vnd if amount not in amounts]
    others = other_amounts(text) + [
        amount for amount in other_amounts(note) if amount not in other_amounts(text)
    ]
    head_free = bool(re.match(r"(?i)(miễn phí|không thu)", text))
    free_note = not note or (bool(_FREE_NOTE.match(note)) and not _CONDITIONAL_NOTE.search(note))
    free = head_free and not amounts and not others and free_note
    return Fee(text, tuple(amounts), tuple(others), free, note)


def implausible_fee(fee: Fee) -> bool:
    """A cell amount under 1,000 đồng that the note does not explain (no administrative fee is that low)."""
    stated = vnd_amounts(fee.text)
    return any(amount < 1000 and amount * 1000 not in fee.amounts_vnd for amount in stated)


def parse_channels(text: str, context: Iterable[str] = ()) -> tuple[tuple[Channel, ...], bool]:
    """The channels × time × fee table. Returns (channels, fully parsed?).

    `context` are other texts of the record (steps, "Thời hạn giải quyết") searched for the unit of a
    unit-less time. A row whose cells cannot be split keeps its kind with an unknown time and fee.
    """
    body = clean_text(text)
    body = body[len(_CHANNEL_HEADER) :] if body.startswith(_CHANNEL_HEADER) else body
    starts = list(_CHANNEL_START.finditer(body)) or list(_CHANNEL_START_LOOSE.finditer(body))
    if not starts:
        return (), not body
    complete = starts[0].start() == 0
    rows = []
    for index, start in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(body)
        cells = split_time_and_fee(body[start.end() : end])
        if cells is None:
            complete = False
            rows.append((start.group(1), TimeLimit(""), Fee(""), ""))
            continue
        time_text, fee_text, rest = cells
        note, rest = take_parenthesized(rest) if rest.startswith("(") else ("", rest)
        rows.append(
            (start.group(1), parse_time_limit(time_text), parse_fee(fee_text, note), clean_text(rest))
        )
    descriptions = [row[3] for row in rows]
    channels = []
    for name, time, fee, description in rows:
        if time.value is not None and time.unit is None:
            unit = infer_time_unit(time.value, [description, *descriptions, *context])
            time = TimeLimit(time.text, time.value, unit)
        channels.append(Channel(CHANNEL_KINDS[name], time, fee, description))
    return tuple(channels), complete


# --- documents ---------------------------------------------------------------------------------------

_DOCUMENT_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"


def parse_quantity(text: str) -> tuple[int | None, int | None, str]:
    """ "1 bản chính,1 bản sao" -> (1, 1, "1 bản chính, 1 bản sao"); unknown parts are None."""
    cleaned = clean_text(text)
    originals = re.search(r"(\d+) bản chính|Bản chính: ?(\d+)", cleaned, re.IGNORECASE)
    copies = re.search(r"(\d+) bản sao|Bản sao: ?(\d+)", cleaned, re.IGNORECASE)

    def number(match: re.Match[str] | None) -> int | None:
        return int(match.group(1) or match.group(2)) if match else None

    return number(originals), number(copies), re.sub(r",(?=\S)", ", ", cleaned)


_BULLETS = re.compile(r"^(?:\*\)|[-+*•\uf0fc,.;:\s])+")  # bullets and the separator glued after a cell


def _heading(text: str) -> str:
    return clean_text(text).strip(" -–*+").rstrip(" :").strip()


def parse_documents(text: str) -> tuple[tuple[Document, ...], bool]:
    """The flattened documents table(s). Returns (documents, parsed?); not parsed -> no documents."""
    body = clean_text(text)
    if is_blank(body):
        return (), True
    if _DOCUMENT_HEADER not in body:
        return (), False
    tables = body.split(_DOCUMENT_HEADER)
    group, documents = _heading(tables[0]), []
    for position, table in enumerate(tables[1:], start=1):
        cells = quantity_cells(table)
        if not cells and not is_blank(table) and position < len(tables) - 1:
            return (), False
        previous = 0
        for cell in cells:
            row = table[previous : cell.start()].strip()
            previous = cell.end()
            name, template = split_form_template(_BULLETS.sub("", row))
            if not name:
                continue
            originals, copies, quantity = parse_quantity(cell.group(0))
            documents.append(Document(name, group, template, originals, copies, quantity))
        tail = table[previous:].strip()
        if position < len(tables) - 1:
            group = _heading(tail)
        elif not is_blank(tail):
            name, template = split_form_template(_BULLETS.sub("", tail))
            documents.append(Document(name, group, template))
    return tuple(documents), bool(documents)


# --- legal basis -------------------------------------------------------------------------------------

_LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
_NUMBER_PREFIX = re.compile(  # "…Bộ Tư phápThông tư số 03/2023/TT-BTP": the number cell's own wording
    r"(?<=\S)(?:Thông tư liên tịch|Thông tư|Nghị định|Nghị quyết|Quyết định|Luật|Pháp lệnh|Chỉ thị)"
    r"(?: số)?\s*$"
)


def parse_legal_basis(text: str) -> tuple[tuple[LegalDocument, ...], bool]:
    """Title+number pairs run together after the header. Returns (documents, parsed?)."""
    body = clean_text(text)
    body = body[len(_LEGAL_HEADER) :] if body.startswith(_LEGAL_HEADER) else body
    if is_blank(body):
        return (), True
    body = unglue_years(body)
    documents, previous = [], 0
    for match in LEGAL_NUMBER.finditer(body):
        if not is_glued_number(body, match):
            continue
        title = _NUMBER_PREFIX.sub("", body[previous : match.start()]).strip()
        documents.append(LegalDocument(title or match.group(0), match.group(0)))
        previous = match.end()
    tail = body[previous:].strip()
    if tail:
        documents.append(LegalDocument(tail))
    return tuple(documents), bool(documents) and all(document.number for document in documents)


# --- the whole record --------------------------------------------------------------------------------

_FULLY_ONLINE = re.compile(r"(?i)(?:trực tuyến|dịch vụ công)\s+toàn trình")


def classify_online(channels: tuple[Channel, ...], own_texts: Iterable[str]) -> str:
    if not channels:
        return model.UNKNOWN
    if not any(channel.kind == model.ONLINE for channel in channels):
        return model.IN_PERSON_ONLY
    if any(_FULLY_ONLINE.search(text) for text in own_texts):
        return model.FULLY_ONLINE
    return model.PARTLY_ONLINE


def time_limit_context(record: dict[str, str]) -> list[str]:
    """Where a lost time unit may be written: the steps and the "Thời hạn giải quyết" parts of the page."""
    raw = clean_text(record.get("raw_text"))
    windows = [raw[match.end() : match.end() + 400] for match in re.finditer("Thời hạn giải quyết", raw)]
    return [clean_text(record.get("trinh_tu_thuc_hien")), *windows]


def parse_record(record: dict[str, str]) -> Procedure:
    unparsed: dict[str, str] = {}
    channels, channels_ok = parse_channels(record.get("cach_thuc_thuc_hien", ""), time_limit_context(record))
    if not channels_ok:
        unparsed["channels"] = clean_text(record.get("cach_thuc_thuc_hien"))
    if any(implausible_fee(channel.fee) for channel in channels):
        unparsed["fees"] = clean_text(record.get("cach_thuc_thuc_hien"))
    documents, documents_ok = parse_documents(record.get("thanh_phan_ho_so", ""))
    if not documents_ok:
        unparsed["documents"] = clean_text(record.get("thanh_phan_ho_so"))
    legal_basis, legal_ok = parse_legal_basis(record.get("can_cu_phap_ly", ""))
    if not legal_ok:
        unparsed["legal_basis"] = clean_text(record.get("can_cu_phap_ly"))
    steps = parse_steps(record.get("trinh_tu_thuc_hien", ""))
    conditions = parse_conditions(record.get("yeu_cau_dieu_kien", ""))
    own_texts = [clean_text(record.get("ten_thu_tuc")), *steps, conditions]
    own_texts += [channel.description for channel in channels]
    return Procedure(
        code=clean_text(record["ma_thu_tuc"]),
        name=clean_text(record.get("ten_thu_tuc")),
        portal_url=clean_text(record.get("detail_url")),
        levels=parse_levels(record.get("cap_thuc_hien", "")),
        fields=parse_fields(record.get("linh_vuc", "")),
        decision_number=clean_text(record.get("so_quyet_dinh")),
        procedure_type=clean_text(record.get("loai_thu_tuc")),
        target_groups=parse_target_groups(record.get("doi_tuong_thuc_hien", "")),
        competent_agency=clean_text(record.get("co_quan_co_tham_quyen")),
        implementing_agency=clean_text(record.get("co_quan_thuc_hien")),
        receiving_address=clean_text(record.get("dia_chi_tiep_nhan")),
        steps=steps,
        channels=channels,
        documents=documents,
        conditions=conditions,
        legal_basis=legal_basis,
        result=parse_result(record.get("ket_qua_xu_ly", "")),
        online_class=classify_online(channels, own_texts),
        source=clean_text(record.get("_source_dir")),
        unparsed=unparsed,
    )


# --- CLI ---------------------------------------------------------------------------------------------


def import_catalog(source: Path, out: Path) -> list[Procedure]:
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        procedures = sorted(
            (parse_record(json.loads(line)) for line in lines if line.strip()),
            key=lambda procedure: procedure.code,
        )
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as gz:
        for procedure in procedures:
            gz.write((json.dumps(procedure.to_dict(), ensure_ascii=False) + "\n").encode("utf-8"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())
    return procedures


def summary(procedures: list[Procedure]) -> str:
    total = len(procedures) or 1
    unparsed = Counter(name for procedure in procedures for name in procedure.unparsed)
    channels = [channel for procedure in procedures for channel in procedure.channels]
    unit_unknown = sum(channel.time_limit.unit is None for channel in channels)
    priced = [p for p in procedures if any(c.fee.amounts_vnd or c.fee.other_amounts for c in p.channels)]

    def parsed(field: str) -> str:
        return f"{field} {100 * (total - unparsed[field]) / total:.1f}%"

    return "\n".join(
        [
            f"records: {len(procedures)}",
            "parsed: " + ", ".join(parsed(field) for field in ("channels", "documents", "legal_basis")),
            "unparsed fields: " + ", ".join(f"{name} {count}" for name, count in sorted(unparsed.items())),
            "online classes: "
            + ", ".join(f"{k} {n}" for k, n in sorted(Counter(p.online_class for p in procedures).items())),
            f"channels: {len(channels)}, time unit unknown: {unit_unknown} "
            f"({100 * (len(channels) - unit_unknown) / (len(channels) or 1):.1f}% known)",
            f"records with fee amounts: {len(priced)}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m bot.catalog.importer SOURCE.jsonl.gz OUT.jsonl.gz", file=sys.stderr)
        return 2
    procedures = import_catalog(Path(args[0]), Path(args[1]))
    print(summary(procedures), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
