"""The shared selection in the sidebar as Filters (the URL is its source: finsam.web.url_selection), the
switch to unprotected figures (written to the audit log), and the selection in words for subtitles and
export titles."""
from __future__ import annotations

import streamlit as st

from finsam.labels import t
from finsam.query import queries as q
from finsam.web import url_selection as url
from finsam.web.context import access, language
from finsam.web.reads import code_labels, db_path, lookup

FILTER_KEYS = url.FILTER_KEYS


def _reset() -> None:
    """Back to everything, in the widgets and in the URL."""
    for key in FILTER_KEYS:
        if key == "ar":
            st.session_state[key] = st.session_state.get("_full_years")
        else:
            st.session_state[key] = []
        url.write(key, [])


def _to_url(key: str, as_text=None) -> None:
    """A widget's callback: its new value goes into the URL before the run that shows it."""
    value = st.session_state.get(key)
    if key == "ar":
        full = st.session_state.get("_full_years")
        url.write(key, [] if value is None or tuple(value) == tuple(full or ()) else [str(value[0]), str(value[1])])
    else:
        url.write(key, [as_text(v) if as_text else v for v in value or []])


def _multiselect(sb, key: str, label: str, options: list, lang: str, texts: dict | None = None, **kw) -> list:
    """A multiselect whose value comes from the URL (matched by code or by its label in either language)
    and goes back to it; texts maps a code to how the URL writes it."""
    url.seed(key, url.chosen(key, {o: o for o in options} | kw.pop("match", {}), options))
    as_text = (lambda v: texts.get(v, v)) if texts else None
    return sb.multiselect(label, options, key=key, on_change=_to_url, args=(key, as_text),
                          placeholder=kw.pop("placeholder", t("all", lang)), **kw)


def _both_languages(name: str) -> dict[str, list[str]]:
    """Every way a code may be written in a URL: the code and its label in Swedish and English."""
    sv, en = code_labels(name, "sv"), code_labels(name, "en")
    return {code: code for code in sv} | {sv[c]: c for c in sv} | {en.get(c, c): c for c in sv}


def filter_panel(sb=None) -> q.Filters:
    """Render the selection in the sidebar (or the container sb in it) from the URL and return it as Filters."""
    lang = language()
    sb = sb or st.sidebar
    sb.header(t("filters", lang))
    assoc = lookup("associations")
    allowed = access().associations
    assoc_ids = [a for a in assoc.association_id if allowed is None or a in allowed]
    chosen = _multiselect(sb, "forbund", t("associations", lang), assoc_ids, lang,
                          placeholder=", ".join(allowed) if allowed else t("all", lang))
    scope = tuple(chosen) or tuple(assoc_ids)
    span = lookup("year_range", scope)
    if span is None:
        st.error(t("empty", lang))
        st.stop()
    first, last = span
    st.session_state["_full_years"] = (first, last)
    url.seed("ar", url.years((first, last)))
    if first == last:
        years = (first, last)
        sb.caption(f"{t('years', lang)}: {first}")
    else:
        years = sb.slider(t("years", lang), first, last, key="ar", on_change=_to_url, args=("ar",))
    interv = lookup("interventions", scope)
    interv_ids = sorted(set(interv.intervention_id))
    interventions = _multiselect(sb, "insats", t("interventions", lang), interv_ids, lang)
    munis = lookup("municipalities", scope)
    names = dict(zip(munis.municipality_code, munis.municipality_name))
    municipalities = _multiselect(sb, "kommun", t("municipalities", lang), list(names), lang, texts=names,
                                  match={n: c for c, n in names.items()}, format_func=lambda c: names.get(c, c))
    gender_labels = code_labels("gender", lang)
    genders = _multiselect(sb, "kon", t("genders", lang), list(gender_labels), lang,
                           match=_both_languages("gender"), format_func=lambda c: gender_labels.get(c, c))
    ref_labels = code_labels("referral_source", lang)
    referrals = _multiselect(sb, "remittent", t("referral_sources", lang), list(ref_labels), lang,
                             match=_both_languages("referral_source"),
                             format_func=lambda c: f"{c} – {ref_labels[c]}" if c != ref_labels.get(c) else c)
    _to_url("ar")  # a URL whose years or names the database does not hold is corrected to what is shown
    for key, as_text in (("forbund", None), ("insats", None), ("kommun", names.get), ("kon", None),
                         ("remittent", None)):
        _to_url(key, as_text)
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
