"""The printable declaration: an A4 PDF with an embedded DejaVu font and the Vietnamese text really in it.

How the text is checked without Poppler: the PDF is rendered with `compress=False`, so its page
content streams are plain PDF operators, and read back by the small reader below. fpdf2 writes text
with a Type0/Identity-H font: each character is a 2-byte code of the font subset, meaningless on its
own, and the font's ToUnicode CMap (also uncompressed) maps every code back to its Unicode character.
The reader follows the operators a viewer would: `Tf` selects the font (the regular and the bold
subset, whose codes overlap, are each decoded with their own CMap), `Td` places the text, `Tj`/`TJ`
show strings. Text is then grouped into lines by position, like `pdftotext` does. This checks what a
copy-paste or a screen reader gets from the file, character by character, which is stronger than
looking for glyph names; it needs no external tool, so it runs on a fresh machine. When `pdftotext`
happens to be installed, one extra test checks the reader against it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

from bot.documents import render_declaration
from bot.documents.declaration_pdf import FONT_DIR, FONT_FILES, vietnamese_date
from bot.forms.definitions import FieldSpec, FormSpec, load_forms

# -- a tiny reader for the PDFs fpdf2 writes uncompressed ------------------------------------------------


@dataclass
class ReadPdf:
    fonts: dict[str, str] = field(default_factory=dict)  # resource name -> BaseFont
    embedded: dict[str, bool] = field(default_factory=dict)  # BaseFont -> has a FontFile2
    pages: list[list[str]] = field(default_factory=list)  # text lines of each page, top to bottom

    @property
    def lines(self) -> list[str]:
        return [line for page in self.pages for line in page]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


_OBJECT = re.compile(rb"(\d+) 0 obj\s*")
_DELIMITERS = b"()<>[]{}/%"


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes]]:
    """number -> (dictionary, stream data); streams are skipped by /Length, so binary data is never parsed."""
    found: dict[int, tuple[bytes, bytes]] = {}
    position = 0
    while match := _OBJECT.search(pdf, position):
        start = match.end()
        stream_at, end_at = pdf.find(b"stream", start), pdf.find(b"endobj", start)
        if stream_at != -1 and stream_at < end_at:
            dictionary = pdf[start:stream_at]
            length = int(re.search(rb"/Length (\d+)", dictionary).group(1))
            data_start = stream_at + len(b"stream")
            data_start += 2 if pdf[data_start : data_start + 2] == b"\r\n" else 1
            found[int(match.group(1))] = (dictionary, pdf[data_start : data_start + length])
            position = data_start + length
        else:
            found[int(match.group(1))] = (pdf[start:end_at], b"")
            position = end_at
    return found


def _cmap(data: bytes) -> dict[int, str]:
    """A ToUnicode CMap: code -> text (bfchar entries and bfrange runs)."""
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.DOTALL):
        for code, target in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(target.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.DOTALL):
        for low, high, target in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            first = int(target, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = chr(first + offset)
    return mapping


def _literal(data: bytes, index: int) -> tuple[bytes, int]:
    """The PDF literal string starting after "(" at data[index]; returns its bytes and the index after ")"."""
    escapes = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}
    out, depth = bytearray(), 1
    while True:
        byte = data[index]
        if byte == ord("\\"):
            following = data[index + 1]
            if following in escapes:
                out += escapes[following]
                index += 2
            elif chr(following).isdigit():
                digits = re.match(rb"[0-7]{1,3}", data[index + 1 : index + 4]).group(0)
                out.append(int(digits, 8) & 0xFF)
                index += 1 + len(digits)
            elif following in b"\r\n":  # a line continuation
                index += 2
            else:
                out.append(following)
                index += 2
            continue
        if byte == ord("("):
            depth += 1
        elif byte == ord(")"):
            depth -= 1
            if depth == 0:
                return bytes(out), index + 1
        out.append(byte)
        index += 1


def _tokens(content: bytes):
    """Operands and operators of a content stream, as (kind, value): ("str", bytes), ("name", str),
    ("num", float), ("[", None), ("]", None), ("op", str)."""
    index = 0
    while index < len(content):
        byte = content[index]
        if chr(byte).isspace():
            index += 1
        elif byte == ord("("):
            string, index = _literal(content, index + 1)
            yield "str", string
        elif content[index : index + 2] == b"<<" or content[index : index + 2] == b">>":
            index += 2
        elif byte == ord("<"):
            end = content.index(b">", index)
            yield "str", bytes.fromhex(content[index + 1 : end].decode())
            index = end + 1
        elif byte in b"[]":
            yield chr(byte), None
            index += 1
        elif byte == ord("%"):
            index = content.index(b"\n", index)
        else:
            start = index + (byte == ord("/"))
            index += 1
            while (
                index < len(content)
                and not chr(content[index]).isspace()
                and content[index] not in _DELIMITERS
            ):
                index += 1
            word = content[start:index].decode("latin-1")
            if byte == ord("/"):
                yield "name", word
            elif re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)", word):
                yield "num", float(word)
            else:
                yield "op", word


def read_pdf(pdf: bytes) -> ReadPdf:
    objects = _objects(pdf)
    result = ReadPdf()
    decoders: dict[str, dict[int, str]] = {}
    for dictionary, _ in objects.values():
        for resource, number in re.findall(rb"/(F\d+) (\d+) 0 R", dictionary):
            font = objects[int(number)][0]
            base = re.search(rb"/BaseFont /(\S+)", font).group(1).decode()
            result.fonts[resource.decode()] = base
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font)
            decoders[resource.decode()] = _cmap(objects[int(to_unicode.group(1))][1]) if to_unicode else {}
        descriptor = re.search(rb"/FontName /(\S+)", dictionary)
        if b"/FontDescriptor" in dictionary and descriptor:
            result.embedded[descriptor.group(1).decode()] = b"/FontFile2" in dictionary

    def decode(font: str, string: bytes) -> str:
        codes = (int.from_bytes(string[i : i + 2], "big") for i in range(0, len(string) - 1, 2))
        return "".join(decoders[font].get(code, "\ufffd") for code in codes)

    pages = [d for d, _ in objects.values() if re.search(rb"/Type /Page\b", d)]
    for page in pages:
        contents = re.search(rb"/Contents (\d+) 0 R", page).group(1)
        pieces: list[tuple[float, float, str]] = []  # (y, x, text), in the order they are drawn
        font, x, y, operands, array = "", 0.0, 0.0, [], None
        for kind, value in _tokens(objects[int(contents)][1]):
            if kind == "[":
                array = []
            elif kind == "]":
                operands.append(("array", array))
                array = None
            elif array is not None:
                array.append((kind, value))
            elif kind != "op":
                operands.append((kind, value))
            else:
                if value == "BT":
                    x = y = 0.0
                elif value == "Tf":
                    font = operands[-2][1]
                elif value == "Td":
                    x, y = x + operands[-2][1], y + operands[-1][1]
                elif value == "Tj":
                    pieces.append((y, x, decode(font, operands[-1][1])))
                elif value == "TJ":
                    text = "".join(decode(font, item) for kind_, item in operands[-1][1] if kind_ == "str")
                    pieces.append((y, x, text))
                operands = []
        lines: dict[float, list[tuple[float, int, str]]] = {}
        for order, (piece_y, piece_x, text) in enumerate(pieces):  # consecutive Tj share x: keep their order
            lines.setdefault(round(piece_y, 1), []).append((piece_x, order, text))
        result.pages.append(
            [
                "".join(text for _, _, text in sorted(row)).strip()
                for _, row in sorted(lines.items(), reverse=True)
            ]
        )
    return result


# -- fixtures --------------------------------------------------------------------------------------------

BIRTH = "1.001193"
CREATED = datetime(2025, 11, 22, 9, 30)
LONG_PLACE = (
    "Bệnh viện Phụ sản Hà Nội, số 929 đường La Thành, phường Giảng Võ, thành phố Hà Nội "
    "(khoa sản thường, tầng ba, nhà B, cạnh khu điều trị theo yêu cầu)"
)
ANSWERS = {
    "applicant_full_name": "Nguyễn Thị Lan",
    "applicant_birth_date": "05/09/1995",
    "applicant_cccd": "001195012345",
    "applicant_phone": "0912345678",
    "applicant_relationship": "Mẹ",
    "child_full_name": "Trần Minh Khang",
    "child_gender": "Nam",
    "child_birth_date": "12/10/2025",
    "child_birth_place": LONG_PLACE,
    "child_ethnicity": "Kinh",
    "child_nationality": "Việt Nam",
    "child_hometown": "xã Tam Hưng, thành phố Hà Nội",
    "mother_full_name": "Nguyễn Thị Lan",
    "mother_birth_year": "1995",
    "father_full_name": "",  # optional, skipped: a dotted line
    "parents_residence": "Số 12, ngõ 34 phố Đặng Tiến Đông, phường Đống Đa, thành phố Hà Nội",
}


@pytest.fixture(scope="module")
def birth_form() -> FormSpec:
    return load_forms()[BIRTH]


def render(form: FormSpec, answers: dict[str, str], **overrides) -> bytes:
    arguments = {
        "procedure_name": "Thủ tục đăng ký khai sinh",
        "dossier_code": "000.00.12.H23-251122-0007",
        "commune_name": "xã Tam Hưng",
        "created_at": CREATED,
        "compress": False,
    }
    return render_declaration(form, answers, **{**arguments, **overrides})


@pytest.fixture(scope="module")
def birth_pdf(birth_form: FormSpec) -> bytes:
    # Answers in NFD (as some keyboards send them) must come out as NFC text.
    return render(birth_form, {name: unicodedata.normalize("NFD", value) for name, value in ANSWERS.items()})


@pytest.fixture(scope="module")
def birth(birth_pdf: bytes) -> ReadPdf:
    return read_pdf(birth_pdf)


# -- the file ---------------------------------------------------------------------------------------------


def test_output_is_a_pdf_with_embedded_dejavu_fonts(birth_pdf: bytes, birth: ReadPdf):
    assert birth_pdf.startswith(b"%PDF-1.")
    assert birth_pdf.rstrip().endswith(b"%%EOF")
    assert set(birth.fonts.values()) == {"MPDFAA+DejaVuSansBook", "MPDFAA+DejaVuSansBold"}
    assert all(name.split("+")[-1].startswith("DejaVuSans") for name in birth.embedded)
    assert birth.embedded and all(birth.embedded.values()), "every font program is embedded (FontFile2)"


def test_fonts_are_vendored_with_their_licence():
    assert all(path.parent == FONT_DIR and path.stat().st_size > 100_000 for path in FONT_FILES.values())
    assert all(path.read_bytes()[:4] == b"\x00\x01\x00\x00" for path in FONT_FILES.values())  # TrueType
    licence = (FONT_DIR / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")
    assert "Bitstream" in licence and "DejaVu" in licence


def test_compressed_output_is_small_and_fonts_are_subset(birth_form: FormSpec):
    compressed = render(birth_form, ANSWERS, compress=True)
    assert compressed.startswith(b"%PDF-")
    assert len(compressed) < 60_000, "the fonts are subset, not embedded whole (DejaVuSans.ttf is 740 KB)"
    assert len(compressed) < len(render(birth_form, ANSWERS))


def test_one_page_a4(birth_pdf: bytes, birth: ReadPdf):
    assert len(birth.pages) == 1
    assert b"/MediaBox [0 0 595.28 841.89]" in birth_pdf


# -- the Vietnamese text ----------------------------------------------------------------------------------


def test_national_heading_title_and_addressee(birth: ReadPdf):
    lines = birth.pages[0]
    assert lines[:3] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
    ]
    assert "(Thủ tục đăng ký khai sinh, mã thủ tục 1.001193)" in lines
    assert "Mã hồ sơ: 000.00.12.H23-251122-0007" in lines
    assert "Kính gửi: Ủy ban nhân dân xã Tam Hưng" in lines


def test_every_field_is_printed_as_label_and_value(birth: ReadPdf, birth_form: FormSpec):
    assert "Họ, chữ đệm, tên người yêu cầu: Nguyễn Thị Lan" in birth.lines
    assert "Số định danh cá nhân (CCCD) của người yêu cầu: 001195012345" in birth.lines
    assert "Quê quán: xã Tam Hưng, thành phố Hà Nội" in birth.lines
    flowing = " ".join(birth.lines)  # a long value wraps onto the next line, cut at a space
    for spec in birth_form.paper_fields:
        if ANSWERS[spec.name]:
            assert f"{spec.label}: {ANSWERS[spec.name]}" in flowing, spec.name
    assert sum(LONG_PLACE.startswith(line.removeprefix("Nơi sinh: ")) for line in birth.lines) == 1
    assert all(unicodedata.is_normalized("NFC", line) for line in birth.lines)


def test_an_empty_optional_field_is_a_dotted_line_on_one_line(birth: ReadPdf):
    line = next(line for line in birth.lines if line.startswith("Họ, chữ đệm, tên người cha:"))
    assert re.fullmatch(r"Họ, chữ đệm, tên người cha: \.{40,}", line)
    following = birth.lines[birth.lines.index(line) + 1]
    assert following.startswith("Nơi cư trú của cha, mẹ:"), "the dots must not spill onto a line of their own"


def test_commitment_place_date_and_signature(birth: ReadPdf):
    text = birth.text
    assert "Tôi cam đoan những nội dung khai trên đây là đúng sự thật" in text
    lines = birth.lines
    dated = lines.index("Làm tại: Xã Tam Hưng, ngày 22 tháng 11 năm 2025")
    assert lines[dated + 1 : dated + 4] == ["Người yêu cầu", "(Ký, ghi rõ họ tên)", "Nguyễn Thị Lan"]
    assert lines[-1] == "Tờ khai tạo từ Trợ lý dịch vụ công trực tuyến – mã thủ tục 1.001193 · Trang 1/1"


@pytest.mark.parametrize(
    "filed",
    [
        datetime(2025, 11, 21, 23, 30),  # naive UTC, as SQLite hands received_at back
        datetime(2025, 11, 21, 23, 30, tzinfo=timezone.utc),  # aware UTC, as PostgreSQL does
    ],
)
def test_dated_on_the_communes_day_not_utcs(birth_form: FormSpec, filed: datetime):
    """Filed at 06:30 in Vietnam on 22/11 (23:30 UTC on 21/11): the declaration says 22/11."""
    lines = read_pdf(render(birth_form, ANSWERS, created_at=filed)).lines
    assert "Làm tại: Xã Tam Hưng, ngày 22 tháng 11 năm 2025" in lines


def test_without_dossier_code_and_with_another_recipient(birth_form: FormSpec):
    read = read_pdf(render(birth_form, ANSWERS, dossier_code=None, recipient="Công an xã Tam Hưng"))
    assert not any(line.startswith("Mã hồ sơ") for line in read.lines)
    assert "Kính gửi: Công an xã Tam Hưng" in read.lines


def test_every_configured_form_renders_blank_with_dotted_lines():
    for code, form in load_forms().items():
        read = read_pdf(render(form, {}, procedure_name=f"Thủ tục {code}", dossier_code=None))
        assert read.lines[2] == form.title.upper(), code
        for spec in form.paper_fields:
            assert any(re.fullmatch(rf"{re.escape(spec.label)}: \.{{10,}}", line) for line in read.lines), (
                spec.name
            )
        assert read.lines[-1].startswith(f"Tờ khai tạo từ Trợ lý dịch vụ công trực tuyến – mã thủ tục {code}")


def test_long_answers_flow_onto_more_pages_with_the_signature_kept_whole():
    fields = tuple(
        FieldSpec(name=f"note_{index}", label=f"Ghi chú số {index}", question="Dạ, anh/chị ghi chú gì ạ?")
        for index in range(16)
    )
    form = FormSpec(
        "1.004837",
        "Tờ khai đăng ký giám hộ",
        (
            FieldSpec(
                "applicant_full_name",
                "Họ, chữ đệm, tên người yêu cầu",
                "Dạ, họ tên anh/chị ạ?",
                "person_name",
            ),
            *fields,
            FieldSpec("applicant_phone", "Số điện thoại", "Dạ, số điện thoại ạ?", "phone"),
        ),
    )
    answers = {
        spec.name: "Giám hộ cho cháu Lê Thị Ánh Tuyết, ở cùng ông bà ngoại tại thôn Đông. " * 3
        for spec in fields
    }
    answers["applicant_full_name"] = "Lê Văn Đức"
    read = read_pdf(render(form, answers, procedure_name="Thủ tục đăng ký giám hộ"))
    count = len(read.pages)
    assert count > 1
    assert [page[-1][-len("Trang 1/1") :] for page in read.pages] == [
        f"Trang {number}/{count}" for number in range(1, count + 1)
    ]
    assert all(page[0] != "Người yêu cầu" for page in read.pages)
    last = read.pages[-1]
    assert last[last.index("Người yêu cầu") + 2] == "Lê Văn Đức"
    assert any(line.startswith("Làm tại:") for line in last)


def test_vietnamese_date_line():
    assert vietnamese_date(datetime(2025, 3, 5)) == "ngày 05 tháng 3 năm 2025"
    assert vietnamese_date(datetime(2025, 2, 14)) == "ngày 14 tháng 02 năm 2025"
    assert vietnamese_date(datetime(2025, 11, 22)) == "ngày 22 tháng 11 năm 2025"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="Poppler's pdftotext is not installed")
def test_the_reader_agrees_with_poppler(birth_pdf: bytes, birth: ReadPdf, tmp_path):
    path = tmp_path / "declaration.pdf"
    path.write_bytes(birth_pdf)
    poppler = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    poppler_words = poppler.stdout.split()
    assert poppler_words == " ".join(birth.lines).split()
