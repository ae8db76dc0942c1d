"""Low-level text helpers for the catalogue importer: cleanup, parentheses, money amounts, time units,
template file names and legal document numbers glued to the text around them.

Plain functions on strings; which portal field goes where lives in importer.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# The portal's placeholder for an empty cell.
NO_INFO = "Không có thông tin"

_SPACES = re.compile(r"\s+")
_H_SPACES = re.compile(r"[^\S\n]+")


def nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "")


def clean_text(text: str | None) -> str:
    """NFC, whitespace collapsed to single spaces, stripped; the portal's empty placeholder becomes ""."""
    cleaned = _SPACES.sub(" ", nfc(text)).strip()
    return "" if cleaned == NO_INFO else cleaned


def clean_lines(text: str | None) -> str:
    """Like clean_text, but keeps the line breaks (one per non-empty line) for list-like texts."""
    lines = (_H_SPACES.sub(" ", line).strip() for line in nfc(text).splitlines())
    cleaned = "\n".join(line for line in lines if line)
    return "" if cleaned == NO_INFO else cleaned


def is_blank(text: str) -> bool:
    """Empty, or only the dashes/asterisks the portal prints for an empty table."""
    return not text.strip(" -–*+.:;")


def split_outside_parens(text: str, separator: str = ",") -> list[str]:
    """Split on `separator` except inside (...), stripping each part and dropping empty ones."""
    parts, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if char == separator and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def take_parenthesized(text: str) -> tuple[str, str]:
    """For a text starting with "(", return (the balanced group's inside, the rest).

    An unclosed group (the crawl sometimes cuts texts) runs to the end of the text.
    """
    depth = 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[1:index], text[index + 1 :]
    return text[1:], ""


def unwrap_parens(text: str) -> str:
    """ "((x))" -> "x": drop parentheses that enclose the whole text."""
    text = text.strip()
    while text.startswith("("):
        inside, rest = take_parenthesized(text)
        if rest.strip():
            break
        text = inside.strip()
    return text


# Money. The portal writes "50,000 Việt Nam Đồng" / "1,500,000 VNĐ"; free texts write "50.000 đồng",
# "20.000Đ", "10 triệu đồng". Other currencies are kept verbatim.
_VND_UNIT = r"(?:Việt Nam Đồng|VNĐ|VND|đồng|đ)(?![\wđĐ])"
_NUMBER = r"\d{1,3}(?:[.,]\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?"
_VND_AMOUNT = re.compile(rf"(?<![\d.,])({_NUMBER})\s*(triệu|nghìn|ngàn)?\s*{_VND_UNIT}", re.IGNORECASE)
_OTHER_AMOUNT = re.compile(rf"(?<![\d.,])(?:{_NUMBER})\s*(?:USD|EUR|đô la Mỹ|Đô la Mỹ)(?!\w)")
_MULTIPLIERS = {"triệu": 1_000_000, "nghìn": 1_000, "ngàn": 1_000}


def parse_number(number: str) -> float:
    """ "50,000" / "50.000" -> 50000 (thousands groups); "1,5" / "1.5" -> 1.5."""
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", number):
        return float(re.sub(r"[.,]", "", number))
    return float(number.replace(",", "."))


def vnd_amounts(text: str) -> list[int]:
    """Every amount the text states in Vietnamese đồng, in order, without duplicates."""
    amounts: list[int] = []
    for match in _VND_AMOUNT.finditer(text):
        multiplier = _MULTIPLIERS.get((match.group(2) or "").lower(), 1)
        if multiplier == 1 and not re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+|\d+", match.group(1)):
            continue  # "1,5 đồng" is no fee anyone states; a decimal needs "triệu"/"nghìn"
        amount = round(parse_number(match.group(1)) * multiplier)
        if amount not in amounts:
            amounts.append(amount)
    return amounts


def other_amounts(text: str) -> list[str]:
    """Amounts in other currencies, verbatim ("145 USD"), in order, without duplicates."""
    found: list[str] = []
    for match in _OTHER_AMOUNT.finditer(text):
        amount = re.sub(r"^([\d.,]+)\s*", r"\1 ", match.group(0))  # "10USD" -> "10 USD"
        if amount not in found:
            found.append(amount)
    return found


# Time units. A time cell that lost its unit ("3") gets the unit written next to the same number elsewhere
# in the record ("03 ngày làm việc", "01 (một) ngày làm việc").
UNITS = ("ngày làm việc", "ngày", "giờ", "tháng", "năm")


def infer_time_unit(value: float, texts: Iterable[str]) -> str | None:
    """The unit written next to `value` in the texts, if all such mentions agree; None otherwise.
    Dates ("ngày 15 tháng 5 năm 2020") are not mentions."""
    if value != int(value):
        return None
    pattern = re.compile(
        rf"(?<![\d.,/])(?<!ngày )(?<!tháng )0*{int(value)}(?:\s*\([^()]{{1,25}}\))?\s*"
        rf"({'|'.join(UNITS)})(?!\w)",
        re.IGNORECASE,
    )
    units = {match.group(1).lower() for text in texts for match in pattern.finditer(text)}
    return units.pop() if len(units) == 1 else None


