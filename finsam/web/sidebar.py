"""The shared selection in the sidebar (bound to the URL) as Filters, the switch to unprotected figures
(written to the audit log), and the selection in words for subtitles and export titles."""
from __future__ import annotations

import streamlit as st

from finsam.labels import t
from finsam.query import queries as q
from finsam.web.context import access, language
from finsam.web.reads import code_labels, db_path, lookup

FILTER_KEYS = ("forbund", "ar", "insats", "kommun", "kon", "remittent")


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
        from finsam.web.routes import audit

        me = access()
        audit("view_unprotected", user=me.user, role=me.role, association=", ".join(me.associations or ()),
              detail={"page": st.session_state.get("_page", "")}, db_path=db_path())


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
