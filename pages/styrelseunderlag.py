"""Styrelseunderlag: the board pack (finsam.exports.pack) for an association, a year, an optional comparison
year and optional municipalities, made on a thread of its own while a progress bar runs, then offered as
PDF and PowerPoint. The choices start from the shared selection and can be changed here."""
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from finsam.exports import chapter, chapter_files, chapter_templates, pack as board_pack
from finsam.exports.pdf import to_pdf
from finsam.exports.selection import USER_ERRORS, Selection
from finsam.exports.slides import to_pptx
from finsam.web import app, context, reads
from finsam.labels import t

TEXT = {
    "intro": ("Statistikdelen av en årsrapport för styrelsemötet: deltagare, kommuner, kön, remittenter, tid i "
              "insats, avslut, uppföljning och de senaste fem åren, med diagram, tabeller och en mening om varje "
              "avsnitt. Samma siffror som i dashboarden; antal under {} visas som ..",
              "The statistics part of an annual report for the board meeting: participants, municipalities, gender, "
              "referral sources, time in intervention, exits, follow-up and the last five years, with charts, tables "
              "and a sentence on each section. The dashboard's figures; counts under {} show as .. The pack is "
              "written in Swedish."),
    "association": ("Förbund", "Association"),
    "year": ("År", "Year"),
    "compare_year": ("Jämför med år", "Compare with year"),
    "none": ("Inget", "None"),
    "municipalities": ("Kommuner", "Municipalities"),
    "make": ("Skapa styrelseunderlaget", "Make the board pack"),
    "working": ("Underlaget skapas …", "Making the pack …"),
    "ready": ("Klart: styrelseunderlag för {}.", "Ready: board pack for {}."),
    "pdf": ("Ladda ner PDF (A4)", "Download PDF (A4)"),
    "pptx": ("Ladda ner PowerPoint", "Download PowerPoint"),
    "docx": ("Årsrapport (Word)", "Annual report (Word)"),
    "xlsx": ("Årsrapportens tabeller (Excel)", "Annual report tables (Excel)"),
    "template": ("Förbundets Word-mall för årsrapporten (.docx, valfri)", "The association's Word template (.docx, optional)"),
    "template_kept": ("Förbundets mall används: {} (sparad till nästa år).", "The association's template is used: {} (kept for next year)."),
    "template_saved": ("Mallen {} är sparad för {} och används även nästa år.", "The template {} is kept for {} and used next year too."),
    "template_session": ("Mallen {} används för den här nedladdningen. En samordnare kan spara den för förbundet.",
                         "The template {} is used for this download. A coordinator can keep it for the association."),
    "no_template": ("Ingen mall: kapitlet skrivs i A4 med Words standardformat.", "No template: the chapter is A4 in Word's default styles."),
    "failed": ("Underlaget kunde inte skapas. Försök igen eller välj ett annat urval.",
               "The pack could not be made. Try again or choose another selection."),
    "no_access": ("Din roll ser inga deltagaruppgifter och kan inte skapa styrelseunderlag.",
                  "Your role sees no participant records and cannot make board packs."),
}
log = logging.getLogger("finsam")


def say(key: str, lang: str) -> str:
    sv, en = TEXT[key]
    return en if lang == "en" else sv


@dataclass
class Job:
    """One pack being made on a thread of its own; the page reads its progress."""
    selection: Selection
    title: str = ""
    fraction: float = 0.0
    text: str = ""
    pdf: bytes | None = None
    pptx: bytes | None = None
    docx: bytes | None = None  # the annual report's statistics chapter (finsam.exports.chapter)
    xlsx: bytes | None = None  # its tables as a workbook
    template: Path | bytes | None = None  # the association's kept Word template, or one uploaded for this download
    file_stem: str = "styrelseunderlag"
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def progress(self, fraction: float, text: str) -> None:
        self.fraction, self.text = fraction, text

    def run(self, cursor, access) -> None:
        try:
            pack = board_pack.build(cursor, self.selection, access, progress=self.progress)
            self.title, self.file_stem = f"{pack.name} {pack.period}", pack.file_stem
            self.progress(0.93, "Skriver PDF …")
            self.pdf = to_pdf(pack)
            self.progress(0.97, "Skriver PowerPoint …")
            self.pptx = to_pptx(pack)
            self.progress(0.98, "Skriver årsrapportens statistikkapitel (Word och Excel) …")
            ch = chapter.build(cursor, self.selection, access)
            self.docx = chapter_files.to_docx(ch, self.template)
            self.xlsx = chapter_files.to_xlsx(ch)
            self.progress(1.0, "Klart")
        except USER_ERRORS as e:
            self.error = str(e)
        except Exception:  # logged in full; the page says it in a sentence
            log.exception("board pack for %s failed", self.selection)
            self.error = ""
        finally:
            cursor.close()
            self.done.set()


