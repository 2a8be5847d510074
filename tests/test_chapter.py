"""The annual report's statistics chapter for Sydnärke 2025 (against 2024) and Norra Västmanland 2022 (against 2021), made by
`python -m finsam report --format docx|xlsx` as a coordinator makes it, read back with python-docx and
openpyxl: the tables hold the query layer's numbers, captions are numbered, images carry alternative text; the
Word file converts to PDF with LibreOffice and its text holds the key figures."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from streamlit.testing.v1 import AppTest

from conftest import ROOT
from finsam.exports import chapter
from finsam.exports.selection import selection
from finsam.query import queries as q
from finsam.__main__ import main
from finsam.exports.chapter_files import cell_text, column_widths

SN, NV = "Sydnärke", "Norra Västmanland"
CASES = {"sn": (SN, 2025, 2024), "nv": (NV, 2022, 2021)}


@pytest.fixture(scope="module")
def made(demo_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("chapter")
    files = {}
    for key, (assoc, year, compare) in CASES.items():
        for fmt in ("docx", "xlsx"):
            path = out / f"{key}.{fmt}"
            args = ["report", "--db", str(demo_db), "--association", assoc, "--year", str(year), "--format", fmt,
                    "--out", str(path)] + (["--compare-year", str(compare)] if compare else [])
            assert main(args) == 0
            files[key, fmt] = path
    return files


def plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def full_text(p) -> str:
    """A paragraph's text with its fields' results (python-docx's .text leaves out a SEQ field's number)."""
    return "".join(t.text or "" for t in p._p.iter(qn("w:t")))


def tables_by_caption(doc: Document) -> dict[str, list[list[str]]]:
    """Each table's caption paragraph (the one before it) -> its rows of cell text."""
    out, last = {}, None
    for el in doc.element.body:
        if el.tag == qn("w:p"):
            text = "".join(t.text or "" for t in el.iter(qn("w:t")))
            if text.startswith("Tabell "):
                last = text
        elif el.tag == qn("w:tbl"):
            rows = [["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in tr.iter(qn("w:tc"))]
                    for tr in el.iter(qn("w:tr"))]
            out[last] = rows
    return out


def test_word_tables_hold_the_query_layers_numbers(made, demo_con):
    doc = Document(str(made["sn", "docx"]))
    styles = {p.style.name for p in doc.paragraphs}
    assert {"Heading 1", "Heading 2", "Heading 3", "Caption"} <= styles
    tables = tables_by_caption(doc)
    captions = [c for c in tables]
    assert captions[0].startswith("Tabell 1 ") and captions[1].startswith("Tabell 2 ")
    assert [int(c.split()[1]) for c in captions] == list(range(1, len(captions) + 1))
    # Sydnärke's layout (data/chapter_layouts) as its 2025 report: Samordningsteamet's flow, not the association's
    flow = q.run(demo_con, "participant_flow", q.Filters(years=(2024, 2025), associations=(SN,),
                                                         interventions=("Samordningsteamet",)))
    first = tables[next(c for c in captions if "Deltagare och flöde" in c and "Samordningsteamet" in c)]
    assert first[0] == ["Mått", "2024", "2025"]
    assert first[1][1:] == [cell_text(flow.participants_total[0]), cell_text(flow.participants_total[1])]
    # the header row repeats on every page
    for tbl in doc.tables:
        assert tbl.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    # time in intervention over all the association's participants, Ciceron included (report 002, 6.2)
    time = next(rows for c, rows in tables.items() if c.startswith("Tabell") and "Tid i insats" in c)
    row = next(r for r in time if r[0] == "2025")
    mt = q.run(demo_con, "time_in_intervention", q.Filters(years=(2025, 2025), associations=(SN,))).iloc[0]
    assert row[2:] == [cell_text(mt.mean_days), cell_text(mt.mean_months, 1)] == ["196", "6,5"]
    # exits: the total is all of them, the share of positive steps the query layer's
    exits = next(rows for c, rows in tables.items() if "Avslutade efter avslutsanledning" in c)
    steps = q.run(demo_con, "positive_steps", q.Filters(years=(2024, 2025), associations=(SN,),
                                                        interventions=("Samordningsteamet",)))
    total = next(r for r in exits if r[0] == "Avslutade totalt")
    assert total[1:] == [cell_text(steps.ended[0]), "100", cell_text(steps.ended[1]), "100"]  # whole percent
    positive = next(r for r in exits if r[0] == "Positiv stegförflyttning")
    assert positive[3:] == [cell_text(steps.positive[1]), cell_text(steps.share_pct[1], 0)]
    # every intervention as its own section, with its own flow table
    for iv in ("Samordningsteamet", "Ciceron"):
        assert iv in {p.text for p in doc.paragraphs if p.style.name == "Heading 2"}
    st = q.run(demo_con, "participant_flow", q.Filters(years=(2025, 2025), associations=(SN,),
                                                       interventions=("Samordningsteamet",))).iloc[0]
    assert f"Under 2025 har Samordningsteamet haft {int(st.participants_total)} deltagare, varav {int(st.new)} nya" \
        in "\n".join(p.text for p in doc.paragraphs)


def test_word_images_have_alt_text_and_numbered_captions(made):
    doc = Document(str(made["nv", "docx"]))
    pictures = list(doc.element.body.iter(qn("wp:docPr")))
    assert len(pictures) >= 3
    assert all(len(p.get("descr", "")) > 20 for p in pictures)
    diagrams = [full_text(p) for p in doc.paragraphs if p.style.name == "Caption" and p.text.startswith("Diagram")]
    assert [int(c.split()[1]) for c in diagrams] == list(range(1, len(pictures) + 1))
    assert len(doc.inline_shapes) == len(pictures) and doc.inline_shapes[0].width > 5_000_000  # EMU, ~14 cm+


def test_workbook_has_one_sheet_per_table_with_numbers(made, demo_con):
    wb = openpyxl.load_workbook(made["nv", "xlsx"])
    doc = Document(str(made["nv", "docx"]))
    assert len(wb.sheetnames) == len(doc.tables)
    ws = wb["Tabell 2"]
    assert ws["A1"].value.startswith("Tabell 2 Deltagare per hemkommun 2022")
    header = [c.value for c in ws[2]]
    split = q.run(demo_con, "municipality_split", q.Filters(years=(2022, 2022), associations=(NV,)))
    rows = {r[0].value: r for r in ws.iter_rows(min_row=3) if r[0].value in set(split.municipality_name)}
    assert len(rows) == 6
    for r in split.itertuples():
        cell = rows[r.municipality_name][header.index("Deltagare 2022")].value
        assert cell == (int(r.participations) if r.participations == r.participations else "..")
        assert isinstance(rows[r.municipality_name][header.index("Andel av befolkningen (%)")].value, float)


def test_the_chapter_for_a_reports_year_prints_that_reports_tables(demo_con, monkeypatch):
    """With the small-count protection off (threshold 1), the chapter reproduces what the reports print: Norra
    Västmanland 2022's new participants by home municipality with 2021 in parentheses (report 003, 4), and
    Sydnärke's series of mean months over all participants, Ciceron included (report 002, 6.2: 9,2 for 2024)."""
    monkeypatch.setenv("FINSAM_SMALL_COUNT", "1")
    nv = chapter.build(demo_con, selection(demo_con, NV, 2022, 2021), render=False)
    table = next(t for t in nv.tables if "Deltagare per hemkommun 2022, nya deltagare 2022 och 2021" in t.caption)
    new = table.data.set_index("Kommun")[["Nya 2022", "Nya 2021"]].astype(int)
    assert new.to_dict("index") == {"Fagersta": {"Nya 2022": 21, "Nya 2021": 14},
                                    "Hallstahammar": {"Nya 2022": 12, "Nya 2021": 15},
                                    "Norberg": {"Nya 2022": 8, "Nya 2021": 3},
                                    "Sala": {"Nya 2022": 12, "Nya 2021": 18},
                                    "Skinnskatteberg": {"Nya 2022": 3, "Nya 2021": 5},
                                    "Surahammar": {"Nya 2022": 8, "Nya 2021": 13}}
    text = " ".join(s for b in nv.blocks for s in b.sentences)
    assert ("Nya deltagare per hemkommun 2022 (inom parentes 2021): Fagersta 21 (14), Hallstahammar 12 (15), "
            "Norberg 8 (3), Sala 12 (18), Skinnskatteberg 3 (5), Surahammar 8 (13).") in text
    sn = chapter.build(demo_con, selection(demo_con, SN, 2025, 2024), render=False)
    assert "Antalet deltagare har gått från 184 år 2021 till 173 år 2025" in " ".join(s for b in sn.blocks
                                                                                  for s in b.sentences)
    series = next(t for t in sn.tables if "Tid i insats för avslutade" in t.caption).data.set_index("År")
    assert [cell_text(series.loc[y, "Månader, medel"], 1) for y in (2023, 2024, 2025)] == ["8,0", "9,2", "6,5"]


def test_a_wide_table_fits_the_page_with_figures_whole_and_names_broken_at_syllables(made):
    """Norra Västmanland team FNS's referral x municipality table (its layout gives each team its own): it fits the 16 cm text
    width, no figure is narrower than its digits, and a long municipality breaks as 'Skinn-skatte-berg' (a soft
    hyphen at a Swedish syllable), not wherever the column ends."""
    doc = Document(str(made["nv", "docx"]))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text.replace("\u00ad", "") == "Remittent")
    widths = [c.width for c in table.columns]
    assert sum(widths) <= Cm(16.05)  # EMU rounding per column
    size = table.rows[1].cells[1].paragraphs[0].runs[0].font.size.pt
    assert 7 <= size <= 9
    per_char = Cm(size * 0.68 / 72 * 2.54)
    for i, column in enumerate(table.columns):
        if i:
            assert widths[i] >= max(len(c.text) for c in column.cells[1:]) * per_char
    headers = [c.text for c in table.rows[0].cells]
    assert "Skinn\u00adskat\u00adte\u00adberg" in headers and "Fagersta" in headers  # FNS's own table
    narrow = column_widths(["Mått", "2024", "2025"], [["Deltagare totalt"], ["154"], ["206"]], 1)
    assert narrow[1] == 9 and sum(narrow[0]) <= Cm(16.05)


