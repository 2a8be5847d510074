"""Small-count protection, applied in one place: finsam.query.queries.run passes every result through protect().

- counts from 1 to threshold-1 (default 1-4) become NaN, shown as `..` ("too few to publish");
- secondary suppression: where cells add up to a total shown elsewhere (a year's categories, a row of a
  cross-table, ended + ongoing = participants), a single hidden cell could be worked out by subtraction,
  and so could the sum of the hidden cells, so the next smallest cell of that group is hidden too, until
  no group has exactly one hidden cell or hidden cells that add up to 1-4;
- shares, means, medians and rates over fewer than `threshold` participations become NaN, and so does a
  share whose counted part is hidden (2 % of 100 would give the 2 away), and so does a share whose
  complement is a small count (45 of 47 kept: 96 % would give away the 2 who did not; the kept count is
  hidden with it, or kept and n shown side by side would too); the n behind each shown share stays in its
  column.
A 0 is not hidden: it reveals nobody.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 5


@dataclass(frozen=True)
class Protection:
    enabled: bool = True
    threshold: int = DEFAULT_THRESHOLD


OFF = Protection(enabled=False)


@dataclass(frozen=True)
class Spec:
    """How one query's result is protected.

    counts: count columns to hide when 1..threshold-1.
    category_groups: (count column, extra keys): the rows sharing year, the `by` columns and the extra keys
      add up to a total shown elsewhere (the categories of a year).
    row_sums: column lists that add up within a row (ended + ongoing = participations).
    rates: {rate column: n column}: hidden when n < threshold or the n is hidden.
    derived: {column: source count column}: hidden whenever the source is hidden (e.g. a share).
    """
    counts: tuple[str, ...] = ()
    category_groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    row_sums: tuple[tuple[str, ...], ...] = ()
    rates: dict[str, str] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)
    rates_if_known: dict[str, str] = field(default_factory=dict)  # hidden only when a known n is small
    rate_parts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a rate is hidden with its parts
    # where a rate's complement (n minus its parts) is small, these counts are hidden with it (default: the
    # parts); the choice follows the query that shows the same counts (followup shows kept, hides answered)
    complement_hides: dict[str, tuple[str, ...]] = field(default_factory=dict)
    across: tuple[str, ...] = ()  # group columns the category groups add up over (interventions of a year)


SPECS: dict[str, Spec] = {
    "participant_flow": Spec(
        counts=("participations", "new", "ended", "ongoing", "anonymous", "participants_total"),
        row_sums=(("ended", "ongoing"), ("participations", "anonymous"))),
    "intervention_flow": Spec(
        counts=("participations", "new", "ended", "ongoing", "anonymous", "participants_total"),
        row_sums=(("ended", "ongoing"), ("participations", "anonymous")),
        category_groups=(("participants_total", ()), ("new", ()), ("ended", ())), across=("intervention_id",)),
    "unique_persons": Spec(counts=("persons",)),
    "mean_time": Spec(counts=("ended",), rates={"mean_days": "ended", "mean_months": "ended"}),
    "gender_split": Spec(counts=("registered", "anonymous", "participants"),
                         category_groups=(("participants", ()),), row_sums=(("registered", "anonymous"),),
                         derived={"share_pct": "participants"}),
    "municipality_split": Spec(counts=("participations", "new"),
                               category_groups=(("participations", ()), ("new", ()),
                                                ("participations", ("municipality_association_id",))),
                               derived={"share_pct": "participations", "association_share_pct": "participations"}),
    "referral_split": Spec(counts=("participations", "new"),
                           category_groups=(("participations", ()), ("new", ())),
                           derived={"share_pct": "participations"}),
    "referral_by_municipality": Spec(counts=("participations",),
                                     category_groups=(("participations", ("municipality_code",)),
                                                      ("participations", ("referral_source",)))),
    "time_in_intervention": Spec(counts=("ended",), rates={"mean_days": "ended", "median_days": "ended",
                                                           "mean_months": "ended"}),
    "time_distribution": Spec(counts=("ended",), category_groups=(("ended", ()),)),
    "exit_reasons": Spec(counts=("ended",), category_groups=(("ended", ()),), derived={"share_pct": "ended"}),
    "positive_steps": Spec(counts=("ended", "positive"), rates={"share_pct": "ended"},
                           rate_parts={"share_pct": ("positive",)}),
    "dropouts": Spec(counts=("ended", "dropped"), rates={"share_pct": "ended"}, rate_parts={"share_pct": ("dropped",)}),
    "followup": Spec(counts=("kept", "not_kept", "no_answer", "due"), row_sums=(("kept", "not_kept", "no_answer"),),
                     rates={"retained_share_pct": "_answered", "response_rate_pct": "due"},
                     rate_parts={"retained_share_pct": ("kept", "not_kept"),
                                 "response_rate_pct": ("kept", "not_kept", "no_answer")}),
    "background": Spec(counts=("participations",), category_groups=(("participations", ()),),
                       derived={"share_pct": "participations"}),
    "economy": Spec(counts=("participants", "positive"),
                    rates={"cost_per_participant_sek": "participants", "cost_per_positive_sek": "positive"}),
    # a stacked bar's hidden parts as one (finsam.present.hidden_parts): their sum is drawn only as a count
    # this rule would publish
    "hidden_parts": Spec(counts=("hidden",)),
    "surveys": Spec(rates_if_known={"positive_share_pct": "respondents", "change_pct": "respondents"}),
    "key_figures": Spec(counts=("participants_total", "new", "ended", "women", "positive", "step_known", "kept_6m",
                                "answered_6m"),
                        rates={"women_share_pct": "participants_total", "mean_months": "ended",
                               "positive_step_pct": "step_known", "retained_6m_pct": "answered_6m"},
                        rate_parts={"women_share_pct": ("women",), "positive_step_pct": ("positive",),
                                    "retained_6m_pct": ("kept_6m",)},
                        complement_hides={"retained_6m_pct": ("answered_6m",)}),
    # key_figures of associations side by side (finsam.query.comparison), with exits to work or studies and cost
    "key_figure_comparison": Spec(
        counts=("participants_total", "new", "ended", "women", "positive", "step_known", "kept_6m", "answered_6m",
                "work_or_study", "cost_participants"),
        rates={"women_share_pct": "participants_total", "mean_months": "ended", "positive_step_pct": "step_known",
               "retained_6m_pct": "answered_6m", "work_or_study_pct": "ended",
               "cost_per_participant_sek": "cost_participants"},
        rate_parts={"women_share_pct": ("women",), "positive_step_pct": ("positive",), "retained_6m_pct": ("kept_6m",),
                    "work_or_study_pct": ("work_or_study",)},
        complement_hides={"retained_6m_pct": ("answered_6m",)}),
}
GROUP_COLUMNS = ("association_id", "intervention_id", "year")


def protect(name: str, df: pd.DataFrame, protection: Protection) -> pd.DataFrame:
    """The query result with small counts and the rates over them hidden (NaN). Works on NumPy arrays
    and writes each changed column once (it runs on every query result)."""
    spec = SPECS.get(name)
    if not protection.enabled or spec is None or df.empty:
        return df
    t = protection.threshold
    counts = list(spec.counts)
    values = {c: df[c].to_numpy(dtype="float64", na_value=np.nan) for c in counts}
    hidden = {c: (v >= 1) & (v < t) for c, v in values.items()}
    # a share whose complement (n minus its parts) is a small count, decided once on the counts as read
    complement = {rate: _small_complement(spec, rate, n, values, t) for rate, n in spec.rates.items() if rate in df}
    for rate, small in complement.items():
        for c in spec.complement_hides.get(rate, spec.rate_parts.get(rate, ())):  # part and n side by side
            hidden[c] |= small  # would give it away
    if any(h.any() for h in hidden.values()):
        _secondary(df, values, hidden, spec, t)
    if name == "followup":
        values["_answered"] = values["kept"] + values["not_kept"]
    changed: dict[str, np.ndarray] = {}

    def column(c: str) -> np.ndarray:
        return values[c] if c in values else df[c].to_numpy(dtype="float64", na_value=np.nan)

    for rate, n in spec.rates.items():
        if rate in df:
            nv = column(n)
            small = np.isnan(nv) | (nv < t)
            if n in hidden:
                small |= hidden[n]
            for part in spec.rate_parts.get(rate, ()):
                small |= hidden[part]  # a share of a hidden count would give the count away
            small |= complement[rate]
            changed[rate] = np.where(small, np.nan, column(rate))
    for rate, n in spec.rates_if_known.items():
        nv = column(n)
        small = ~np.isnan(nv) & (nv < t)
        if small.any():
            changed[rate] = np.where(small, np.nan, column(rate))
    for col, source in spec.derived.items():
        if col in df and hidden[source].any():
            changed[col] = np.where(hidden[source], np.nan, column(col))
    for c in counts:
        changed[c] = np.where(hidden[c], np.nan, values[c])
    out = df.copy(deep=False)
    for c, v in changed.items():
        out[c] = v
    return out


def _small_complement(spec: Spec, rate: str, n: str, values: dict, t: int) -> np.ndarray:
    """Where the rest of a share's n (n minus its counted parts) is a count from 1 to t-1."""
    parts = spec.rate_parts.get(rate, ())
    if not parts or n not in values:
        return np.zeros(len(next(iter(values.values()))), dtype=bool)
    rest = values[n] - sum(values[p] for p in parts)
    return (rest >= 1) & (rest < t)


