"""What every run puts on the page for accessibility (WCAG 2.1 AA, README "Tillgänglighet"): the CSS for
readable captions and a visible focus, and the page's language."""
from __future__ import annotations

import streamlit as st

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
