"""The dashboard's frame: page config, language, the database, the pages, the shared selection and the
demo notice. dashboard.py calls main(); a page opened by a deep link before any session has declared the
pages (Streamlit then runs pages/ files directly) calls it too, through finsam.web.app.page()."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import streamlit as st

from finsam import config
from finsam.query.filters import Filters
from finsam.web import context, figures, reads, sidebar, signin, style, url_selection
from finsam.labels import t

PAGES = [
    ("pages/oversikt.py", "page_overview", "oversikt", ":material/dashboard:"),
    ("pages/kon.py", "page_gender", "kon", ":material/wc:"),
    ("pages/remittenter.py", "page_referrals", "remittenter", ":material/call_split:"),
    ("pages/tid.py", "page_time", "tid", ":material/schedule:"),
    ("pages/uppfoljning.py", "page_followup", "uppfoljning", ":material/trending_up:"),
    ("pages/kommuner.py", "page_municipalities", "kommuner", ":material/location_city:"),
    ("pages/avslut.py", "page_exits", "avslut", ":material/logout:"),
    ("pages/ekonomi.py", "page_economy", "ekonomi", ":material/payments:"),
    ("pages/enkater.py", "page_surveys", "enkater", ":material/forum:"),
    ("pages/jamfor.py", "page_compare", "jamfor", ":material/compare_arrows:"),
    ("pages/kallor.py", "page_sources", "kallor", ":material/fact_check:"),
    ("pages/mal.py", "page_goals", "mal", ":material/flag:"),
    ("pages/importera.py", "page_import", "importera", ":material/upload_file:"),
    ("pages/styrelseunderlag.py", "page_board_pack", "styrelseunderlag", ":material/picture_as_pdf:"),
    ("pages/presentation.py", "page_presentation", "presentation", ":material/slideshow:"),
    ("pages/tillganglighet.py", "page_accessibility", "tillganglighet", ":material/accessibility_new:"),
]


log = logging.getLogger("finsam")
figures.install()  # finished figures shared by the sessions of this process (per role, protection, version)
_run = threading.local()  # Streamlit runs each session's script in its own thread
RECORD_FREE_PAGES = {"pages/kallor.py", "pages/tillganglighet.py"}
STATEMENT_URL = "tillganglighet"  # the accessibility statement: open before sign-in too  # what a reader of published figures may open


def _page_allowed(path: str, access) -> bool:
    if path == "pages/importera.py":  # the demo may check a file there, not write it
        return access.may_import or access.role == "demo"
    return access.sees_records or path in RECORD_FREE_PAGES


def _published_only():
    """The selection of a reader of published figures: years of the reports, no record filters."""
    return Filters(years=(2000, 2100))


def frame_is_running() -> bool:
    """True while main() runs the current page (so a page knows whether it was started on its own)."""
    return getattr(_run, "active", False)


def _language_to_url() -> None:
    url_selection.write("lang", ["English"] if st.session_state.get("lang") == "en" else [])


def main() -> None:
    st.set_page_config(page_title="finsam", page_icon="📊", layout="wide")
    url_selection.adopt()  # before anything: a click while this run loads must not lose a shared link's selection
    url_selection.seed("lang", url_selection.language())
    selection_box = st.sidebar.container()  # the selection first in the sidebar, the language under it
    lang = st.sidebar.radio("Språk / Language", ["sv", "en"], key="lang", horizontal=True, on_change=_language_to_url,
                            format_func=lambda v: {"sv": "Svenska", "en": "English"}[v])
    _language_to_url()  # the URL holds the language shown, however it was chosen
    style.accessibility(lang)
    access = signin.signed_in(lang)
    refused = "sign_in" if access is None else "needs_sign_in" if signin.needs_sign_in(access) else None
    allowed = [p for p in PAGES if access is None or _page_allowed(p[0], access)]
    pages = [st.Page(config.ROOT / path, title=t(key, lang), url_path=url, icon=icon, default=(i == 0))
             for i, (path, key, url, icon) in enumerate(allowed)]
    # declared in every run before anything can stop it, so the sidebar never falls back to file names
    current = st.navigation(pages, position="hidden" if refused else "sidebar",
                            expanded=True)  # every page listed: no "more" button hiding some
    if refused and current.url_path == STATEMENT_URL:  # the law asks it be readable by everyone
        from finsam.web import statement

        st.markdown(statement.text(lang))
        return
    if refused == "sign_in":
        signin.sign_in_form(lang)
        return
    if refused:
        st.error(t("needs_sign_in", lang), icon=":material/lock:")
        return
    reads.ensure_database(lang)
    signin.account_box(access, lang)
    st.session_state["_access"] = access
    st.session_state["_filters"] = sidebar.filter_panel(selection_box) if access.sees_records else _published_only()
    status = reads.lookup("demo_status", st.session_state["_filters"].associations or access.associations or ())
    if (status.has_demo & ~status.has_imported).any():
        st.warning(t("demo_notice", lang), icon=":material/science:")
    mixed = status[status.has_demo & status.has_imported].association_id.tolist()
    if mixed:
        st.warning(t("mixed_notice", lang).format(", ".join(mixed)), icon=":material/warning:")
    _run.active = True
    started = time.perf_counter()
    try:
        try:
            current.run()
        finally:  # a page that stops early (st.stop: nothing to show) is a page run too
            log.debug("page run %s %.1f ms", current.url_path or "oversikt", (time.perf_counter() - started) * 1000)
        protection = context.protection()
        if protection.enabled:
            st.caption(t("suppressed_legend", lang).format(protection.threshold, protection.threshold))
        else:
            st.caption(t("unprotected_note", lang))
    except Exception:  # an unexpected failure: logged in full, shown as a sentence, never as a traceback
        log.exception("page %s failed", current.title)
        st.error(t("error", lang))
    finally:
        _run.active = False


@dataclass
class Page:
    lang: str
    filters: Filters
    subtitle: str


def ensure_frame() -> None:
    """Run the dashboard frame when a page script was started on its own (a deep link into a fresh
    server makes Streamlit run pages/ files directly): the frame then runs this page inside it."""
    if not frame_is_running():
        main()
        st.stop()


def page(title_key: str | None = None) -> Page:
    """What every page starts with: the language, the selection, the page's title with the selection
    under it, and a stop with a sentence when the selection is empty."""
    ensure_frame()
    lang = context.language()
    f: Filters = st.session_state["_filters"]
    subtitle = sidebar.selection_text(f, lang)
    if title_key:
        st.title(t(title_key, lang))
        st.caption(subtitle)
    flow = reads.query("participant_flow", f)
    if flow.empty or flow.participants_total.sum() == 0:
        st.info(t("empty", lang))
        st.stop()
    return Page(lang, f, subtitle)
