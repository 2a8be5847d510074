"""What the frame established for this run of a page: the chosen language, the signed-in role and the
protection of small counts (Streamlit's session state holds them)."""
from __future__ import annotations

import streamlit as st

from finsam import config
from finsam.access import NOBODY, Access
from finsam.privacy import Protection


def language() -> str:
    """The language chosen in the sidebar (bound to the URL): Swedish until English is chosen."""
    return st.session_state.get("lang", "sv")


def access() -> Access:
    """The role the frame established for this run (nobody, until it has)."""
    return st.session_state.get("_access", NOBODY)


def protection() -> Protection:
    """On for everyone; off only when a role that may see unprotected figures asked for it."""
    threshold = int(config.setting("FINSAM_SMALL_COUNT"))
    wanted_off = st.session_state.get("unprotected", False) and access().may_unprotect
    return Protection(enabled=not wanted_off, threshold=threshold)
