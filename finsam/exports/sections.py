"""The one section model behind the board pack (finsam.exports.pack, printed by pdf and slides) and the annual
report's chapter (finsam.exports.chapter, written by chapter_files): a Section with its title, sentences, tables
(with caption, source and n), charts and notes, and the Context that runs every query of a selection through
finsam.query.queries.run, the door the dashboard uses, with the user's access and the small-count protection.

A Section of the pack has one sentence, at most one table (its cells already printed as text) and at most one
chart; a Section of the chapter keeps numbers as numbers (NaN = suppressed, printed ".."). Where both print the
same figures in their own words, they read them here once: referrals(), followup() and per_horizon(), key_figures()
and over_years() for the five-year trend, largest() for the leading row.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd
import plotly.graph_objects as go

from finsam import config
from finsam.access import Access
from finsam.exports.selection import ReportError, Selection
from finsam.labels import fmt, pct
from finsam.present import images
from finsam.privacy import Protection
from finsam.query import queries as q
from finsam.query import lookups

LANG = "sv"
TREND_YEARS = 5
DEMO_NOTE = ("Demodata: deltagarposterna är rekonstruerade ur förbundens publicerade årsrapporter och delvis "
             "syntetiska. De beskriver inga verkliga personer.")
SUPPRESSED_NOTE = ("”..” betyder färre än {0} deltagare: för få för att redovisas, så att ingen enskild "
                   "deltagare kan pekas ut. Där ett dolt tal annars kunde räknas fram ur en summa döljs också "
                   "nästa minsta tal (ibland en nolla). Andelar och medelvärden över färre än {0} visas inte heller.")
COUNTED_NOTE = ("En deltagare räknas ett år om deltagandet pågick någon gång under året. Tid i insats, avslut, "
                "positiva steg och uppföljning gäller dem som avslutade under året.")
CODE_LISTS = ("gender", "referral_source", "exit_reason")


@dataclass
class Table:
    data: pd.DataFrame  # the chapter: numbers as numbers, NaN = suppressed; the pack: cells printed as text
    caption: str = ""
    source: str = ""
    n: int | float | None = None  # the count the table is over (NaN when suppressed)
    decimals: dict[str, int] = field(default_factory=dict)  # columns with decimals; others integers
    text_columns: int = 1  # the leading columns of labels (left aligned); numbers after them


@dataclass
class Chart:
    figure: go.Figure
    caption: str = ""
    alt: str = ""  # alternative text
    image: bytes | None = None  # the figure as PNG, once rendered


@dataclass
class Section:
    title: str
    level: int = 2  # the chapter's heading level
    sentences: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    key: str = ""  # the pack's name for it ("flow", "data")

    # the pack's view of a section: one sentence, at most one table and one chart
    @property
    def sentence(self) -> str:
        return self.sentences[0] if self.sentences else ""

    @property
    def table(self) -> pd.DataFrame | None:
        return self.tables[0].data if self.tables else None

    @property
    def text_columns(self) -> int:
        return self.tables[0].text_columns if self.tables else 1

    @property
    def figure(self) -> go.Figure | None:
        return self.charts[0].figure if self.charts else None

    @property
    def image(self) -> bytes | None:
        return self.charts[0].image if self.charts else None


@dataclass
class Context:
    """A selection's queries with access and protection: the association as a whole (intervention None) or one
    intervention."""
    con: object
    sel: Selection
    access: Access
    protection: Protection
    labels: dict[str, dict[str, str]]  # code list -> code -> Swedish label
    subtitle: str  # the charts' subtitle
    intervention: str | None = None
    name: str = "förbundet"  # how the chapter's sentences name it: "förbundet", "Samordningsteamet"
    level: int = 3  # the chapter's heading level of its sections
    with_charts: bool = True

    def filters(self, years: tuple[int, int] | None = None) -> q.Filters:
        f = replace(self.sel.filters(), interventions=(self.intervention,) if self.intervention else ())
        return replace(f, years=years) if years else f

    def query(self, name: str, f: q.Filters, **kwargs) -> pd.DataFrame:
        return q.run(self.con, name, f, protection=self.protection, access=self.access, **kwargs)

    def run(self, name: str, **kwargs) -> pd.DataFrame:
        """The query for the selection, its years only."""
        return self.sel.of_years(self.query(name, self.filters(), **kwargs))

    def has_participants(self) -> bool:
        flow = self.run("participant_flow")
        return flow[flow.year == self.sel.year].participants_total.fillna(1).sum() != 0

    def caption(self, text: str) -> str:
        return f"{text}, {self.intervention or self.sel.association}"

    @property
    def y(self) -> int:
        return self.sel.year

    @property
    def c(self) -> int | None:
        return self.sel.compare_year


def context(con, sel: Selection, access: Access, subtitle: str) -> Context:
    """The association as a whole, once the user may see its records and the selection has participants. The
    exports leave the dashboard (meeting papers and annual reports are often public), so the small-count
    protection is always on, whatever the role may see on screen."""
    if not access.sees_records or not access.allows(sel.association):
        raise ReportError(f"Ingen behörighet till deltagaruppgifterna för {sel.association}.")
    protection = Protection(threshold=int(config.setting("FINSAM_SMALL_COUNT")))
    labels = {name: dict(zip(df.code, df.label_sv)) for name in CODE_LISTS for df in [lookups.code_list(con, name)]}
    whole = Context(con, sel, access, protection, labels, subtitle)
    if not whole.has_participants():
        raise ReportError(f"Urvalet har inga deltagare {sel.year}.")
    return whole


def full_name(con, association: str) -> str:
    return con.execute("SELECT full_name_sv FROM association WHERE association_id = ?", [association]).fetchone()[0]


def render(charts: list[Chart], progress: Callable[[int, int], None] = lambda _i, _n: None) -> None:
    """Every chart's figure as PNG, two at a time; progress(done, all) before each pair."""
    for i in range(0, len(charts), 2):
        progress(i, len(charts))
        batch = charts[i:i + 2]
        for c, png in zip(batch, images.pngs([c.figure for c in batch])):
            c.image = png


