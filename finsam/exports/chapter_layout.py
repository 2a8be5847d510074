"""The chapter's layout per association, kept as data (data/chapter_layouts/<association>.json, else
default.json): which sections appear and in which order, for the association as a whole and for each
intervention; the referral table's orientation (sources as rows or as columns), merged sources
("Psyk/Vc/Hab"), Summa rows and columns; the decimals of shares (whole percent, as the reports print).
ChapterContext is the section model's Context with the layout and what the chapter needs to label a
figure the association's report does not have."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from finsam import config
from finsam.exports.sections import Context

LAYOUT_DIR = "chapter_layouts"
ORIENTATIONS = ("rows", "columns")


class LayoutError(ValueError):
    """A layout file that cannot be used, in a Swedish sentence naming the file and the fix."""


@dataclass(frozen=True)
class Layout:
    name: str  # the file's stem: the association, or "default"
    whole: tuple[str, ...]
    intervention: tuple[str, ...]
    interventions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # intervention -> its sections
    orientation: str = "rows"  # the referral table: sources as rows, or as columns (the 2025 report)
    merge: dict[str, tuple[str, ...]] = field(default_factory=dict)  # printed label -> source codes
    order: tuple[str, ...] = ()  # the referral sources' order (codes or merged labels); the rest by size
    summa: bool = True
    share_decimals: int = 0
    report: str = ""  # the report whose structure it follows, said in the chapter's data note
    decimals: dict[str, int] = field(default_factory=dict)  # a column's decimals where the report differs

    def sections_of(self, intervention: str | None) -> tuple[str, ...]:
        if intervention is None:
            return self.whole
        return self.interventions.get(intervention, self.intervention)


def layout_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or config.load().data_dir) / LAYOUT_DIR


def load(association: str, known: set[str], data_dir: Path | None = None) -> Layout:
    """The association's layout, or the default one; known: the section names the chapter can make."""
    folder = layout_dir(data_dir)
    path = folder / f"{association}.json"
    if not path.exists():
        path = folder / "default.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise LayoutError(f"Layouten {path} kunde inte läsas ({e}); rätta filen eller ta bort den.") from e
    ref = raw.get("referrals", {})
    lay = Layout(path.stem, tuple(raw.get("whole", ())), tuple(raw.get("intervention", ())),
                 {k: tuple(v) for k, v in raw.get("interventions", {}).items()}, ref.get("orientation", "rows"),
                 {k: tuple(v) for k, v in ref.get("merge", {}).items()}, tuple(ref.get("order", ())),
                 bool(ref.get("summa", True)), int(raw.get("share_decimals", 0)), raw.get("report", ""),
                 {k: int(v) for k, v in raw.get("decimals", {}).items()})
    unknown = {s for s in (*lay.whole, *lay.intervention, *(x for v in lay.interventions.values() for x in v))} - known
    if unknown:
        raise LayoutError(f"Layouten {path} nämner okända avsnitt {sorted(unknown)}; kända: {sorted(known)}.")
    if lay.orientation not in ORIENTATIONS:
        raise LayoutError(f"Layouten {path}: referrals.orientation ska vara 'rows' eller 'columns'.")
    return lay


@dataclass
class ChapterContext(Context):
    """The Context with the chapter's layout, whether small counts are shown (the association's decision)
    and, for demo data, the published figures (association, intervention, year, measure) the report has."""
    layout: Layout | None = None
    small_counts_shown: bool = False
    published: frozenset = frozenset()
    is_demo: bool = False
    solo: dict = field(default_factory=dict)  # year -> the association's only intervention that year

    def unpublished(self, year: int, measure: str, intervention: str | None = None) -> bool:
        """True when the demo's figure is not in the association's reports (synthetic or a mean no report
        prints): the chapter then leaves it out. Imported records are the association's own: never."""
        if not self.is_demo:
            return False
        iv = intervention if intervention is not None else self.intervention
        keys = [(self.sel.association, iv or "ALL", year, measure)]
        if iv is None and year in self.solo:  # a year with one team: the report's team figures are the whole's
            keys.append((self.sel.association, self.solo[year], year, measure))
        return not any(k in self.published for k in keys)

    @property
    def share_decimals(self) -> int:
        return self.layout.share_decimals if self.layout else 0
