"""Every published figure beside the computed one, with a status.

Statuses:
- `match`: the computed figure equals the printed one within the printed precision (counts exactly;
  a percent printed without decimals within 1 point, as the reports round shares to sum to 100 and
  sometimes truncate; a mean within half its last printed digit);
- `conflict`: a documented conflict (data/conflicts.csv): the reports contradict themselves and the
  build follows another figure, which the computed value must then equal;
- `not_reconstructable`: out of scope for the records (surveys, money, national figures, structural
  interventions, categories the record model does not keep), listed in data/conflicts.csv or implied by
  the measure;
- `mismatch`: anything else. `python -m finsam reconcile` exits non-zero on any mismatch;
- `protected`: the computed figure is hidden by the small-count protection of the role that asks, so
  neither it nor whether it matches is shown.

Who sees what (decided here, not on the page): a role sees the published figures and the computed ones of
the associations its access allows, the computed ones under its protection; a role that sees only
published figures (reader) gets the published figures without any computed value.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from finsam.query import figures, queries as q
from finsam.access import ADMIN, Access
from finsam.labels import SUPPRESSED
from finsam.query.figures import COMPUTED_MEASURES, MONEY_AND_SURVEY_MEASURES
from finsam.privacy import OFF, Protection
from finsam.data.published import COLUMNS as PUBLISHED_COLUMNS, KEY
from finsam.query import lookups

CONFLICT_COLUMNS = KEY + ["source_file", "published_value", "status", "followed_value", "explanation"]
STATUSES = ("match", "conflict", "not_reconstructable", "mismatch", "protected", "not_shown")
COLUMNS = PUBLISHED_COLUMNS + ["computed_value", "status", "reason"]  # one row per published figure


def read_conflicts(data_dir: Path) -> pd.DataFrame:
    df = pd.read_csv(data_dir / "conflicts.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    if list(df.columns) != CONFLICT_COLUMNS:
        raise ValueError(f"conflicts.csv: columns {list(df.columns)}, expected {CONFLICT_COLUMNS}")
    bad = set(df.status) - {"conflict", "not_reconstructable"}
    if bad:
        raise ValueError(f"conflicts.csv: unknown status {bad}")
    df["year"] = df["year"].astype(int)
    return df


def _decimals(text: str) -> int:
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def tolerance(unit: str, printed: str) -> float:
    d = _decimals(printed)
    if unit == "count":
        return 1e-9
    if unit == "percent":
        return 1.0 if d == 0 else 1.5 * 10 ** -d
    return 0.5 * 10 ** -d + 1e-9


def _matches_rule(row, rule) -> bool:
    for col in ("intervention", "measure", "dimension", "category", "source_file"):
        want = rule[col]
        if want == "*":
            continue
        if want.endswith("*"):
            if not getattr(row, col).startswith(want[:-1]):
                return False
        elif col == "source_file":
            if not row.source_file.startswith(want):
                return False
        elif getattr(row, col) != want:
            return False
    if rule["published_value"] not in ("", "*") and float(rule["published_value"]) != row.value:
        return False
    return True


def reconciliation(con, data_dir: Path, access: Access = ADMIN, protection: Protection = OFF) -> pd.DataFrame:
    """Every published figure of the database beside the computed one (COLUMNS): what Källor, Jämför and
    `python -m finsam reconcile` show. Figures are computed, unprotected as the reports print small counts,
    only where published figures are (published_scope); no published figure, nothing computed.

    For a role (access) only its associations; with protection on, a computed figure the protection hides
    is blanked with the status `protected`; a role that sees no records gets status `not_shown`."""
    published = lookups.published_figures(con)
    if access.associations is not None:
        published = published[published.association.isin(access.associations)].reset_index(drop=True)
    if not access.sees_records:
        return published.assign(computed_value=None, status="not_shown", reason="")[COLUMNS]
    scope = published_scope(published, {a for a in lookups.associations(con).association_id if access.allows(a)})
    if scope is None:
        return pd.DataFrame(columns=COLUMNS)
    computed = figures.compute(con, scope, OFF)
    result = reconcile(published, computed, read_conflicts(data_dir), lookups.interventions_with_records(con))
    if protection.enabled or not access.may_unprotect:
        result = _blank_protected(result, figures.compute(con, scope, replace(protection, enabled=True)))
    return result


def _blank_protected(result: pd.DataFrame, protected: pd.DataFrame) -> pd.DataFrame:
    """The rows whose computed figure the protection hides: no value, status `protected`."""
    hidden = protected[protected.value.astype(str) == SUPPRESSED].set_index(KEY).index
    mask = result.set_index(KEY).index.isin(hidden)
    out = result.copy()
    out.loc[mask, "computed_value"] = None
    out.loc[mask, "status"] = "protected"
    out.loc[mask, "reason"] = "dold: för få deltagare"
    return out


def published_scope(published: pd.DataFrame, associations: set[str]) -> q.Filters | None:
    """The selection the published figures are about: the associations of the database they name, the years
    they cover, and their interventions unless a figure is over all of an association's (ALL,
    ALL_STRUCTURAL). None when no published figure is about an association of the database."""
    rows = published[published.association.isin(associations)]
    if rows.empty:
        return None
    named = set(rows.intervention)
    return q.Filters(years=(int(rows.year.min()), int(rows.year.max())),
                     associations=tuple(sorted(set(rows.association))),
                     interventions=() if any(i.startswith("ALL") for i in named) else tuple(sorted(named)))


def reconcile(published: pd.DataFrame, computed: pd.DataFrame, conflicts: pd.DataFrame,
              with_records: set[tuple[str, str]]) -> pd.DataFrame:
    """published: the published figures (value as float, value_text the printed text); computed: the
    figures of finsam.query.figures.compute; conflicts: data/conflicts.csv; with_records: the (association,
    intervention) pairs that hold participation records. One row per published figure (COLUMNS)."""
    associations_with_records = {a for a, _i in with_records}
    comp = computed.set_index(KEY)["value"]
    comp = comp[~comp.index.duplicated()]
    rules = {}
    for _, rule in conflicts.iterrows():
        rules.setdefault((rule.association, rule.year), []).append(rule)
    out = []
    for row in published.itertuples(index=False):
        key = (row.association, row.intervention, row.year, row.measure, row.dimension, row.category)
        computed_value = comp.get(key)
        if computed_value is None and row.measure in COMPUTED_MEASURES and row.unit in ("count", "percent") \
                and row.dimension and _has_any(comp, key):
            computed_value = 0.0  # a category with no record of a computed table
        rule = next((r for r in rules.get((row.association, row.year), []) + rules.get((row.association, 0), [])
                     if _matches_rule(row, r)), None)
        tol = tolerance(row.unit, row.value_text)
        status, reason = "mismatch", ""
        if row.measure in MONEY_AND_SURVEY_MEASURES and computed_value is None and rule is None:
            status, reason = "not_reconstructable", "no budget or survey row for this figure in the demo data"
        elif row.measure in COMPUTED_MEASURES and row.association not in associations_with_records \
                and computed_value is None:
            status, reason = "not_reconstructable", "the database holds no records of this association"
        elif row.measure not in MONEY_AND_SURVEY_MEASURES and (row.association, row.intervention) not in with_records \
                and row.intervention != "ALL":
            status, reason = "not_reconstructable", "no participation records: a structural intervention (its " \
                "participants are staff) or a figure about all of Sweden"
        elif rule is not None and rule.status == "not_reconstructable":
            if computed_value is not None and abs(computed_value - row.value) <= tol:
                status = "match"  # the rule covers a table whose other figures cannot be rebuilt
            else:
                status, reason = "not_reconstructable", rule.explanation
        elif rule is not None:
            followed = rule.followed_value
            if followed == "" or (computed_value is not None and abs(computed_value - float(followed)) <= tol):
                status, reason = "conflict", rule.explanation
            else:
                reason = f"documented conflict, but computed {computed_value} is not the followed {followed}"
        elif row.measure not in COMPUTED_MEASURES:
            status, reason = "not_reconstructable", "a figure the records do not hold (survey, money, narrative)"
        elif computed_value is not None and abs(computed_value - row.value) <= tol:
            status = "match"
        elif computed_value is None:
            reason = "no computed figure for this key"
        out.append({**row._asdict(), "computed_value": computed_value, "status": status, "reason": reason})
    # the columns are named, so no published figure gives an empty frame of the same columns
    return pd.DataFrame(out, columns=[*published.columns, "computed_value", "status", "reason"])[COLUMNS]


def _has_any(comp: pd.Series, key: tuple) -> bool:
    """Whether the computed figures have the same table (same key but category) at all."""
    try:
        part = comp.loc[key[:5]]
    except KeyError:
        return False
    return len(part) > 0


def summary(df: pd.DataFrame) -> str:
    counts = df.status.value_counts()
    parts = ", ".join(f"{counts.get(s, 0)} {s.replace('_', ' ')}" for s in STATUSES
                      if s in STATUSES[:4] or counts.get(s, 0))
    return f"reconcile: {len(df)} published figures: {parts}"