def test_the_pdf_from_libreoffice_holds_the_key_figures(made, demo_con, tmp_path):
    assert shutil.which("soffice"), "LibreOffice is missing: apt-get install libreoffice-writer-nogui"
    for key in ("sn", "nv"):
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                        "--outdir", str(tmp_path), str(made[key, "docx"])], check=True, capture_output=True,
                       timeout=180)
        text = plain(subprocess.run(["pdftotext", "-layout", str(tmp_path / f"{key}.pdf"), "-"],
                                    capture_output=True, text=True, check=True).stdout)
        assoc, year, _ = CASES[key]
        kf = q.run(demo_con, "participant_flow", q.Filters(years=(year, year), associations=(assoc,), interventions=(
            ("Samordningsteamet",) if key == "sn" else ()))).iloc[0]
        assert f"haft {int(kf.participants_total)} deltagare" in text
        assert "Tabell 1 " in text and "Diagram 1 " in text and "Om underlaget" in text
    assert "i genomsnitt deltagit i 196 dagar, omräknat 6,5 månader" in plain(
        subprocess.run(["pdftotext", str(tmp_path / "sn.pdf"), "-"], capture_output=True, text=True).stdout
    ).replace("\n", " ")


def test_a_template_gives_its_styles_and_page_setup(demo_db, tmp_path):
    template = Document()
    section = template.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(3.1)
    template.styles["Heading 1"].font.size = Pt(23)
    template.styles["Heading 1"].font.name = "Liberation Serif"
    template.add_paragraph("Mallens exempeltext som inte ska följa med")
    template.save(tmp_path / "mall.docx")
    out = tmp_path / "kapitel.docx"
    assert main(["report", "--db", str(demo_db), "--association", NV, "--year", "2022", "--format", "docx",
                 "--template", str(tmp_path / "mall.docx"), "--out", str(out)]) == 0
    doc = Document(str(out))
    saved = Document(str(tmp_path / "mall.docx")).sections[0]  # in twips, as Word stores it
    assert doc.sections[0].page_width == saved.page_width and abs(saved.page_width - Cm(21)) < Cm(0.01)
    assert doc.sections[0].left_margin == saved.left_margin and abs(saved.left_margin - Cm(3.1)) < Cm(0.01)
    assert doc.styles["Heading 1"].font.size == Pt(23) and doc.styles["Heading 1"].font.name == "Liberation Serif"
    assert "Mallens exempeltext" not in "\n".join(p.text for p in doc.paragraphs)
    assert doc.paragraphs[0].style.name == "Heading 1" and doc.paragraphs[0].text == "Statistik 2022"
    assert main(["report", "--db", str(demo_db), "--association", NV, "--year", "2022", "--format", "docx",
                 "--template", str(tmp_path / "saknas.docx"), "--out", str(out)]) == 1


