"""Kön: gender split per year, and per intervention (one association) or per association (several) over the
last three years; counts and shares, anonymous participants apart."""

from finsam.present import participant_charts
from finsam.query.filters import group_chart
from finsam.web import app, blocks, reads, sidebar
from finsam.labels import t

p = app.page("page_gender")
lang, f = p.lang, p.filters
labels = reads.code_labels("gender", lang)
df = reads.query("gender_split", f)
blocks.chart(participant_charts.gender(df, labels, lang, p.subtitle), df, "gender", lang, {"gender": labels},
         note=t("anonymous_note", lang))
# per intervention within one association, else per association, over the last years (group_chart)
counts = reads.lookup("selection_counts", f)
by, recent = group_chart(f, counts["interventions"], counts["associations"])
group = by[-1]
by_group = reads.query("gender_split", recent, by=by)
blocks.chart(participant_charts.gender_by_group(by_group, group, labels, lang, sidebar.selection_text(recent, lang)), by_group,
         "gender_intervention", lang, {"gender": labels})
