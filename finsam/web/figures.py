"""The dashboard's figure cache (finsam.present.figure_cache): one store per server process, shared by every
session, its scope the signed-in role, its protection of small counts and the database version, so a figure
made for one role is never shown to another, and an import makes every figure anew. Installed when the
frame is imported; the board pack and the chapter, made in a page run, use it through the same builders."""
from __future__ import annotations

from streamlit.runtime.scriptrunner import get_script_run_ctx

from finsam.present import figure_cache
from finsam.web import context, reads

MAX_FIGURES = 1500  # a figure dict is 5-60 kB: at most some 100 MB per process


def scope() -> tuple:
    """Whose figures: the role (and its associations), the protection and the database version. Outside a
    page run (a download made on a thread of its own) there is no session to ask: LookupError, and the
    builder builds without the cache."""
    if get_script_run_ctx(suppress_warning=True) is None:
        raise LookupError("no page run")
    return (context.access(), context.protection(), reads.db_version())


STORE = figure_cache.Store(scope, MAX_FIGURES)


def install() -> None:
    figure_cache.use(STORE)


def clear() -> None:
    STORE.clear()
