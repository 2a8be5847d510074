"""Kommuner: each municipality's share of the participants against its share of the population."""

from finsam import charts, ui

p = ui.page("page_municipalities")
lang, f = p.lang, p.filters
df = ui.query("municipality_split", f)
ui.chart(charts.municipalities(df, lang, p.subtitle), df.drop(columns=["municipality_association_id"]),
         "municipalities", lang)
