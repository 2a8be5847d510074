"""The board pack (finsam.exports.pack) as 16:9 PowerPoint slides: a title slide, then one slide per section with
its chart as a picture and its table as a real (editable) PowerPoint table."""
from __future__ import annotations

import io

import pandas as pd
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from finsam.exports.pack import ACCENT, DEMO_TEXT, GREY, ZEBRA, Pack, long_date, widths
from finsam.exports.sections import DEMO_NOTE, Section
from finsam.labels import SUPPRESSED
from finsam.present import images

SLIDE_WIDTH = 13.333  # inches: 16:9
CONTENT_WIDTH, CONTENT_HEIGHT, MIN_PICTURE, GAP = 12.3, 4.3, 6.2, 0.25  # inches, below a slide's sentence
CHAR_EM, ROW_EM = 0.6, 2.1  # a table character's mean width and a row's height, in font sizes
SLIDE_FONT = "Arial"  # on every office machine (Liberation Sans has its metrics), so the tables fit everywhere


def _colour(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour[1:])


def _textbox(slide, left: float, top: float, width: float, height: float,
             lines: list[tuple[str, float, str, bool]], align: PP_ALIGN = PP_ALIGN.LEFT) -> None:
    """A text box (inches) with one paragraph per (text, size in pt, colour, bold)."""
    frame = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height)).text_frame
    frame.word_wrap = True
    for i, (body, size, colour, bold) in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = align
        para.space_after = Pt(size * 0.4)
        run = para.add_run()
        run.text = body
        run.font.name, run.font.size, run.font.bold, run.font.color.rgb = SLIDE_FONT, Pt(size), bold, _colour(colour)


def _slide_layout(table: pd.DataFrame) -> tuple[float, float]:
    """The table's font size (pt) and width (inches) beside a chart: the largest size at which the table
    fits the content area (12.3 x 4.3 in) and leaves the chart at least 6.2 in."""
    chars, lines = sum(widths(table)), len(table) + 2  # a header of two lines
    for size in (11, 10, 9, 8):
        width = chars * size * CHAR_EM / 72
        if width <= CONTENT_WIDTH - MIN_PICTURE - GAP and lines * size * ROW_EM / 72 <= CONTENT_HEIGHT:
            return size, max(width, 3.5)
    return 8, CONTENT_WIDTH - MIN_PICTURE - GAP


def _pptx_table(slide, s: Section, left: float, top: float, width: float, size: float) -> None:
    """The section's table as a PowerPoint table: the header in the accent colour, zebra rows."""
    table = s.table
    n_rows, n_cols = len(table) + 1, len(table.columns)
    row_height = Pt(size * ROW_EM)
    grid = slide.shapes.add_table(n_rows, n_cols, Inches(left), Inches(top), Inches(width),
                                  row_height * n_rows).table
    grid.first_row = True  # the header row marked as one (tblPr firstRow), read as headers by screen readers
    weights = widths(table)
    for j, weight in enumerate(weights):
        grid.columns[j].width = Emu(int(Inches(width) * weight / sum(weights)))
    for i in range(n_rows):
        grid.rows[i].height = row_height
        for j in range(n_cols):
            cell = grid.cell(i, j)
            cell.text = str(table.columns[j] if i == 0 else table.iat[i - 1, j])
            cell.margin_left = cell.margin_right = Pt(4)
            cell.margin_top = cell.margin_bottom = Pt(2)
            para = cell.text_frame.paragraphs[0]
            para.alignment = PP_ALIGN.LEFT if j < s.text_columns else PP_ALIGN.RIGHT
            for run in para.runs:
                run.font.name, run.font.size, run.font.bold = SLIDE_FONT, Pt(size), i == 0
                run.font.color.rgb = RGBColor(255, 255, 255) if i == 0 else _colour("#1A1A1A")
            cell.fill.solid()
            cell.fill.fore_color.rgb = _colour(ACCENT if i == 0 else ZEBRA if i % 2 else "#FFFFFF")


def to_pptx(pack: Pack) -> bytes:
    """The pack as 16:9 slides: a title slide, then one slide per section with its chart as a picture and
    its table as a real (editable) PowerPoint table."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_WIDTH), Inches(7.5)
    count = len(pack.sections) + 1

    def footer(slide, number_: int) -> None:
        _textbox(slide, 0.5, 7.0, 10.8, 0.35, [(f"{pack.name} · Styrelseunderlag {pack.period} · "
                                                 f"{long_date(pack.made)}{' · Demodata' if pack.demo else ''} · "
                                                 f"{SUPPRESSED} = färre än {pack.threshold}", 10, GREY, False)])
        _textbox(slide, 11.3, 7.0, 1.55, 0.35, [(f"{number_} / {count}", 10, GREY, False)], PP_ALIGN.RIGHT)

    slide = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    _textbox(slide, 0.8, 1.4, 11.7, 4.8, [("Styrelseunderlag", 44, ACCENT, True), (pack.name, 30, "#1A1A1A", True),
                                         (f"Statistik för {pack.period}", 24, "#1A1A1A", False),
                                         (f"{pack.scope} · skapat {long_date(pack.made)}", 16, GREY, False)]
             + ([(DEMO_NOTE, 14, DEMO_TEXT, False)] if pack.demo else []))
    footer(slide, 1)
    for number_, s in enumerate(pack.sections, start=2):
        slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only: the title stays a real slide title
        title = slide.shapes.title
        title.left, title.top, title.width, title.height = Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.8)
        title.text = s.title
        para = title.text_frame.paragraphs[0]
        para.alignment = PP_ALIGN.LEFT
        font = para.runs[0].font
        font.name, font.size, font.bold, font.color.rgb = SLIDE_FONT, Pt(30), True, _colour(ACCENT)
        _textbox(slide, 0.5, 1.05, 12.3, 0.8, [(s.sentence, 18, "#1A1A1A", False)])
        if s.key == "data":
            _textbox(slide, 0.5, 1.9, 12.3, 5.0, [(note, 15, "#1A1A1A", False) for note in s.notes])
        else:
            has_table = s.table is not None and len(s.table) > 0
            size, table_width = _slide_layout(s.table) if has_table else (0, -GAP)
            if s.image is not None:
                picture_width = min(CONTENT_WIDTH - table_width - GAP, CONTENT_HEIGHT * images.WIDTH / images.HEIGHT)
                picture = slide.shapes.add_picture(io.BytesIO(s.image), Inches(0.5), Inches(2.0),
                                                   width=Inches(picture_width))
                # alternative text (WCAG 1.1.1): what a screen reader says for the chart
                picture._element.nvPicPr.cNvPr.set("descr", f"{s.title}. {s.sentence}")
                picture.name = s.title
            if has_table:
                _pptx_table(slide, s, 0.5 + CONTENT_WIDTH - table_width, 2.0, table_width, size)
            _textbox(slide, 0.5, 6.4, 12.3, 0.55, [(" ".join(s.notes), 10, GREY, False)])
        footer(slide, number_)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()