def start(selection: Selection, template: Path | bytes | None) -> None:
    job = Job(selection, template=template)
    st.session_state["pack_job"] = job
    threading.Thread(target=job.run, args=(reads.reader().cursor(), context.access()), name="board-pack",
                     daemon=True).start()


@st.fragment(run_every=0.5)
def watch(job: Job, lang: str) -> None:
    """The progress bar, redrawn twice a second until the pack is made; then the whole page, with the
    download buttons."""
    if job.done.is_set():
        st.rerun()
    st.progress(job.fraction, text=job.text or say("working", lang))


def choose(key: str, options: list, default) -> None:
    """Start a choice at the shared selection, and again when its options no longer hold it."""
    if key not in st.session_state or st.session_state[key] not in options:
        st.session_state[key] = default if default in options else options[-1]


p = app.page()
lang, f = p.lang, p.filters
access = context.access()
st.title(t("page_board_pack", lang))
if not access.sees_records:
    st.info(say("no_access", lang))
    st.stop()
threshold = int(context.protection().threshold)
st.caption(say("intro", lang).format(threshold))

associations = [a for a in reads.lookup("associations").association_id if access.allows(a)]
choose("pack_association", associations, f.associations[0] if f.associations else associations[0])
association = st.selectbox(say("association", lang), associations, key="pack_association")
interventions = reads.lookup("interventions", (association,))
years = sorted({y for i in interventions.itertuples() for y in range(i.first_year, i.last_year + 1)})
choose("pack_year", years, f.years[1])
c1, c2 = st.columns(2)
year = c1.selectbox(say("year", lang), years, key="pack_year")
earlier = [None] + [y for y in years if y != year]
choose("pack_compare", earlier, max(f.years[0], year - 1) if f.years[0] < f.years[1] else None)
compare = c2.selectbox(say("compare_year", lang), earlier, key="pack_compare",
                       format_func=lambda y: say("none", lang) if y is None else str(y))
munis = reads.lookup("municipalities", (association,))
names = dict(zip(munis.municipality_code, munis.municipality_name))
if "pack_municipalities" not in st.session_state or not set(st.session_state["pack_municipalities"]) <= set(names):
    st.session_state["pack_municipalities"] = [m for m in f.municipalities if m in names]
municipalities = st.multiselect(say("municipalities", lang), list(names), key="pack_municipalities",
                                format_func=lambda c: names.get(c, c), placeholder=t("all", lang))

template = chapter_templates.template_path(reads.db_path(), association)
upload = st.file_uploader(say("template", lang), type=["docx"], key="chapter_template")
if upload is not None:
    data = upload.getvalue()
    if access.may_import and access.allows(association):  # a coordinator keeps it for the association
        try:
            template = chapter_templates.save_template(reads.db_path(), association, data, file_name=upload.name,
                                                       user=access.user, role=access.role)
            st.success(say("template_saved", lang).format(upload.name, association))
        except chapter_templates.TemplateError as e:
            st.error(str(e))
            st.stop()
    else:  # anyone else: this download only, never kept
        problem = chapter_files.check_template(data)
        if problem:
            st.error(problem)
            st.stop()
        template = data
        st.caption(say("template_session", lang).format(upload.name))
elif template is not None:
    st.caption(say("template_kept", lang).format(template.name))
else:
    st.caption(say("no_template", lang))

job: Job | None = st.session_state.get("pack_job")
running = job is not None and not job.done.is_set()
if st.button(say("make", lang), type="primary", icon=":material/description:", key="pack_make", disabled=running):
    start(Selection(association, year, compare, tuple(municipalities)), template)
    job, running = st.session_state["pack_job"], True

if running:
    watch(job, lang)
elif job is not None and job.error is not None:
    st.error(job.error or say("failed", lang))
elif job is not None:
    st.success(say("ready", lang).format(job.title))
    with st.container(horizontal=True):
        st.download_button(say("pdf", lang), job.pdf, file_name=f"{job.file_stem}.pdf", mime="application/pdf",
                           key="pack_pdf", icon=":material/picture_as_pdf:", on_click="ignore")
        st.download_button(say("pptx", lang), job.pptx, file_name=f"{job.file_stem}.pptx", key="pack_pptx",
                           mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                           icon=":material/slideshow:", on_click="ignore")
        st.download_button(say("docx", lang), job.docx, file_name=f"{job.file_stem.replace('styrelseunderlag', 'arsrapport')}.docx",
                           mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                           key="pack_docx", icon=":material/article:", on_click="ignore")
        st.download_button(say("xlsx", lang), job.xlsx, file_name=f"{job.file_stem.replace('styrelseunderlag', 'arsrapport')}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           key="pack_xlsx", icon=":material/table:", on_click="ignore")