def test_without_chromium_the_command_says_so_in_swedish_and_writes_nothing(demo_db, tmp_path):
    """A server without Chromium (the dashboard runs, the charts cannot be drawn): a sentence with its fix,
    not kaleido's traceback, and no half-written file."""
    for fmt in ("docx", "pdf"):
        out = tmp_path / f"kapitel.{fmt}"
        run = subprocess.run([sys.executable, "-m", "finsam", "report", "--db", str(demo_db), "--association", SN,
                              "--year", "2025", "--format", fmt, "--out", str(out)], cwd=ROOT, capture_output=True,
                             text=True, env={**os.environ, "BROWSER_PATH": str(tmp_path / "ingen-chromium")}, timeout=300)
        assert run.returncode == 1, run.stderr
        assert "Chromium saknas" in run.stderr and "apt-get install chromium" in run.stderr, run.stderr
        assert "Traceback" not in run.stderr and not out.exists()


def test_without_chromium_the_board_pack_page_says_so_in_swedish(demo_db, monkeypatch):
    from finsam.present import images

    monkeypatch.setenv("FINSAM_DB", str(demo_db))
    monkeypatch.setenv("BROWSER_PATH", "/ingen/chromium")
    monkeypatch.setattr(images, "_chromium", images._Chromium())  # not the browser other tests started
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.session_state["forbund"] = [SN]
    at.run()
    at.switch_page("pages/styrelseunderlag.py")
    at.run()
    at.button(key="pack_make").click().run()
    job = at.session_state["pack_job"]
    assert job.done.wait(300)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [
        "Chromium saknas (/ingen/chromium); diagram i PDF, PowerPoint och Word kan inte ritas. "
        "Åtgärd: sudo apt-get install chromium (eller ange sökvägen i BROWSER_PATH)."]
    assert job.pdf is None and not at.get("download_button")