def _secondary(df: pd.DataFrame, values: dict[str, np.ndarray], hidden: dict[str, np.ndarray], spec: Spec,
               threshold: int) -> None:
    """Hide the next smallest cell of every group (categories of a year, row of a cross-table, parts of a
    row) that has exactly one hidden cell, or hidden cells whose sum is a small count (two hidden cells of 1
    and 2 would give away the 3 in them against the total), until none has (ties: the first row). Zeros count as cells: a
    lone 0 beside one hidden cell would give it away against the total. Updates `hidden` in place."""
    keys = [c for c in GROUP_COLUMNS if c in df.columns and c not in spec.across]
    groups = []
    for col, extra in spec.category_groups:
        group_keys = keys + list(extra)
        gid = (df.groupby(group_keys, dropna=False, sort=False).ngroup().to_numpy() if group_keys
               else np.zeros(len(df), dtype=np.int64))
        groups.append((col, gid, np.bincount(gid)))
    changed = True
    while changed:
        changed = False
        for col, gid, size in groups:
            h = hidden[col]
            count = np.bincount(gid, weights=h, minlength=len(size))
            # what the total less the shown cells gives away: one hidden cell, or hidden cells whose sum is small
            hidden_sum = np.bincount(gid, weights=np.where(h, np.nan_to_num(values[col]), 0), minlength=len(size))
            lone = ((count == 1) | ((count > 1) & (hidden_sum >= 1) & (hidden_sum < threshold))) & (size > count)
            rows = np.nonzero(lone[gid] & ~h)[0]
            if not len(rows):
                continue
            order = np.lexsort((rows, values[col][rows]))  # by value, NaN last, then row
            picked = rows[order]
            _, first = np.unique(gid[picked], return_index=True)
            h[picked[first]] = True
            changed = True
        for cols in spec.row_sums:
            flags = np.column_stack([hidden[c] for c in cols])
            lone = flags.sum(axis=1) == 1
            if not lone.any():
                continue
            cand = np.column_stack([values[c] for c in cols])
            cand = np.where(flags | np.isnan(cand), np.inf, cand)
            rows = np.nonzero(lone & np.isfinite(cand).any(axis=1))[0]
            if not len(rows):
                continue
            smallest = cand[rows].argmin(axis=1)
            for j, c in enumerate(cols):
                hidden[c][rows[smallest == j]] = True
            changed = True