def row(df: pd.DataFrame, **where) -> pd.Series | None:
    """The first row where every column has its value, None when there is none."""
    for key, value in where.items():
        df = df[df[key] == value]
    return None if df.empty else df.iloc[0]


def value(r: pd.Series | None, column: str):
    return None if r is None else r[column]


def largest(df: pd.DataFrame, column: str) -> tuple[pd.DataFrame, object]:
    """The rows whose column is shown (not suppressed) and the index of the largest of them, None when none is."""
    known = df.dropna(subset=[column])
    return known, None if known.empty else known[column].idxmax()


def key_figures(ctx: Context) -> tuple[int, pd.DataFrame]:
    """The first of the five years up to the selection's year, and per year with participants (or hidden ones):
    participants_total, new, ended, women_share_pct, mean_months, positive_share_pct and retained_6m_pct
    (queries.key_figures); None where a year has no such figure (nobody ended, nobody due for follow-up), NaN
    where it is suppressed."""
    first = ctx.y - TREND_YEARS + 1
    kf = ctx.query("key_figures", ctx.filters((first, ctx.y)))
    series = q.key_figure_series(kf)
    out = kf[["year", "participants_total", "new", "ended"]].copy()
    for measure in ("women_share_pct", "mean_months", "positive_step_pct", "retained_6m_pct"):
        shown = series[measure]
        out[measure] = out.year.map(shown).astype(object).where(out.year.isin(shown.index), None)
    out = out.rename(columns={"positive_step_pct": "positive_share_pct"})
    return first, out[out.participants_total.isna() | (out.participants_total > 0)].reset_index(drop=True)


def over_years(kf: pd.DataFrame, first: int, year: int, says: Callable[[pd.Series, pd.Series], str]) -> str:
    """What a trend says of its first and last year, says(first row, last row), or that it has only the one."""
    if len(kf) < 2:
        return f"Uppgifter finns bara för {year} av åren {first}–{year}."
    return says(kf.iloc[0], kf.iloc[-1])


@dataclass
class Referrals:
    """The year's referral figures of a selection, read once for the pack's and the chapter's rendering."""
    split: pd.DataFrame  # participants per referral source, the selection's years
    cross: pd.DataFrame  # the year's per source and municipality
    munis: list[str]  # the municipalities among them
    now: pd.DataFrame  # the year's per source, indexed by the source
    known: pd.DataFrame  # the year's sources whose count is shown (not suppressed)
    top: object  # the source with the most participants, None when none is shown
    label: str = ""  # the top source's label, and its count and share as printed
    count: str = ""
    share: str = ""


def referrals(ctx: Context) -> Referrals:
    split = ctx.run("referral_split")
    cross = ctx.run("referral_by_municipality")
    cross = cross[cross.year == ctx.y]
    now = split[split.year == ctx.y].set_index("referral_source")
    known, top = largest(now, "participations")
    out = Referrals(split, cross, sorted(cross.municipality_name.unique()), now, known, top)
    if top is not None:
        labels = ctx.labels["referral_source"]
        out.label, out.count = labels.get(top, top), fmt(known.participations[top])
        out.share = pct(known.share_pct[top])
    return out


def followup(ctx: Context) -> pd.DataFrame:
    """The follow-up after 6 and 18 months of those who ended with a positive step, the years with anyone due."""
    df = ctx.run("followup")
    return df[df.due.isna() | (df.due > 0)]


def per_horizon(df: pd.DataFrame, year: int, says: Callable[[str, pd.Series], str]) -> list[str]:
    """says(horizon, its row) for each horizon (6m, then 18m) with a follow-up of those who ended in the year."""
    return [says(h, r) for h in ("6m", "18m") for r in [row(df, year=year, horizon=h)] if r is not None]