def test_the_board_pack_page_offers_the_annual_report_in_word(demo_db, demo_con, monkeypatch):
    monkeypatch.setenv("FINSAM_DB", str(demo_db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.session_state["forbund"], at.session_state["ar"] = [SN], (2024, 2025)
    at.run()
    at.switch_page("pages/styrelseunderlag.py")
    at.run()
    at.button(key="pack_make").click().run()
    job = at.session_state["pack_job"]
    assert job.done.wait(300) and job.error is None, job.error
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Årsrapport (Word)" in labels
    doc = Document(io.BytesIO(job.docx))
    flow = q.run(demo_con, "participant_flow", q.Filters(years=(2025, 2025), associations=(SN,),
                                                         interventions=("Samordningsteamet",))).iloc[0]
    assert f"Under 2025 har Samordningsteamet haft {int(flow.participants_total)} deltagare" in \
        "\n".join(p.text for p in doc.paragraphs)


def test_goal_attainment_is_a_section_with_the_goals_measured_as_on_the_mal_page(demo_con):
    """Sydnärke 2025: the goals the board set, measured by finsam.query.goals as on the Mål page and in the pack;
    the table's outcomes are attainment's, the sentence counts its statuses."""
    from finsam.exports import chapter, chapter_files
    from finsam.query import goals
    from finsam.privacy import Protection

    sel = selection(demo_con, SN, 2025)
    ch = chapter.build(demo_con, sel, render=False)
    blocks = [b for b in ch.blocks if b.title == "Måluppfyllelse"]
    att = goals.attainment(demo_con, q.Filters(years=(2025, 2025), associations=(SN,)), 2025, Protection())
    assert len(att) >= 2 and blocks
    table = blocks[0].tables[0].data
    assert table["Utfall"].tolist() == [goals.value_text(r.outcome, r.unit) if r.indicator else ""
                                        for r in att.itertuples()]  # "173", not "173,0"
    assert table["Status"].str.startswith(tuple(goals.STATUSES)).all()
    assert blocks[0].sentences[0] == "Förbundet hade fyra mål för 2025, varav två uppnåddes och två inte gick att mäta."
    assert att.status.value_counts().to_dict() == {"uppnått": 2, "ej mätbart": 2}
    team = att[att.intervention == "Samordningsteamet"]
    assert team.outcome.iloc[0] == 173 and team.status.iloc[0] == "uppnått"  # 173 against at least 150
    doc = Document(io.BytesIO(chapter_files.to_docx(ch)))
    assert any(c.startswith("Tabell") and "Måluppfyllelse 2025" in c for c in tables_by_caption(doc))