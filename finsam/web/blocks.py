"""The chart-and-download block every chart page shows: the chart with its text alternative, the chart
as PNG and SVG, its table as CSV for Swedish Excel and as .xlsx (downloads of unprotected figures audited)."""
from __future__ import annotations

import html
import logging

import pandas as pd
import streamlit as st

from finsam.present.tables import excel_csv
from finsam.labels import col, t
from finsam.web.context import access, protection
from finsam.web.reads import db_path

log = logging.getLogger("finsam")


def chart(fig, table: pd.DataFrame, key: str, lang: str, code_columns: dict[str, dict[str, str]] | None = None,
          note: str | None = None) -> None:
    """A chart with its table one click away: the chart as PNG and SVG, the table as CSV for Swedish Excel
    and as .xlsx. Images and workbooks are made only when their button is clicked, so pages stay fast."""
    from finsam.present import chart_text, images
    from finsam.present.shown_tables import named
    from finsam.present.tables import xlsx

    words = chart_text.summary(fig, lang, table)  # the text alternative (WCAG 1.1.1), under the chart for everyone
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
    on_screen = named(shown, lang)
    shown = shown.rename(columns={c: col(c, lang) for c in shown.columns})  # the files keep numbers as numbers
    with st.expander(t("show_table", lang)):
        st.dataframe(on_screen, hide_index=True, key=f"table_{key}")
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
    from finsam.web.routes import audit

    me, path = access(), db_path()

    def data() -> bytes:
        audit("export_unprotected", user=me.user, role=me.role, association=", ".join(me.associations or ()),
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
