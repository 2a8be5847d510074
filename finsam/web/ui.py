"""Streamlit glue shared by dashboard.py and pages/: the connection, cached queries, the filter panel,
and the chart-with-table block. Queries live in finsam.query.queries, figures in finsam.present.charts."""
from __future__ import annotations

import html
import logging
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pandas as pd
import streamlit as st

from finsam import config
from finsam.data import db
from finsam.query import filters, lookups, queries as q
from finsam.access import DEMO, NOBODY, Access
from finsam.present.tables import excel_csv
from finsam.privacy import Protection
from finsam.labels import col, t

log = logging.getLogger("finsam")
ROOT = config.ROOT
FILTER_KEYS = ("forbund", "ar", "insats", "kommun", "kon", "remittent")


# --- database ----------------------------------------------------------------------------------------

def db_path() -> Path:
    return config.load().db_path


def db_version() -> str:
    """Changes whenever the database file is replaced (a build or an import): part of every cache key."""
    stat = db_path().stat()
    return f"{stat.st_mtime_ns}-{stat.st_size}-{stat.st_ino}"


def ensure_database(lang: str) -> None:
    """Build the demo database on first start if it is missing (once, whoever arrives, with a progress
    bar for everyone waiting); explain and stop if that fails."""
    path = db_path()
    if path.exists():
        _upgrade(str(path), db_version())  # a file from an earlier version gets the tables this one reads
        return
    from finsam.build.database import first_build

    cfg = config.load()
    job = first_build(path, cfg.data_dir, cfg.seed)
    bar = st.progress(0.0, text=t("building", lang))
    while not job.done.wait(0.3):
        bar.progress(min(job.fraction, 1.0), text=t("building_step", lang).format(job.text) if job.text
                     else t("building", lang))
    if job.failed or not path.exists():
        st.error(t("no_db", lang))
        st.stop()
    st.rerun()


@st.cache_resource(max_entries=2, show_spinner=False)
def _upgrade(path: str, version: str) -> bool:
    from finsam.write.importer import upgrade

    return upgrade(Path(path))


@st.cache_resource(max_entries=2, show_spinner=False)
def _reader(path: str, version: str) -> db.Reader:
    return db.Reader(path)


def reader() -> db.Reader:
    """The process's reader of the current database version (db.Reader: a cursor per query, never a
    statement on the shared connection). Use `with ui.reader().reading() as cur:`."""
    return _reader(str(db_path()), db_version())


@st.cache_data(max_entries=2000, show_spinner=False)
def _cached(name: str, filters: q.Filters, version: str, protection: Protection, access: Access,
            kwargs: tuple) -> pd.DataFrame:
    log.debug("computing query %s %s %s", name, filters, kwargs)  # a cache miss (finsam.tools.bench lists them)
    with _reader(str(db_path()), version).reading() as cursor:
        return q.run(cursor, name, filters, protection, access, **dict(kwargs))


def query(name: str, filters: q.Filters, **kwargs) -> pd.DataFrame:
    """A query of finsam.query.queries by name for the signed-in role and its protection; cached by all of these
    and the database version (a cached result is never served to a role it was not made for)."""
    return _cached(name, filters, db_version(), protection(), access(), tuple(sorted(kwargs.items())))


def access() -> Access:
    """The role the frame established for this run (nobody, until it has)."""
    return st.session_state.get("_access", NOBODY)


def protection() -> Protection:
    """On for everyone; off only when a role that may see unprotected figures asked for it."""
    threshold = int(config.setting("FINSAM_SMALL_COUNT"))
    wanted_off = st.session_state.get("unprotected", False) and access().may_unprotect
    return Protection(enabled=not wanted_off, threshold=threshold)


@st.cache_data(max_entries=200, show_spinner=False)
def _cached_plain(name: str, version: str, args: tuple, access: Access):
    log.debug("computing lookup %s %s", name, args)
    with _reader(str(db_path()), version).reading() as cursor:
        return lookups.lookup(cursor, name, args, access)


def lookup(name: str, *args):
    """A filter-less query function (code lists, associations ...) for the signed-in role
    (finsam.query.lookups.lookup bounds it by the role's associations), cached by role and database version."""
    return _cached_plain(name, db_version(), args, access())


def municipality_years(f: q.Filters) -> q.Filters:
    """The selection with the years a per-municipality chart shows (filters.chart_years)."""
    return filters.chart_years(f, lookup("selection_counts", f)["municipalities"])


def code_labels(name: str, lang: str) -> dict[str, str]:
    df = lookup("code_list", name)
    return dict(zip(df.code, df.label_en if lang == "en" else df.label_sv))


