"""Kön: gender split per year and per intervention, counts and shares, anonymous participants apart."""

from finsam import charts, ui
from finsam.labels import t

p = ui.page("page_gender")
lang, f = p.lang, p.filters
labels = ui.code_labels("gender", lang)
df = ui.query("gender_split", f)
ui.chart(charts.gender(df, labels, lang, p.subtitle), df, "gender", lang, {"gender": labels},
         note=t("anonymous_note", lang))
by = ui.query("gender_split", f, by=("association_id", "intervention_id"))
ui.chart(charts.gender_by_intervention(by, labels, lang, p.subtitle), by, "gender_intervention", lang,
         {"gender": labels})
