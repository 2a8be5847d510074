"""Integer allocation of participations to (cell, span) pairs so that published counts hold exactly.

A *cell* is a tuple of attribute values (e.g. municipality and referral source); a *span* is the year a
participation started and the year it ended (None: still ongoing after the last year of the window).
Published figures become linear equalities over the counts x[cell, span]; figures the reports do not
publish become soft targets (a prior) that the solver approaches as closely as the hard ones allow.
Solved with HiGHS through scipy.optimize.milp, which is deterministic for the same input.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Hashable, Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

HARD_SLACK_WEIGHT = 10_000.0


@dataclass(frozen=True)
class Span:
    start: int
    end: int | None  # None: ongoing after the window

    def __lt__(self, other: "Span") -> bool:
        return (self.start, self.end if self.end is not None else 9999) < \
            (other.start, other.end if other.end is not None else 9999)

    def overlaps(self, year: int) -> bool:
        return self.start <= year and (self.end is None or self.end >= year)

    def min_days(self) -> int:
        """Fewest days between a start in the start year and an end in the end year."""
        if self.end is None or self.end == self.start:
            return 0
        return (self.end - self.start - 1) * 365 + 1

    def max_days(self) -> int:
        return 0 if self.end is None else (self.end - self.start + 1) * 365 - 1


def spans_for(first: int, last: int, carry_in: bool = True, ongoing: bool = True) -> list[Span]:
    starts = ([first - 1] if carry_in else []) + list(range(first, last + 1))
    spans = []
    for s in starts:
        for e in range(max(s, first), last + 1):
            spans.append(Span(s, e))
        if ongoing:
            spans.append(Span(s, None))
    return spans


Pred = Callable[[Hashable], bool]


@dataclass
class Term:
    """sum of x[cell, span] over cells with cell_pred and spans with span_pred, times coef(span)."""
    cell_pred: Pred
    span_pred: Callable[[Span], bool]
    target: float
    hard: bool = True
    weight: float = 1.0
    label: str = ""
    coef: Callable[[Span], float] | None = None
    upper: float | None = None  # when set, a range constraint target <= sum <= upper (hard)


@dataclass
class Problem:
    cells: Sequence[Hashable]
    spans: Sequence[Span]
    terms: list[Term] = field(default_factory=list)

    def add(self, cell_pred: Pred, span_pred: Callable[[Span], bool], target: float, **kw) -> None:
        self.terms.append(Term(cell_pred, span_pred, float(target), **kw))

    def solve(self) -> tuple[dict[tuple[Hashable, Span], int], list[str]]:
        """Return the counts and a list of hard constraints that could not be met (empty when exact)."""
        n_x = len(self.cells) * len(self.spans)
        index = {(c, s): i * len(self.spans) + j for i, c in enumerate(self.cells) for j, s in enumerate(self.spans)}
        rows, cols, vals, lbs, ubs = [], [], [], [], []
        cost = [0.0] * n_x
        extra = n_x
        row = 0
        slack_of: list[tuple[int, int, Term]] = []
        cell_hits = [[c for c in self.cells if t.cell_pred(c)] for t in self.terms]
        for term, cells in zip(self.terms, cell_hits):
            spans = [s for s in self.spans if term.span_pred(s)]
            for c in cells:
                for s in spans:
                    coef = term.coef(s) if term.coef else 1.0
                    if coef:
                        rows.append(row), cols.append(index[(c, s)]), vals.append(coef)
            if term.upper is not None:
                lbs.append(term.target), ubs.append(term.upper)
            else:
                # deviation variables: sum + under - over = target
                rows += [row, row]
                cols += [extra, extra + 1]
                vals += [1.0, -1.0]
                w = HARD_SLACK_WEIGHT if term.hard else term.weight
                cost += [w, w]
                if term.hard:
                    slack_of.append((extra, extra + 1, term))
                extra += 2
                lbs.append(term.target), ubs.append(term.target)
            row += 1
        # a tiny cost on long spans keeps the solution from drifting where nothing else decides
        for (c, s), i in index.items():
            cost[i] = 1e-6 * ((s.end if s.end is not None else s.start + 3) - s.start)
        a = coo_matrix((vals, (rows, cols)), shape=(row, extra)).tocsr()
        integrality = np.zeros(extra)
        integrality[:n_x] = 1
        result = milp(
            c=np.array(cost), integrality=integrality,
            bounds=Bounds(np.zeros(extra), np.full(extra, np.inf)),
            constraints=LinearConstraint(a, np.array(lbs), np.array(ubs)),
            options={"disp": False, "time_limit": 60},
        )
        if result.x is None:
            raise RuntimeError(f"allocation failed: {result.message}")
        x = np.rint(result.x).astype(int)
        counts = {key: int(x[i]) for key, i in index.items() if x[i] > 0}
        unmet = [f"{t.label}: off by {x[o] - x[u]:+d}" for u, o, t in slack_of if x[u] or x[o]]
        return counts, unmet
