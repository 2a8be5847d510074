"""What an export is made for: a Selection (one association, one year, an optional comparison year and optional
municipalities), read from what a user types by selection(), and ReportError, the sentence a user is told when
the selection cannot be exported."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from finsam.present import images
from finsam.query import queries as q
from finsam.query import lookups


class ReportError(Exception):
    """A selection the pack cannot be made for, said in a sentence for the user."""


# what the user is told in a sentence instead of a traceback: the selection, or no Chromium to draw with
USER_ERRORS = (ReportError, images.ChromiumMissing)


@dataclass(frozen=True)
class Selection:
    association: str
    year: int
    compare_year: int | None = None
    municipalities: tuple[str, ...] = ()  # municipality codes

    @property
    def years(self) -> list[int]:
        return sorted({self.year, self.compare_year} - {None})

    def filters(self) -> q.Filters:
        """All interventions of the association over the span of the years (a query's rows of the years
        between are left out where the pack reads them)."""
        return q.Filters(years=(self.years[0], self.years[-1]), associations=(self.association,),
                         municipalities=self.municipalities)

    def of_years(self, df: pd.DataFrame) -> pd.DataFrame:
        """A query's rows of the selection's years only (a comparison year need not be next to the year)."""
        return df[df.year.isin(self.years)].reset_index(drop=True)


def selection(con, association: str, year: int, compare_year: int | None = None,
              municipalities=()) -> Selection:
    """A Selection from what a user types: an association by id or name, municipalities by name or code."""
    assoc = lookups.associations(con)
    wanted = association.strip().lower()
    match = assoc[(assoc.association_id.str.lower() == wanted) | (assoc.name_sv.str.lower() == wanted)
                  | (assoc.name_en.str.lower() == wanted)]
    if match.empty:
        raise ReportError(f"Okänt förbund: {association}. Välj bland: {', '.join(assoc.association_id)}.")
    assoc_id = match.association_id.iloc[0]
    span = lookups.year_range(con, (assoc_id,))
    for y in (year, compare_year):
        if y is not None and (span is None or not span[0] <= y <= span[1]):
            raise ReportError(f"{assoc_id} har inga uppgifter för {y}"
                              + (f" (uppgifterna gäller {span[0]}–{span[1]})." if span else "."))
    if compare_year == year:
        compare_year = None
    munis = lookups.municipalities(con, (assoc_id,))
    codes = []
    for m in municipalities:
        hit = munis[(munis.municipality_code == str(m).strip())
                    | (munis.municipality_name.str.lower() == str(m).strip().lower())]
        if hit.empty:
            raise ReportError(f"{m} är ingen av {assoc_id}s kommuner ({', '.join(munis.municipality_name)}).")
        codes.append(hit.municipality_code.iloc[0])
    return Selection(assoc_id, int(year), None if compare_year is None else int(compare_year),
                     tuple(dict.fromkeys(codes)))