# --- accessibility (WCAG 2.1 AA, README "Tillgänglighet") ----------------------------------------------

A11Y_CSS = """<style>
/* captions and shortcut hints: Streamlit draws them at opacity .6 (3.8:1); #595959 is 7:1 on white */
[data-testid="stCaptionContainer"], kbd, :has(> kbd) { opacity: 1 !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p, kbd,
[data-testid="stWidgetLabel"] [data-testid="stTooltipHoverTarget"] { color: #595959 !important; }
[data-testid="stSidebar"] [data-testid="stCaptionContainer"] p { color: #4D4D4D !important; }
/* a focus ring on everything a keyboard reaches (WCAG 2.4.7) */
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible,
summary:focus-visible, [role="button"]:focus-visible, [role="slider"]:focus-visible, [role="tab"]:focus-visible,
[role="option"]:focus-visible, [tabindex]:focus-visible, .modebar-btn:focus-visible {
  outline: 3px solid #1F5AA6 !important; outline-offset: 2px !important; }
/* the slider's input is visually hidden: the ring goes on the thumb that holds it */
[data-testid="stSlider"] div:has(> div > input[type="range"]:focus-visible) {
  outline: 3px solid #1F5AA6 !important; outline-offset: 3px; border-radius: 50%; }
[data-baseweb="select"]:focus-within { outline: 3px solid #1F5AA6; outline-offset: 2px; border-radius: .5rem; }
.finsam-chart-text { font-size: .9rem; color: #333333; margin: -.5rem 0 .25rem 0; }
</style>"""
A11Y_LANG = """<script>
document.documentElement.lang = "{lang}";
(window.parent || window).document.documentElement.lang = "{lang}";
</script>"""


def accessibility(lang: str) -> None:
    """What every run puts on the page for WCAG 2.1 AA: readable captions, a visible focus, and the page's
    language (html lang, which Streamlit leaves as "en") set to the chosen one."""
    st.html(A11Y_CSS)
    st.html(A11Y_LANG.format(lang="en" if lang == "en" else "sv"), unsafe_allow_javascript=True)


# --- the shared filter panel ---------------------------------------------------------------------------

def language() -> str:
    return st.session_state.get("lang", "sv")


def _prune(key: str, valid: list) -> None:
    """Drop selections that are impossible now (a municipality outside the chosen associations)."""
    if key in st.session_state and isinstance(st.session_state[key], list):
        kept = [v for v in st.session_state[key] if v in valid]
        if kept != st.session_state[key]:
            st.session_state[key] = kept


def _reset() -> None:
    """Back to everything: bound widgets are reset through session state (the URL follows)."""
    for key in FILTER_KEYS:
        if key == "ar":
            st.session_state[key] = st.session_state.get("_full_years")
        else:
            st.session_state[key] = []


def filter_panel() -> q.Filters:
    """Render the selection in the sidebar (bound to the URL) and return it as Filters."""
    lang = language()
    sb = st.sidebar
    sb.header(t("filters", lang))
    assoc = lookup("associations")
    allowed = access().associations
    assoc_ids = [a for a in assoc.association_id if allowed is None or a in allowed]
    _prune("forbund", assoc_ids)
    chosen = sb.multiselect(t("associations", lang), assoc_ids, key="forbund", bind="query-params",
                            placeholder=", ".join(allowed) if allowed else t("all", lang))
    scope = tuple(chosen) or tuple(assoc_ids)
    span = lookup("year_range", scope)
    if span is None:
        st.error(t("empty", lang))
        st.stop()
    first, last = span
    st.session_state["_full_years"] = (first, last)
    if "ar" in st.session_state and st.session_state["ar"] is not None:
        a, b = st.session_state["ar"]
        clamped = (min(max(a, first), last), max(min(b, last), first))
        if clamped != (a, b):
            st.session_state["ar"] = clamped
    if first == last:
        years = (first, last)
        sb.caption(f"{t('years', lang)}: {first}")
    else:
        # the default only for a slider not yet in the session: with both, Streamlit logs a warning with a stack
        default = {} if st.session_state.get("ar") is not None else {"value": (first, last)}
        years = sb.slider(t("years", lang), first, last, key="ar", bind="query-params", **default)
    interv = lookup("interventions", scope)
    interv_ids = sorted(set(interv.intervention_id))
    _prune("insats", interv_ids)
    interventions = sb.multiselect(t("interventions", lang), interv_ids, key="insats", bind="query-params",
                                   placeholder=t("all", lang))
    munis = lookup("municipalities", scope)
    names = dict(zip(munis.municipality_code, munis.municipality_name))
    _prune("kommun", list(names))
    municipalities = sb.multiselect(t("municipalities", lang), list(names), key="kommun", bind="query-params",
                                    format_func=lambda c: names.get(c, c), placeholder=t("all", lang))
    gender_labels = code_labels("gender", lang)
    genders = sb.multiselect(t("genders", lang), list(gender_labels), key="kon", bind="query-params",
                             format_func=lambda c: gender_labels.get(c, c), placeholder=t("all", lang))
    ref_labels = code_labels("referral_source", lang)
    referrals = sb.multiselect(t("referral_sources", lang), list(ref_labels), key="remittent", bind="query-params",
                               format_func=lambda c: f"{c} – {ref_labels[c]}" if c != ref_labels.get(c) else c,
                               placeholder=t("all", lang))
    sb.button(t("reset", lang), on_click=_reset, key="reset")
    if access().may_unprotect:
        sb.checkbox(t("unprotected", lang), key="unprotected", on_change=_audit_unprotected)
    return q.Filters(years=(int(years[0]), int(years[1])), associations=tuple(chosen),
                     interventions=tuple(interventions), municipalities=tuple(municipalities),
                     genders=tuple(genders), referral_sources=tuple(referrals))