# Form templates: "Tờ khai theo Mẫu số 01;Mẫu số 01.docx" - the template's file name is glued to the name.
_FILE = re.compile(r".+?\.(?:docx|doc|pdf|xlsx|xls|rar|zip)", re.IGNORECASE)
_ENDS_WITH_FILE = re.compile(r"\.(?:docx?|pdf|xlsx?|rar|zip)$", re.IGNORECASE)
_TEMPLATE_KEYWORD = re.compile(
    r"(?<=\w)(?:Mẫu|Mau|mẫu|mau|MẪU|Phụ lục|PHỤ LỤC|Phu luc|PL|Tờ khai|To khai|TK)"
)


def split_form_template(row: str) -> tuple[str, str]:
    """ "Tờ khai theo Mẫu số 01;Mẫu số 01.docx" -> ("Tờ khai theo Mẫu số 01;", "Mẫu số 01.docx").

    The file name(s) start at the first place within 150 characters before the first extension where a
    word is glued to punctuation (";Mẫu…", ").Mau…", "đó.5.Chp…"), a lower-case letter to an upper-case one
    ("…khoáng sảnMau 02…"), a lower-case letter to a numbered file ("…theo mẫu1.000312.docx") or a text to
    a form keyword ("…NĐ-CPMau04.docx"). Without such a place the row stays whole, as the name. Several
    files are joined with "; "."""
    first_file = _FILE.search(row)
    if not first_file or not _ENDS_WITH_FILE.search(row):
        return row, ""
    keywords = {match.start() for match in _TEMPLATE_KEYWORD.finditer(row)}
    for index in range(max(1, first_file.end() - 150), first_file.start() + first_file.group(0).rindex(".")):
        before, char = row[index - 1], row[index]
        after_stop = before == "." and (char.isalpha() or not row[index - 2].isdigit())  # not "1.4"
        after_lower = before.islower() and (char.isupper() or re.match(r"\d+[.\-_]", row[index:]))
        if (char.isalnum() and (before in ";:)]" or after_stop or after_lower)) or index in keywords:
            name, files = row[:index].strip(), "; ".join(file.strip() for file in _FILE.findall(row[index:]))
            return (name, files) if name else (row, files)
    return row, ""


# Legal document numbers: "123/2015/NĐ-CP", "60/2014/QH13", "163/QĐ-BTP", "21/2008/TTLT-BQP-BLĐTBXH-BTC".
# The issuer list resolves where a number ends when the next title is glued to it ("…/TT-BTCQUY ĐỊNH…").
_DOC_TYPES = "TTLT|NQLT|VBHN|NĐ|ND|TT|QĐ|NQ|PL|CT|SL|HD|L"
_ISSUERS = (  # longest first: the regex takes the first that fits
    "BLĐTBXH|BNNPTNT|BVHTTDL|VKSNDTC|TANDTC|UBCKNN|BNNMT|BGTVT|BTNMT|BKHĐT|BKHCN|BTTTT|BGDĐT|NHNN|BHXH|UBND|"
    "HĐND|VPCP|VPQH|TCHQ|BTTT|KTNN|MTTQ|UBDT|TTg|TTG|BTC|BTP|BCA|BXD|BNV|BQP|BCT|BYT|BNG|CTN|TCT|BDT|TLĐ|CP"
)
_ISSUER = rf"(?:UBTVQH\d{{2}}|QH\d{{2}}|{_ISSUERS}|[A-ZĐ]+(?=[A-ZĐ][a-zđà-ỹ]))"
LEGAL_NUMBER = re.compile(
    rf"(?:(?<![\d/])|(?<=QH\d\d))(?<!QH)(?<!QH\d)\d+(?:\.\d+)?/(?:\d{{4}}/)?"
    rf"(?:(?:{_DOC_TYPES})(?:[-_/] ?)?)?(?:{_ISSUER}[-_])*{_ISSUER}"
    r"|(?<![\d/])\d+/\d{4}$"  # a bare "46/2020" closing the table
)
# "Luật Nhà ở 201465/2014/QH13", "ngày 29/6/202443/2024/QH15": a year glued to the next number.
_GLUED_YEAR = re.compile(r"((?:\d{1,2}/\d{1,2}/|năm |\s)(?:19|20)\d{2})(?=\d+(?:\.\d+)?/)")


def unglue_years(text: str) -> str:
    return _GLUED_YEAR.sub(r"\1 ", text)


