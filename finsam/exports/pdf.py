"""The board pack (finsam.exports.pack) as an A4 PDF: a title page with the summary, then one page per section
with its chart, its table and its notes, in DejaVu Sans (åäö on every machine)."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from fpdf import FPDF, FontFace
from fpdf.enums import TableCellFillMode

from finsam.exports.pack import ACCENT, DEMO_FILL, DEMO_TEXT, GREY, ZEBRA, Pack, long_date, widths
from finsam.exports.sections import DEMO_NOTE, Section
from finsam.labels import SUPPRESSED
from finsam.present import images

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


class _Pdf(FPDF):
    """A4 pages with the association, the period and the date above, the page number below."""

    def __init__(self, pack: Pack) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.pack = pack
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(15, 12, 15)
        self.set_auto_page_break(True, margin=16)
        self.content_width = self.w - self.l_margin - self.r_margin

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("DejaVu", size=8)
        self.set_text_color(*_rgb(GREY))
        self.cell(0, 5, f"{self.pack.name} · Styrelseunderlag {self.pack.period}", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, long_date(self.pack.made), align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*_rgb(ACCENT))
        self.set_line_width(0.3)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(5)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=8)
        self.set_text_color(*_rgb(GREY))
        self.cell(0, 5, f"{'Demodata · ' if self.pack.demo else ''}{SUPPRESSED} = färre än {self.pack.threshold}",
                  align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Sida {self.page_no()} av {{nb}}", align="R")

    def text(self, size: float, body: str, colour: str = "#1A1A1A", bold: bool = False, height: float | None = None,
             after: float = 0) -> None:
        self.set_font("DejaVu", "B" if bold else "", size)
        self.set_text_color(*_rgb(colour))
        self.multi_cell(self.content_width, height or size * 0.5, body, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(after)

    def table_of(self, s: Section) -> None:
        table = s.table
        self.set_font("DejaVu", "", 8.5 if len(table.columns) <= 6 else 7.5)
        self.set_text_color(26, 26, 26)
        self.set_fill_color(255, 255, 255)
        self.set_draw_color(*_rgb("#C9D3E0"))
        self.set_line_width(0.2)
        align = ["LEFT"] * s.text_columns + ["RIGHT"] * (len(table.columns) - s.text_columns)
        with self.table(width=self.content_width, col_widths=widths(table), text_align=align, line_height=4.6,
                        padding=(1, 1.5), borders_layout="HORIZONTAL_LINES",
                        headings_style=FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=_rgb(ACCENT)),
                        cell_fill_color=_rgb(ZEBRA), cell_fill_mode=TableCellFillMode.ROWS) as grid:
            grid.row([str(c) for c in table.columns])
            for values in table.itertuples(index=False):
                grid.row([str(v) for v in values])


def to_pdf(pack: Pack) -> bytes:
    """The pack as an A4 PDF: a title page with the summary, then one page per section."""
    pdf = _Pdf(pack)
    pdf.set_title(f"Styrelseunderlag {pack.name} {pack.period}")
    pdf.set_author("finsam")
    pdf.set_lang("sv")
    pdf.set_creation_date(dt.datetime.combine(pack.made, dt.time()).astimezone())
    pdf.add_page()
    pdf.ln(18)
    pdf.text(28, "Styrelseunderlag", ACCENT, bold=True, after=3)
    pdf.text(18, pack.name, bold=True, after=2)
    pdf.text(13, f"Statistik för {pack.period}", after=1)
    pdf.text(10, f"{pack.scope} · skapat {long_date(pack.made)}", GREY, after=6)
    if pack.demo:
        pdf.set_fill_color(*_rgb(DEMO_FILL))
        pdf.set_font("DejaVu", "", 9.5)
        pdf.set_text_color(*_rgb(DEMO_TEXT))
        pdf.multi_cell(pdf.content_width, 5, DEMO_NOTE, align="L", fill=True, padding=3, new_x="LMARGIN",
                       new_y="NEXT")
        pdf.ln(6)
    pdf.text(15, "Sammanfattning", ACCENT, bold=True, after=2)
    for s in pack.sections[:-1]:
        pdf.text(10.5, s.title, bold=True, height=5.5)
        pdf.text(10.5, s.sentence, height=5.2, after=2.5)
    for s in pack.sections:
        pdf.add_page()
        pdf.start_section(s.title)
        pdf.text(17, s.title, ACCENT, bold=True, after=2)
        pdf.text(11.5, s.sentence, height=6, after=3)
        if s.image is not None:
            pdf.image(io.BytesIO(s.image), x=pdf.l_margin, w=pdf.content_width,
                      h=pdf.content_width * images.HEIGHT / images.WIDTH, alt_text=s.title)
            pdf.ln(3)
        if s.table is not None and len(s.table):
            pdf.table_of(s)
            pdf.ln(3)
        for note in s.notes:
            if s.key == "data":
                pdf.text(10.5, note, height=5.5, after=3)
            else:
                pdf.text(8, note, GREY, height=4, after=1)
    return bytes(pdf.output())