def _audit_unprotected() -> None:
    """The audit log records every switch to unprotected figures (who, role, association)."""
    if st.session_state.get("unprotected"):
        from finsam.web import routes as web

        me = access()
        web._audit("view_unprotected", user=me.user, role=me.role, association=", ".join(me.associations or ()),
                   detail={"page": st.session_state.get("_page", "")}, db_path=db_path())


def signed_in(lang: str) -> Access | None:
    """Who this browser is (finsam.web.auth): the demo when sign-in is off; a local account by its session
    cookie (finsam.web.sessions, looked up again on every run, so a sign-out in one tab ends them all); an
    OpenID Connect identity by Streamlit's st.user and FINSAM_ROLES. None: not signed in (or no role)."""
    from finsam.web import auth, sessions, routes as web

    modes = auth.mode()
    if not modes:
        return DEMO
    flash = st.context.cookies.get(web.FLASH)
    if flash in ("wrong", "locked", "name", "oidc_down"):
        st.session_state["_flash"] = flash
    if "oidc" in modes and st.user.get("is_logged_in"):
        found = auth.access_for_identity(st.user.to_dict())
        if found is None:
            st.session_state["_no_role"] = st.user.get("email", "")
        elif not st.session_state.get("_oidc_recorded"):  # once per browser session
            st.session_state["_oidc_recorded"] = True
            web._audit("sign_in", user=found.user, role=found.role, association=", ".join(found.associations or ()),
                       detail={"method": "oidc"})
        return found
    if "local" in modes:
        name = sessions.user_of(st.context.cookies.get(sessions.COOKIE))
        if name is not None:
            return auth.local_access(name)
    return None


def needs_sign_in(access: Access) -> bool:
    """True when the demo installation (no sign-in) has a database with real, imported records: those are
    never served without sign-in."""
    if access.role != "demo" or not db_path().exists():
        return False
    ensure_database(language())
    return lookup("needs_sign_in")


def sign_in_form(lang: str) -> None:
    """The sign-in page: organisation account (st.login) and/or a plain HTML form that posts the local
    account to finsam's own route, which answers with the HttpOnly session cookie (finsam.web.routes)."""
    from finsam.web import auth, routes as web

    st.title(t("login_title", lang))
    no_role = st.session_state.pop("_no_role", None)
    if no_role is not None:
        st.warning(t("login_no_role", lang).format(no_role))
        st.button(t("logout", lang), on_click=_oidc_logout, key="logout")
        return
    flash = st.session_state.pop("_flash", None)
    if flash:
        st.error(t(f"flash_{flash}", lang))
    modes = auth.mode()
    if "oidc" in modes:
        st.button(t("login_oidc", lang), on_click=st.login, key="login_oidc", type="primary")
    if "local" in modes:
        query = urlencode([(k, v) for k in st.query_params for v in st.query_params.get_all(k)])
        next_url = urlsplit(st.context.url or "").path + (f"?{query}" if query else "")
        st.html(LOGIN_FORM.format(action=html.escape(web.base_path() + web.LOGIN_PATH), next=html.escape(next_url),
                                  user=t("login_user", lang), password=t("login_password", lang),
                                  button=t("login_button", lang), legend=t("login_local", lang),
                                  statement=html.escape(web.base_path() + "/tillganglighet"),
                                  statement_label=t("page_accessibility", lang)))


