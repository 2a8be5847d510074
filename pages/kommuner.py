"""Kommuner: each municipality's share of the participants against its share of the population, over the
last years of the selection (reads.municipality_years)."""

from finsam.present import participant_charts
from finsam.web import app, blocks, reads, sidebar

p = app.page("page_municipalities")
lang, f = p.lang, p.filters
shown = reads.municipality_years(f)
df = reads.query("municipality_split", shown)
blocks.chart(participant_charts.municipalities(df, lang, sidebar.selection_text(shown, lang)), df.drop(columns=["municipality_association_id"]),
         "municipalities", lang)
