"""Källor: every published figure beside the computed one (the reconcile result), filterable, with the
report and section it came from; measures named and numbers formatted (present.shown_tables.sources)."""
import streamlit as st

from finsam.query import reconcile
from finsam.web import app, context, reads
from finsam.present.shown_tables import sources
from finsam.present.tables import excel_csv
from finsam.labels import t

app.ensure_frame()
lang = context.language()
f = st.session_state["_filters"]
st.title(t("page_sources", lang))
st.caption(t("sources_intro", lang))
df = reads.reconciliation()
if df.empty:
    st.info(t("no_published", lang))
    st.stop()
counts = df.status.value_counts()
st.caption(f"{len(df)} " + ("publicerade siffror: " if lang == "sv" else "published figures: ") + ", ".join(
    f"{counts.get(s, 0)} {t(f'status_{s}', lang)}" for s in reconcile.STATUSES))
statuses = list(reconcile.STATUSES)
chosen = st.multiselect(t("status_filter", lang), statuses, default=statuses, key="source_status",
                        format_func=lambda s: t(f"status_{s}", lang))
shown = df[df.status.isin(chosen) & df.year.between(*f.years)]
if f.associations:
    shown = shown[shown.association.isin(f.associations)]
if f.interventions:
    shown = shown[shown.intervention.isin(f.interventions + ("ALL",))]
codes = {kind: reads.code_labels(kind, lang) for kind in ("gender", "referral_source", "exit_reason", "assignment")}
shown = sources(shown, lang, codes)
st.dataframe(shown, hide_index=True, key="sources_table")
st.download_button(t("download_csv", lang), excel_csv(shown), file_name="finsam_kallor.csv", mime="text/csv",
                   key="download_sources")