LOGIN_FORM = """<form method="post" action="{action}" class="finsam-login" aria-label="{legend}">
<label for="finsam-username">{user}</label>
<input id="finsam-username" name="username" type="text" autocomplete="username" required>
<label for="finsam-password">{password}</label>
<input id="finsam-password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="next" value="{next}">
<button type="submit">{button}</button>
</form>
<p class="finsam-statement"><a href="{statement}" target="_self">{statement_label}</a></p>
<style>
.finsam-login {{ display: flex; flex-direction: column; gap: .35rem; max-width: 24rem; margin-top: .5rem; }}
.finsam-login label {{ font-size: .9rem; margin-top: .4rem; }}
.finsam-login input {{ font: inherit; padding: .5rem .6rem; border: 1px solid #6b7280; border-radius: .4rem; }}
.finsam-login button {{ font: inherit; margin-top: .8rem; padding: .5rem 1rem; border: 0; border-radius: .4rem;
  background: #1F5AA6; color: #fff; cursor: pointer; align-self: flex-start; }}
.finsam-login input:focus-visible, .finsam-login button:focus-visible {{ outline: 3px solid #1F5AA6; outline-offset: 2px; }}
</style>"""
LOGOUT_FORM = """<form method="post" action="{action}" class="finsam-logout">
<button type="submit">{button}</button></form>
<style>.finsam-logout button {{ font: inherit; padding: .3rem .8rem; border: 1px solid #6b7280; border-radius: .4rem;
  background: #fff; color: #1a1a1a; cursor: pointer; }}
.finsam-logout button:focus-visible {{ outline: 3px solid #1F5AA6; outline-offset: 2px; }}</style>"""


def account_box(access: Access, lang: str) -> None:
    """Who is signed in and the way out, in the sidebar (the demo says it is one)."""
    from finsam.web import routes as web

    if access.role == "demo":
        st.sidebar.caption(t("demo_mode", lang))
        return
    st.sidebar.caption(t("signed_in_as", lang).format(access.user, t(f"role_{access.role}", lang)))
    if st.user.get("is_logged_in"):
        st.sidebar.button(t("logout", lang), on_click=_oidc_logout, key="logout")
    else:
        with st.sidebar:
            st.html(LOGOUT_FORM.format(action=html.escape(web.base_path() + web.LOGOUT_PATH), button=t("logout", lang)))


def _oidc_logout() -> None:
    from finsam.web import routes as web

    web._audit("sign_out", user=str(st.user.get("email", "")), detail={"method": "oidc"})
    st.logout()


def selection_text(f: q.Filters, lang: str) -> str:
    """The selection and period in words, for chart subtitles and export titles."""
    # "all" is all the reader may see: a board member's own association by name
    scope = f.associations or access().associations or ()
    parts = [", ".join(scope) or t("all", lang) + " " + t("associations", lang).lower()]
    if f.interventions:
        parts.append(", ".join(f.interventions))
    if f.municipalities:
        munis = lookup("municipalities", ())
        names = dict(zip(munis.municipality_code, munis.municipality_name))
        parts.append(", ".join(names.get(m, m) for m in f.municipalities))
    if f.genders:
        labels = code_labels("gender", lang)
        parts.append(", ".join(labels.get(g, g) for g in f.genders))
    if f.referral_sources:
        parts.append(", ".join(f.referral_sources))
    if f.years:
        a, b = f.years
        parts.append(str(a) if a == b else f"{a}–{b}")
    return " · ".join(parts)


