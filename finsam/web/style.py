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
/* the selection first: on a laptop (1280x720) it is in view without scrolling past sixteen page links */
[data-testid="stSidebarContent"] { display: flex; flex-direction: column; }
[data-testid="stSidebarHeader"] { order: 0; }
[data-testid="stSidebarUserContent"] { order: 1; padding-top: 0; }
[data-testid="stSidebarNav"] { order: 2; }
</style>"""
A11Y_LANG = """<script>
document.documentElement.lang = "{lang}";
(window.parent || window).document.documentElement.lang = "{lang}";
</script>"""


# Streamlit's own words in the controls (names read by screen readers, the multiselect's menu): in Swedish
# when the interface is; a MutationObserver keeps them Swedish as Streamlit redraws
SWEDISH_CONTROLS = """<script>
(() => {
  const doc = (window.parent || window).document;
  if (doc.finsamSwedish) return;
  doc.finsamSwedish = true;
  const exact = {"Select all": "Välj alla", "Clear all": "Rensa alla", "Open": "Öppna", "Close": "Stäng",
    "Selected values": "Valda värden", "Collapse sidebar": "Fäll ihop sidopanelen", "Expand sidebar": "Visa sidopanelen",
    "Show/hide columns": "Visa/dölj kolumner", "Search": "Sök", "No results": "Inga träffar",
    "Download as CSV": "Ladda ned som CSV", "Fullscreen": "Helskärm", "Close fullscreen": "Stäng helskärm"};
  const patterns = [[/^Remove (.+)$/, "Ta bort $1"], [/^(\\d+) options? available\\.?$/, "$1 alternativ att välja"],
    [/^option (.+), selected\\.$/, "alternativet $1 är valt."], [/^option (.+), deselected\\.$/, "alternativet $1 är borttaget."]];
  const say = (v) => { if (exact[v]) return exact[v]; for (const [re, to] of patterns) if (re.test(v)) return v.replace(re, to); return null; };
  const fix = (root) => {
    if (doc.documentElement.lang !== "sv") return;
    root.querySelectorAll?.("[aria-label],[title],[placeholder]").forEach((e) => {
      for (const a of ["aria-label", "title", "placeholder"]) { const v = e.getAttribute(a); const s = v && say(v); if (s) e.setAttribute(a, s); }
    });
    const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) { const s = say(n.nodeValue.trim()); if (s) n.nodeValue = s; }
  };
  new MutationObserver((changes) => { for (const c of changes) {
      if (c.type === "attributes") fix(c.target.parentNode || c.target);
      else if (c.type === "characterData") c.target.parentNode && fix(c.target.parentNode);
      else c.addedNodes.forEach((n) => n.nodeType === 1 ? fix(n) : n.parentNode && fix(n.parentNode)); } })
    .observe(doc.body, {subtree: true, childList: true, characterData: true, attributes: true,
                        attributeFilter: ["aria-label", "title", "placeholder"]});
  fix(doc.body);
})();
</script>"""


def accessibility(lang: str) -> None:
    """What every run puts on the page for WCAG 2.1 AA: readable captions, a visible focus, and the page's
    language (html lang, which Streamlit leaves as "en") set to the chosen one."""
    st.html(A11Y_CSS)
    st.html(A11Y_LANG.format(lang="en" if lang == "en" else "sv"), unsafe_allow_javascript=True)
    st.html(SWEDISH_CONTROLS, unsafe_allow_javascript=True)
