"""Enkäter: the NNS indicator questions in full with the share of positive answers per year, the n and
the change from the year before; the violence survey's share per year with n, women and men apart where
published. With more than a few associations: each at its latest survey, the NNS questions side by side."""
import streamlit as st

from finsam.present import survey_charts
from finsam.query.filters import FEW_GROUPS, latest_rows
from finsam.web import app, blocks, reads
from finsam.labels import t

p = app.page("page_surveys")
lang, f = p.lang, p.filters
nns = reads.query("surveys", f, survey="nns")
violence = reads.query("surveys", f, survey="violence")
if nns.empty and violence.empty:
    st.info(t("no_survey", lang))
    st.stop()
if nns.association_id.nunique() > FEW_GROUPS:
    for timepoint, part in nns.groupby("timepoint"):
        latest = latest_rows(part, ("association_id", "intervention_id"))
        blocks.chart(survey_charts.survey_by_association(latest, lang, f"{t('t_nns', lang)} {t('timepoint_' + timepoint, lang)}",
                                              p.subtitle), latest.drop(columns=["question"]), f"nns_{timepoint}", lang,
                 note=t("survey_note", lang))
else:
    for (assoc, interv, timepoint), part in nns.groupby(["association_id", "intervention_id", "timepoint"]):
        title = f"{t('t_nns', lang)} {t('timepoint_' + timepoint, lang)}"
        sub = f"{assoc} · {interv} · {', '.join(str(y) for y in sorted(part.year.unique()))}"
        blocks.chart(survey_charts.survey(part, lang, title, sub), part.drop(columns=["question"]),
                 f"nns_{assoc}_{interv}_{timepoint}", lang, note=t("survey_note", lang))
if not violence.empty:
    if violence.association_id.nunique() > FEW_GROUPS:
        violence = latest_rows(violence, ("association_id", "intervention_id"))
    blocks.chart(survey_charts.violence(violence, reads.code_labels("gender", lang), lang, p.subtitle),
             violence.drop(columns=["question", "question_text"]), "violence", lang, note=t("survey_note", lang))
