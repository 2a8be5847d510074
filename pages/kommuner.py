"""Kommuner: each municipality's share of the participants against its share of the population, over the
last years of the selection (ui.municipality_years)."""

from finsam.present import charts
from finsam.web import app, ui

p = app.page("page_municipalities")
lang, f = p.lang, p.filters
shown = ui.municipality_years(f)
df = ui.query("municipality_split", shown)
ui.chart(charts.municipalities(df, lang, ui.selection_text(shown, lang)), df.drop(columns=["municipality_association_id"]),
         "municipalities", lang)
