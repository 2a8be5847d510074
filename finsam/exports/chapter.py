"""The annual report's statistics chapter: headings, sentences, tables and charts for one association and year
(optionally a comparison year and municipalities), the association as a whole and then every intervention.

The chapter is made of the Sections of finsam.exports.sections, written by finsam.exports.chapter_sections from the
selection's Context: every figure comes through finsam.query.queries.run with the small-count protection on (the
chapter is published); tables keep numbers as numbers (NaN = suppressed, printed ".."), and every sentence is
written from the same frame as its table. finsam.exports.chapter_files writes the chapter as Word and as an Excel
workbook.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

from finsam.access import ADMIN, Access
from finsam.exports import chapter_results as results, chapter_sections as sections_of, comparison_section
from finsam.exports.chapter_layout import ChapterContext, Layout, load as load_layout
from finsam.exports.chapter_referrals import referral_section
from finsam.exports.sections import (COUNTED_NOTE, DEMO_NOTE, LANG, SUPPRESSED_NOTE, Chart, Section, Table, context,
                                     full_name, render as render_charts)
from finsam.exports.selection import Selection
from finsam.labels import t
from finsam.privacy import OFF
from finsam.query import lookups, publication

# every section the chapter can make, by the name a layout (data/chapter_layouts/*.json) gives it: one line each
SECTIONS = {
    "flow": sections_of._flow,
    "municipalities": sections_of._municipalities,
    "gender": sections_of._gender,
    "referrals": referral_section,
    "conversations": results.conversations,
    "violence": results.violence,
    "assignments": results.assignments,
    "time": sections_of._time,
    "exits": sections_of._exits,
    "followup": sections_of._followup,
    "comparison": results.comparison,
    "trend": sections_of._trend,
    "goals": sections_of._goals,
    "surveys": sections_of._surveys,
    "economy": sections_of._economy,
    "associations": comparison_section.chapter,  # where the association stands among those that share (issue 27)
}


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


def _data_note(ctx: ChapterContext, layout: Layout) -> Section:
    if ctx.small_counts_shown:
        rule = ("Styrelsen har beslutat att förbundets årsrapport redovisar även små tal (färre än "
                f"{ctx.protection.threshold or 5} deltagare), som tidigare års rapporter gjort. Därför visas alla tal.")
    else:
        rule = SUPPRESSED_NOTE.format(ctx.protection.threshold)
    notes = [rule, COUNTED_NOTE, t("anonymous_note", LANG), "Siffrorna är desamma som i finsam-dashboarden för samma urval."]
    if layout.report:
        notes.append(f"Kapitlet följer uppställningen i förbundets {layout.report[:1].lower() + layout.report[1:]}.")
    if ctx.is_demo:
        notes.insert(0, DEMO_NOTE + " Uppgifter som årsrapporterna inte har (till exempel medelvärden för år som "
                        "ingen rapport redovisar) är utelämnade eller markerade med –.")
    return Section("Om underlaget och skyddet av små tal", 2, notes=notes)


def chapter_context(con, sel: Selection, access: Access, subtitle: str) -> tuple[ChapterContext, Layout]:
    """The association as a whole with its layout and its decision on small counts (finsam.query.publication)."""
    whole = context(con, sel, access, subtitle)
    layout = load_layout(sel.association, set(SECTIONS))
    # the board's decision, for a role that may see small counts at all (finsam.query.queries.run decides)
    shown = publication.small_counts_shown(con, sel.association) and access.may_unprotect
    demo = lookups.is_demo(con, (sel.association,))
    ivs = lookups.interventions(con, (sel.association,))
    years = [y for iv in ivs.itertuples() for y in range(iv.first_year, iv.last_year + 1)]
    solo = {y: iv.intervention_id for iv in ivs.itertuples() for y in range(iv.first_year, iv.last_year + 1)
            if years.count(y) == 1}
    ctx = ChapterContext(**{f.name: getattr(whole, f.name) for f in fields(whole)}, layout=layout,
                         small_counts_shown=shown, is_demo=demo, solo=solo,
                         published=publication.published_keys(con, sel.association) if demo else frozenset())
    if shown:
        ctx = replace(ctx, protection=replace(OFF, threshold=whole.protection.threshold))
    return ctx, layout


def _made(ctx: ChapterContext, names: tuple[str, ...]) -> list[Section]:
    blocks = [b for name in names for b in [SECTIONS[name](ctx)] if b is not None]
    for tb in (tb for b in blocks for tb in b.tables):  # the layout's decimals for a column, as its report prints it
        tb.decimals.update({c: d for c, d in ctx.layout.decimals.items() if c in tb.data.columns})
    return blocks


def build(con, sel: Selection, access: Access = ADMIN, render: bool = True) -> Chapter:
    """The chapter's blocks in its layout's order, charts rendered to PNG when render."""
    whole, layout = chapter_context(con, sel, access, _subtitle(sel))
    name = full_name(con, sel.association)
    period = f"{sel.year}" + (f" jämfört med {sel.compare_year}" if sel.compare_year else "")
    blocks = [Section(f"Statistik {period}", 1, [f"Statistiken gäller {name} {period}: först förbundet som "
                                                  f"helhet, sedan varje insats för sig."]),
              Section("Förbundet som helhet", 2)]
    blocks += _made(whole, layout.sections_of(None))
    ivs = lookups.interventions(con, (sel.association,))
    ivs = ivs[(ivs.first_year <= sel.year) & (ivs.last_year >= sel.year)]
    named = list(layout.interventions)  # the layout's interventions first, in its order, as the report has them
    for iv in sorted(ivs.itertuples(), key=lambda i: (named.index(i.intervention_id) if i.intervention_id in named
                                                       else len(named), i.intervention_id)):
        names = layout.sections_of(iv.intervention_id)
        scope = replace(whole, subtitle=_subtitle(sel, iv.intervention_id), intervention=iv.intervention_id,
                        name=iv.name_sv, with_charts=False)
        if not names or not scope.has_participants():
            continue
        blocks.append(Section(iv.name_sv, 2))
        blocks += _made(scope, names)
    blocks.append(_data_note(whole, layout))
    chapter = Chapter(sel, name, f"Statistik {period}", blocks)
    if render:
        render_charts(chapter.charts)
    return chapter