def chart(fig, table: pd.DataFrame, key: str, lang: str, code_columns: dict[str, dict[str, str]] | None = None,
          note: str | None = None) -> None:
    """A chart with its table one click away: the chart as PNG and SVG, the table as CSV for Swedish Excel
    and as .xlsx. Images and workbooks are made only when their button is clicked, so pages stay fast."""
    from finsam.present import charts, images
    from finsam.present.tables import xlsx

    words = charts.summary(fig, lang, table)  # the text alternative (WCAG 1.1.1), under the chart for everyone
    st.plotly_chart(fig, key=f"chart_{key}", alt=words, config={
        "displaylogo": False, "toImageButtonOptions": {"scale": 2},
        "modeBarButtonsToRemove": ["select2d", "lasso2d"]})
    st.html(f'<p class="finsam-chart-text" id="finsam-text-{html.escape(key)}"><strong>{t("chart_text", lang)}:</strong> '
            f'{html.escape(words)}</p>')
    if note:
        st.caption(note)
    with st.container(horizontal=True, key=f"images_{key}"):
        for kind, render, mime in (("png", images.png, "image/png"), ("svg", images.svg, "image/svg+xml")):
            name = f"finsam_{key}.{kind}"
            st.download_button(_export_label(kind, lang), _audited(name, _deferred(name, render, fig)), file_name=name, mime=mime,
                               key=f"download_{kind}_{key}", on_click="ignore", type="tertiary",
                               icon=":material/image:")
    shown = table.copy()
    for column, labels in (code_columns or {}).items():
        if column in shown:
            shown[column] = shown[column].map(lambda c: labels.get(c, c))
    shown = shown.rename(columns={c: col(c, lang) for c in shown.columns})
    with st.expander(t("show_table", lang)):
        st.dataframe(shown, hide_index=True, key=f"table_{key}")
        with st.container(horizontal=True):
            csv_bytes = excel_csv(shown)
            unprotected = not protection().enabled
            st.download_button(t("download_csv", lang),
                               _audited(f"finsam_{key}.csv", lambda: csv_bytes) if unprotected else csv_bytes,
                               file_name=f"finsam_{key}.csv", on_click="ignore" if unprotected else "rerun",
                               mime="text/csv", key=f"download_{key}")
            st.download_button(_export_label("xlsx", lang),
                               _audited(f"finsam_{key}.xlsx", _deferred(f"finsam_{key}.xlsx", xlsx, shown, key[:31])),
                               file_name=f"finsam_{key}.xlsx", key=f"download_xlsx_{key}", on_click="ignore",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _export_label(kind: str, lang: str) -> str:
    sv, en = {"png": ("Diagrammet som bild (PNG)", "Chart as image (PNG)"),
              "svg": ("Diagrammet som vektorbild (SVG)", "Chart as vector image (SVG)"),
              "xlsx": ("Ladda ner tabellen (.xlsx)", "Download the table (.xlsx)")}[kind]
    return en if lang == "en" else sv


def _audited(file_name: str, make):
    """A download of unprotected figures is written to the audit log when it is made (who, role, file);
    protected downloads are passed through as they are."""
    if protection().enabled:
        return make
    from finsam.web import routes as web

    me, path = access(), db_path()

    def data() -> bytes:
        web._audit("export_unprotected", user=me.user, role=me.role, association=", ".join(me.associations or ()),
                   detail={"file": file_name}, db_path=path)
        return make()
    return data


def _deferred(file_name: str, make, *args):
    """A download's data made only on the click (Streamlit calls it on a thread of its own); a failure is
    logged with the file it was for, since the user only sees the download fail."""
    def data() -> bytes:
        try:
            return make(*args)
        except Exception:
            log.exception("making %s failed", file_name)
            raise
    return data


@st.cache_data(max_entries=16, show_spinner=False)
def _reconciliation(version: str, access: Access, protection: Protection) -> pd.DataFrame:
    from finsam.query import reconcile

    data_dir = config.load().data_dir
    log.debug("computing lookup %s %s", "reconciliation", (data_dir,))
    with _reader(str(db_path()), version).reading() as cursor:
        return reconcile.reconciliation(cursor, data_dir, access, protection)


def audit_entries(limit: int = 500) -> pd.DataFrame:
    """The audit log as the signed-in role may read it (finsam.data.audit.entries decides)."""
    from finsam.data import audit

    return audit.entries(db_path(), access=access(), limit=limit)


def reconciliation() -> pd.DataFrame:
    """Every published figure beside the computed one (finsam.query.reconcile.reconciliation) for the signed-in
    role: its associations, its protection; cached by these and the database version."""
    return _reconciliation(db_version(), access(), protection())


# --- goals and goal attainment (issue 17) ------------------------------------------------------------

@st.cache_data(max_entries=500, show_spinner=False)
def _goal_query(name: str, filters: q.Filters, version: str, protection: Protection, access: Access,
                args: tuple) -> pd.DataFrame:
    from finsam.query import goals

    with _reader(str(db_path()), version).reading() as cursor:
        if name == "attainment":
            return goals.attainment(cursor, filters, *args, protection, access=access)
        if name == "goal_lines":
            return goals.goal_lines(cursor, filters, *args, access=access)
        if name == "goal_years":
            return pd.DataFrame({"year": goals.goal_years(cursor, access.scope(filters.associations))})
        if name == "goals":
            return goals.goals(cursor, *args)
    raise ValueError(name)


def goal_query(name: str, filters: q.Filters, *args) -> pd.DataFrame:
    """finsam.query.goals' attainment (args: year), goal_lines (args: indicator), goal_years or goals (args:
    associations) for the signed-in role, cached like query() by selection, role, protection and version."""
    return _goal_query(name, filters, db_version(), protection(), access(), args)