def is_glued_number(text: str, match: re.Match[str]) -> bool:
    """Whether a LEGAL_NUMBER match is a table cell glued to the next title (or ending the text), rather
    than a mention inside a title ("Nghị định số 123/2015/NĐ-CP ngày…"). A cell glued to its own title may
    keep a trailing space ("…Bộ Tư pháp08/2025/TT-BTP Nghị định…"); the next title may start with a number
    ("…NƯỚC54/2024/NĐ-CP14/2025/TT-BNNMT…") unless it repeats this one ("Luật 60/2014/QH1360/2014/QH13")."""
    end = match.end()
    if end == len(text) or (text[end] not in " \t,.;:)/-" and not text[end].isdigit()):
        return True
    before = text[match.start() - 1] if match.start() else " "
    if text[end] == " " and not before.isspace() and not before.isdigit():
        end += 1
    elif text[end] == " ":
        return False
    if text[end].isdigit():
        glued = LEGAL_NUMBER.match(text, end)
        return bool(glued) and glued.group(0) != match.group(0)
    return text[end].isupper()


# Channel rows: "Trực tuyến" + time cell + fee cell + note/description, glued ("5 Ngày làm việcMiễn phí(…)").
TIME_WITH_UNIT = re.compile(r"(\d+(?:[.,]\d+)?) ?(Ngày làm việc|Ngày|Giờ|Tháng|Năm)")
_CURRENCY = r"(?:Việt Nam Đồng|VNĐ|USD|EUR)"
_FEE_HEAD = re.compile(rf"Miễn phí|{NO_INFO}|\d[\d,.]* ?{_CURRENCY}")
_DIGITS_THEN_AMOUNT = re.compile(rf"(\d[\d,]*) ?({_CURRENCY})")


def split_time_and_fee(segment: str) -> tuple[str, str, str] | None:
    """Split a channel row (after its name) into (time cell, fee cell, rest). None if not possible."""
    time = TIME_WITH_UNIT.match(segment)
    if time:
        fee = _FEE_HEAD.match(segment, time.end())
        return (time.group(0), fee.group(0), segment[fee.end() :]) if fee else None
    if segment.startswith(NO_INFO) and _FEE_HEAD.match(segment, len(NO_INFO)):
        fee = _FEE_HEAD.match(segment, len(NO_INFO))
        return "", fee.group(0), segment[fee.end() :]
    digits = re.match(r"\d+(?:[.,]\d+)?(?=Miễn phí|Không có thông tin)", segment)
    if digits:
        fee = _FEE_HEAD.match(segment, digits.end())
        return digits.group(0), fee.group(0), segment[fee.end() :]
    if _DIGITS_THEN_AMOUNT.match(segment):
        return _resolve_glued_time_and_fee(segment)
    fee = _FEE_HEAD.search(segment)  # a worded time cell: "Không quy định", "Không phải trả kết quả…"
    if fee and fee.start() > 0 and "(" not in segment[: fee.start()] and fee.start() <= 200:
        return segment[: fee.start()], fee.group(0), segment[fee.end() :]
    return None


def _resolve_glued_time_and_fee(segment: str) -> tuple[str, str, str] | None:
    """ "120 VNĐ(20.000 vnđ /tờ khai)": a unit-less time glued to the amount. Each split of the digits is
    tried; the only one whose amount the note confirms (as is or in thousands) wins, else None."""
    match = _DIGITS_THEN_AMOUNT.match(segment)
    digits, rest = match.group(1), segment[match.end() :]
    note = take_parenthesized(rest)[0] if rest.startswith("(") else ""
    note_amounts = set(vnd_amounts(note))
    candidates = []
    for cut in range(1, len(digits)):
        time, amount = digits[:cut], digits[cut:]
        if "," in time or not re.fullmatch(r"0|[1-9]\d{0,2}(?:,\d{3})*|[1-9]\d*", amount):
            continue
        value = int(amount.replace(",", ""))
        if value in note_amounts or value * 1000 in note_amounts:
            candidates.append((time, f"{amount} {match.group(2)}"))
    if len(candidates) != 1:
        return None
    return candidates[0][0], candidates[0][1], rest


# Document rows: name + template file + quantity cell, glued ("Tờ khai;Mẫu 01.docx1 bản chính,1 bản sao").
# The quantity cell: one digit each, glued to the row; "(01 bản chính)", "01 bản chính Báo cáo…" or
# "…: 01 bản chính; …" inside a name are followed by ")", a space or punctuation and a space: not cells.
_QUANTITY_CELL = re.compile(r"(\d) bản chính(?:,(\d) bản sao)?(?![\s)])|Bản chính: ?(\d+),? ?Bản sao: ?(\d+)")


def quantity_cells(table: str) -> list[re.Match[str]]:
    cells = []
    for cell in _QUANTITY_CELL.finditer(table):
        after = table[cell.end() : cell.end() + 2]
        if after[:1] in (",", ".", ";", ":") and not (after[1:].isupper() or after[1:] in ("-", "+", "*")):
            continue
        cells.append(cell)
    # "…: 01 bản chính1 bản chính,1 bản sao": a cell glued to the next one is part of the name.
    glued_to_next = {cell.end() for cell in cells} & {cell.start() for cell in cells}
    return [cell for cell in cells if cell.end() not in glued_to_next]
