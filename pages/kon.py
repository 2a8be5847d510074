"""Kön: gender split per year, and per intervention (one association) or per association (several) over the
last three years; counts and shares, anonymous participants apart."""

from finsam import charts, queries as q, ui
from finsam.labels import t

p = ui.page("page_gender")
lang, f = p.lang, p.filters
labels = ui.code_labels("gender", lang)
df = ui.query("gender_split", f)
ui.chart(charts.gender(df, labels, lang, p.subtitle), df, "gender", lang, {"gender": labels},
         note=t("anonymous_note", lang))
# within one association per intervention, else per association (a national selection has 75 associations
# and 300 interventions); the last three years, so the chart stays readable and small at any scale
group = "intervention_id" if len(f.associations) == 1 else "association_id"
recent = q.chart_years(f, 0)
by = ui.query("gender_split", recent, by=("association_id", group) if group == "intervention_id" else (group,))
ui.chart(charts.gender_by_group(by, group, labels, lang, ui.selection_text(recent, lang)), by, "gender_intervention",
         lang, {"gender": labels})
