"""The annual report's statistics chapter: headings, sentences, tables and charts for one association and year
(optionally a comparison year and municipalities), the association as a whole and then every intervention.

The chapter is made of the Sections of finsam.exports.sections, written by finsam.exports.chapter_sections from the
selection's Context: every figure comes through finsam.query.queries.run with the small-count protection on (the
chapter is published); tables keep numbers as numbers (NaN = suppressed, printed ".."), and every sentence is
written from the same frame as its table. finsam.exports.chapter_files writes the chapter as Word and as an Excel
workbook.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from finsam.access import ADMIN, Access
from finsam.exports.chapter_sections import INTERVENTION, WHOLE
from finsam.exports.sections import (COUNTED_NOTE, DEMO_NOTE, LANG, SUPPRESSED_NOTE, Chart, Section, Table, context,
                                     full_name, render as render_charts)
from finsam.exports.selection import Selection
from finsam.labels import t
from finsam.query import lookups


@dataclass
class Chapter:
    selection: Selection
    name: str
    title: str
    blocks: list[Section]

    @property
    def file_stem(self) -> str:
        return f"arsrapport_statistik_{self.selection.association}_{self.selection.year}".replace(" ", "_")

    @property
    def tables(self) -> list[Table]:
        return [tb for b in self.blocks for tb in b.tables]

    @property
    def charts(self) -> list[Chart]:
        return [c for b in self.blocks for c in b.charts]


def _subtitle(sel: Selection, intervention: str | None = None) -> str:
    return " · ".join([sel.association] + ([intervention] if intervention else [])
                      + [" och ".join(map(str, sel.years))])


def _data_note(demo: bool, threshold: int) -> Section:
    notes = [SUPPRESSED_NOTE.format(threshold), COUNTED_NOTE, t("anonymous_note", LANG),
             "Siffrorna är desamma som i finsam-dashboarden för samma urval."]
    if demo:
        notes.insert(0, DEMO_NOTE)
    return Section("Om underlaget och skyddet av små tal", 2, notes=notes)


def build(con, sel: Selection, access: Access = ADMIN, render: bool = True) -> Chapter:
    """The chapter's blocks, charts rendered to PNG when render."""
    whole = context(con, sel, access, _subtitle(sel))
    name = full_name(con, sel.association)
    period = f"{sel.year}" + (f" jämfört med {sel.compare_year}" if sel.compare_year else "")
    blocks = [Section(f"Statistik {period}", 1, [f"Statistiken gäller {name} {period}: först förbundet som "
                                                  f"helhet, sedan varje insats för sig."]),
              Section("Förbundet som helhet", 2)]
    blocks += [b for make in WHOLE for b in [make(whole)] if b is not None]
    ivs = lookups.interventions(con, (sel.association,))
    ivs = ivs[(ivs.first_year <= sel.year) & (ivs.last_year >= sel.year)]
    for iv in ivs.itertuples():
        scope = replace(whole, subtitle=_subtitle(sel, iv.intervention_id), intervention=iv.intervention_id,
                        name=iv.name_sv, with_charts=False)
        if not scope.has_participants():
            continue
        blocks.append(Section(iv.name_sv, 2))
        blocks += [b for make in INTERVENTION for b in [make(scope)] if b is not None]
    blocks.append(_data_note(lookups.is_demo(con, (sel.association,)), whole.protection.threshold))
    chapter = Chapter(sel, name, f"Statistik {period}", blocks)
    if render:
        render_charts(chapter.charts)
    return chapter
