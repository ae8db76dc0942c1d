"""The printable declaration (tờ khai) of a dossier: an A4 PDF laid out like the paper forms.

The fonts are vendored in `fonts/` (DejaVu Sans, see LICENSE-DejaVu.txt): nothing is downloaded and no system
font is needed. fpdf2 embeds only the glyphs used (subsetting), so a declaration weighs a few tens of KB.
Vietnamese is written in NFC, where every letter with its marks is one precomposed glyph of DejaVu Sans, so no
text shaping engine is needed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from bot.forms.definitions import FormSpec
from bot.workflow.clock import vietnam_time

FONT_DIR = Path(__file__).parent / "fonts"
FONT_FAMILY = "DejaVu"
FONT_FILES = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
COMMITMENT = (
    "Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước pháp luật "
    "về lời cam đoan của mình."
)
SIGNER = "Người yêu cầu"
SIGN_HINT = "(Ký, ghi rõ họ tên)"
FOOTER = "Tờ khai tạo từ Trợ lý dịch vụ công trực tuyến – mã thủ tục {code}"

MARGIN = 20.0  # mm, left and right
LINE = 6.3  # mm, line height of the body text (11 pt)
SIGNATURE_BLOCK = 72.0  # mm needed below the fields for the commitment, date line and signature


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def vietnamese_date(moment: datetime) -> str:
    """'ngày 05 tháng 3 năm 2025': days below 10 and months 1-2 take a leading zero (Decree 30/2020/NĐ-CP)."""
    day = f"{moment.day:02d}"
    month = f"{moment.month:02d}" if moment.month < 3 else str(moment.month)
    return f"ngày {day} tháng {month} năm {moment.year}"


class _Declaration(FPDF):
    def __init__(self, procedure_code: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.procedure_code = procedure_code
        for style, path in FONT_FILES.items():
            self.add_font(FONT_FAMILY, style, path)
        self.set_margins(MARGIN, 15, MARGIN)
        self.set_auto_page_break(auto=True, margin=18)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT_FAMILY, "", 7.5)
        self.set_text_color(110)
        text = f"{FOOTER.format(code=self.procedure_code)} · Trang {self.page_no()}/{{nb}}"
        self.cell(0, 5, text, align=Align.C)
        self.set_text_color(0)

    def centered(self, text: str, size: float, style: str = "", height: float = LINE) -> None:
        self.set_font(FONT_FAMILY, style, size)
        self.multi_cell(0, height, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def field_line(self, label: str, value: str) -> None:
        """'label: value', the value wrapping under the label; an empty value is a dotted line to fill in."""
        self.set_x(self.l_margin)
        self.set_font(FONT_FAMILY, "", 11)
        self.write(LINE, f"{label}: ")
        if value:
            self.set_font(FONT_FAMILY, "B", 11)
            self.write(LINE, value)
        else:
            room = self.w - self.r_margin - self.get_x()
            if room < 25:  # too little room left on this line: dots on the next one
                self.ln(LINE)
                room = self.w - self.l_margin - self.r_margin
            room -= 2 * self.c_margin + 0.5  # what write() keeps free before wrapping
            self.write(LINE, "." * int(room / self.get_string_width(".")))
        self.ln(LINE + 1)


def render_declaration(
    form: FormSpec,
    answers: Mapping[str, str],
    *,
    procedure_name: str,
    dossier_code: str | None,
    commune_name: str,
    created_at: datetime,
    recipient: str | None = None,
    compress: bool = True,
) -> bytes:
    """The declaration as PDF bytes.

    `commune_name` as it follows "Ủy ban nhân dân", e.g. "xã Tam Hưng". `recipient` replaces the addressee
    when it is not the commune's People's Committee (residence procedures go to "Công an xã Tam Hưng").
    `compress=False` leaves the page content readable, for tests. `created_at` is dated on the commune's
    clock: a dossier filed at 06:30 in Vietnam is dated that day, not the previous one in UTC.
    """
    created_at = vietnam_time(created_at)
    commune_name = _nfc(commune_name.strip())
    pdf = _Declaration(form.procedure_code)
    pdf.set_compression(compress)
    pdf.set_title(_nfc(form.title))
    pdf.set_subject(_nfc(f"{procedure_name} ({form.procedure_code})"))
    pdf.set_author("Trợ lý dịch vụ công trực tuyến")
    pdf.set_creator("DVC Assistant")
    pdf.set_lang("vi-VN")
    pdf.set_creation_date(created_at)
    pdf.add_page()

    # National heading, with a short rule under the motto.
    pdf.centered(NATION, 12, "B")
    pdf.centered(MOTTO, 12.5, "B")
    motto_width = pdf.get_string_width(MOTTO)
    pdf.line((pdf.w - motto_width) / 2, pdf.get_y() + 0.5, (pdf.w + motto_width) / 2, pdf.get_y() + 0.5)
    pdf.ln(7)

    pdf.centered(_nfc(form.title).upper(), 14, "B", height=7.5)
    pdf.centered(_nfc(f"({procedure_name}, mã thủ tục {form.procedure_code})"), 9.5, height=5)
    if dossier_code:
        pdf.centered(f"Mã hồ sơ: {dossier_code}", 10, "B", height=5.5)
    pdf.ln(3)
    addressee = _nfc(recipient.strip()) if recipient else f"Ủy ban nhân dân {commune_name}"
    pdf.centered(f"Kính gửi: {addressee}", 12, "B")
    pdf.ln(4)

    for spec in form.paper_fields:
        value = " ".join(_nfc(str(answers.get(spec.name) or "")).split())
        pdf.field_line(_nfc(spec.label), value)

    # Commitment, place and date, signature: kept together on one page.
    pdf.ln(2)
    if pdf.get_y() + SIGNATURE_BLOCK > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font(FONT_FAMILY, "", 11)
    pdf.multi_cell(0, LINE, COMMITMENT, align=Align.J, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    body = pdf.w - pdf.l_margin - pdf.r_margin
    place = commune_name[:1].upper() + commune_name[1:]
    dated = f"Làm tại: {place}, {vietnamese_date(created_at)}"
    pdf.set_font(FONT_FAMILY, "", 10.5)
    # The signature column, on the right: wide enough for the place and date line on one line if possible.
    column_w = min(body, max(body / 2, pdf.get_string_width(dated) + 2 * pdf.c_margin + 1))
    column_x = pdf.l_margin + body - column_w
    applicant = " ".join(_nfc(str(answers.get(form.applicant_name_field) or "")).split())
    for text, style, size, height in (
        (dated, "", 10.5, LINE),
        (SIGNER, "B", 11.5, LINE),
        (SIGN_HINT, "", 10, LINE),
    ):
        pdf.set_x(column_x)
        pdf.set_font(FONT_FAMILY, style, size)
        pdf.multi_cell(column_w, height, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(20)
    pdf.set_x(column_x)
    pdf.set_font(FONT_FAMILY, "B", 11.5)
    pdf.multi_cell(column_w, LINE, applicant or "." * 30, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
