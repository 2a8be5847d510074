"""The headline figures (participants, new, ended) of one year per association and intervention, beside
what the annual report prints for each: the total on Översikt adds the interventions up, the reports
print each intervention on its own, and this is the table that shows how one becomes the other."""
from __future__ import annotations

import pandas as pd

COUNTS = ("participants_total", "new", "ended")
REPORT_MEASURES = {"participants_total": "participants_total", "new": "participants_new",
                   "ended": "participants_ended"}


def split(flow: pd.DataFrame, published: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per association and intervention that had participants in `year` (from the query
    intervention_flow, protected there), with report_<count>: the figure the report of that year prints
    for the intervention (its headline table: the first printed where a report prints several), or None."""
    rows = flow[(flow.year == year) & (flow.participants_total.isna() | (flow.participants_total > 0))]
    printed = published[(published.year == year) & (published.dimension == "") & (published.category == "")]
    out = rows[["association_id", "intervention_id", *COUNTS]].reset_index(drop=True)
    for count, measure in REPORT_MEASURES.items():
        first = (printed[printed.measure == measure]
                 .drop_duplicates(["association", "intervention"])
                 .set_index(["association", "intervention"]).value)
        out["report_" + count] = [first.get((a, i)) for a, i in zip(out.association_id, out.intervention_id)]
    return out.sort_values(["association_id", "participants_total", "intervention_id"],
                           ascending=[True, False, True], na_position="last").reset_index(drop=True)
