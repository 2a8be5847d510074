"""Small-count protection, applied in one place: finsam.queries.run passes every result through protect().

- counts from 1 to threshold-1 (default 1-4) become NaN, shown as `..` ("too few to publish");
- secondary suppression: where cells add up to a total shown elsewhere (a year's categories, a row of a
  cross-table, ended + ongoing = participants), a single hidden cell could be worked out by subtraction,
  so the next smallest cell of that group is hidden too, until no group has exactly one hidden cell;
- shares, means, medians and rates over fewer than `threshold` participations become NaN; the n behind
  each shown share stays in its column.
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


SPECS: dict[str, Spec] = {
    "participant_flow": Spec(
        counts=("participations", "new", "ended", "ongoing", "anonymous", "participants_total"),
        row_sums=(("ended", "ongoing"), ("participations", "anonymous"))),
    "unique_persons": Spec(counts=("persons",)),
    "mean_time": Spec(counts=("ended",), rates={"mean_days": "ended", "mean_months": "ended"}),
    "gender_split": Spec(counts=("registered", "anonymous", "participants"),
                         category_groups=(("participants", ()),), row_sums=(("registered", "anonymous"),),
                         derived={"share_pct": "participants"}),
    "municipality_split": Spec(counts=("participations", "new"),
                               category_groups=(("participations", ()), ("new", ())),
                               derived={"share_pct": "participations"}),
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
    "positive_steps": Spec(counts=("ended", "positive"), rates={"share_pct": "ended"}),
    "followup": Spec(counts=("kept", "not_kept", "no_answer", "due"), row_sums=(("kept", "not_kept", "no_answer"),),
                     rates={"retained_share_pct": "_answered", "response_rate_pct": "due"}),
    "background": Spec(counts=("participations",), category_groups=(("participations", ()),),
                       derived={"share_pct": "participations"}),
    "economy": Spec(counts=("participants", "positive"),
                    rates={"cost_per_participant_sek": "participants", "cost_per_positive_sek": "positive"}),
    "surveys": Spec(rates_if_known={"positive_share_pct": "respondents", "change_pct": "respondents"}),
    "key_figures": Spec(counts=("participants_total", "new", "ended"),
                        rates={"women_share_pct": "participants_total", "mean_months": "ended",
                               "positive_step_pct": "ended", "retained_6m_pct": "ended"}),
}
GROUP_COLUMNS = ("association_id", "intervention_id", "year")


def protect(name: str, df: pd.DataFrame, protection: Protection) -> pd.DataFrame:
    """The query result with small counts and the rates over them hidden (NaN)."""
    spec = SPECS.get(name)
    if not protection.enabled or spec is None or df.empty:
        return df
    out = df.copy()
    t = protection.threshold
    if name == "followup":
        out["_answered"] = out["kept"] + out["not_kept"]
    values = out[list(spec.counts)].to_numpy(dtype="float64", na_value=np.nan) if spec.counts else None
    hidden = pd.DataFrame((values >= 1) & (values < t) if spec.counts else np.zeros((len(out), 0), bool),
                          index=out.index, columns=list(spec.counts))
    if hidden.to_numpy().any():
        _secondary(out, hidden, spec)
    for rate, n in spec.rates.items():
        if rate in out:
            small = out[n].isna() | (out[n] < t)
            if n in hidden:
                small |= hidden[n]
            out[rate] = out[rate].where(~small, np.nan)
    for rate, n in spec.rates_if_known.items():
        small = out[n].notna() & (out[n] < t)
        out[rate] = out[rate].where(~small, np.nan)
    for col, source in spec.derived.items():
        if col in out:
            out[col] = out[col].where(~hidden[source], np.nan)
    for c in spec.counts:
        out[c] = out[c].astype("float64").where(~hidden[c], np.nan)
    return out.drop(columns=["_answered"], errors="ignore")


def _secondary(out: pd.DataFrame, hidden: pd.DataFrame, spec: Spec) -> None:
    """Hide the next smallest cell of every group (categories of a year, row of a cross-table, parts of a
    row) that has exactly one hidden cell, until none has. Zeros count as cells: a lone 0 beside one hidden
    cell would give it away against the total."""
    keys = [c for c in GROUP_COLUMNS if c in out.columns]
    changed = True
    while changed:
        changed = False
        for col, extra in spec.category_groups:
            group_keys = keys + list(extra)
            frame = out[group_keys].assign(_hidden=hidden[col].to_numpy(), _value=out[col].to_numpy())
            grouped = frame.groupby(group_keys, dropna=False)
            lone = (grouped["_hidden"].transform("sum") == 1) & (grouped["_hidden"].transform("size") > 1)
            if not lone.any():
                continue
            candidates = frame[lone & ~frame["_hidden"]]
            smallest = candidates.sort_values("_value", kind="stable").groupby(group_keys, dropna=False).head(1)
            hidden.loc[smallest.index, col] = True
            changed = True
        for cols in spec.row_sums:
            flags = hidden[list(cols)]
            lone = flags.sum(axis=1) == 1
            if not lone.any():
                continue
            values = out.loc[lone, list(cols)].where(~flags[lone], np.inf)
            smallest = values.idxmin(axis=1)
            for col in cols:
                hidden.loc[smallest.index[smallest == col], col] = True
            changed = True
