"""The URL is the single source of the selection. Every run starts from it; a change in the sidebar writes
it back at once (in the widget's callback, before the run); and a run whose URL carries no selection at all
(Streamlit's page navigation empties it: a page link, Esc from the presentation, a click while the first
run of a shared link is still loading) takes the session's last selection and writes it back into the URL,
so a copied link always holds what the screen shows.

URL form (readable, and the same in both languages): ?forbund=Sydnärke&kommun=Kumla&ar=2024&ar=2025
(or ar=2025, or ar=2024-2025), insats=<name>, kon=kvinna, remittent=FK, lang=English."""
from __future__ import annotations

import streamlit as st

KEYS = ("lang", "forbund", "ar", "insats", "kommun", "kon", "remittent")
FILTER_KEYS = KEYS[1:]
STORE = "_url_selection"  # the session's last selection, as URL values
LANGS = {"sv": "sv", "svenska": "sv", "en": "en", "english": "en"}


def adopt() -> dict[str, list[str]]:
    """First thing in every run: the URL's selection when it carries one (a shared link, history
    navigation, a change just written by a callback), else the session's last one, put back in the URL."""
    url = {k: st.query_params.get_all(k) for k in KEYS if k in st.query_params}
    if url:
        st.session_state[STORE] = url
    elif STORE in st.session_state:
        url = st.session_state[STORE]
        if url:
            st.query_params.update(url)
    else:  # a session's first run without a URL selection: what code set before it (a script, a test)
        url = {k: _as_url(st.session_state[k]) for k in KEYS if st.session_state.get(k) not in (None, [], ())}
        st.session_state[STORE] = url
    return url


def _as_url(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def requested(key: str) -> list[str]:
    """The URL values of one part of the selection in this run."""
    return list(st.session_state.get(STORE, {}).get(key, []))


def language() -> str:
    values = requested("lang")
    return LANGS.get(values[-1].strip().lower(), "sv") if values else "sv"


def years(span: tuple[int, int]) -> tuple[int, int]:
    """The URL's years (ar=2025, ar=2024&ar=2025 or ar=2024-2025) inside the database's span; the whole
    span when the URL has none or they cannot be read."""
    first, last = span
    raw = [part for v in requested("ar") for part in v.replace("–", "-").split("-") if part.strip()]
    try:
        asked = sorted(int(v) for v in raw)
    except ValueError:
        return span
    if not asked:
        return span
    a, b = asked[0], asked[-1]
    return min(max(a, first), last), max(min(b, last), first)


def chosen(key: str, aliases: dict[str, str], options: list[str]) -> list[str]:
    """The URL's values for a multiselect, matched to its options by any text a code may be written as
    (aliases: text -> code, e.g. a municipality's name, a label in either language); values that match
    no option are dropped."""
    by_text = {str(text).casefold(): code for text, code in aliases.items()}
    picked = []
    for value in requested(key):
        code = by_text.get(value.strip().casefold())
        if code in options and code not in picked:
            picked.append(code)
    return picked


def write(key: str, values: list[str]) -> None:
    """Put one part of the selection in the URL (and in the session's copy); empty removes it."""
    store = dict(st.session_state.get(STORE, {}))
    if values:
        store[key] = [str(v) for v in values]
        st.query_params[key] = store[key]
    else:
        store.pop(key, None)
        if key in st.query_params:
            del st.query_params[key]
    st.session_state[STORE] = store


def seed(key: str, value) -> None:
    """Give a widget the URL's value before it is drawn, when it differs from what the session holds."""
    if st.session_state.get(key) != value:
        st.session_state[key] = value
