"""`python -m finsam bench`: every dashboard page's queries on typical selections, timed cold and warm, beside
a plain pandas implementation of the same answers.

For each database, six selections (whole country; the largest association; the largest municipality; the
last year; five years of the two largest associations; women referred by FK) give each page of
finsam.web.app.PAGES its calls (page_calls lists them as the pages make them: queries, lookups and the
reconciliation of Källor and Jämför, with those of app.page() and the other ui helpers; a test fails when a
page makes a call not listed). Every distinct call is measured once, as the app's cache would run it once:
in its own fresh connection the cold run (DuckDB's buffers empty, the file in the OS cache), then up to
`repeat` warm runs (fewer when they pass WARM_BUDGET_S, at least one), the queries through
finsam.query.queries.run with small-count protection as the pages get them. A page's time is the sum of its
calls. finsam runs in one process, pandas in another: the records loaded once into a DataFrame, each query
a filter and a groupby per year with the year semantics of finsam.query.queries. Peak memory is the resident set (VmHWM, reset per call through /proc/self/clear_refs), so
DuckDB's native memory counts. The unprotected answers of both must be equal, or the run says where not.

This module measures and reports; the calls are listed in bench_pages, the pandas baseline is in
bench_baseline, and the timing of a build and an import (--import-rows) in bench_import.
"""
from __future__ import annotations

import multiprocessing
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from finsam import config
from finsam.tools.bench_baseline import PandasBaseline
from finsam.tools.bench_pages import Call, Database, connect, page_calls, panel_calls, selections
from finsam.query import lookups

KEY_COLUMNS = ("association_id", "intervention_id", "kind", "year", "gender", "municipality_association_id",
               "municipality_code", "municipality_name", "referral_source", "exit_reason", "assignment", "horizon",
               "band_order", "band", "timepoint", "question", "answer_group")
RTOL = 1e-9
WARM_BUDGET_S = 5.0
PANEL = "(frame)"


# --- measuring ---------------------------------------------------------------------------------------

def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:  # not Linux, or not allowed: the peak then runs from the process's start
        pass


def _peak_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rows(result) -> int:
    return len(result) if isinstance(result, pd.DataFrame) else 1


def finsam_worker(path: str, calls: list[Call], repeat: int) -> dict:
    """Each call in a fresh connection: the cold run, the warm runs, then its unprotected answer (untimed).
    Returns per call the times, rows, peak memory and answer, and the process's peak memory."""
    out = {}
    for call in calls:
        _reset_peak()
        con = connect(path)
        started = time.perf_counter()
        result = call.run(con)
        cold = time.perf_counter() - started
        warm = []
        while len(warm) < max(1, repeat) and (not warm or sum(warm) < WARM_BUDGET_S):
            started = time.perf_counter()
            call.run(con)
            warm.append(time.perf_counter() - started)
        answer = call.answer(con) if call.filters is not None else None
        con.close()
        out[call] = {"cold_s": cold, "warm_s": warm, "rows": _rows(result), "peak_bytes": _peak_bytes(),
                     "answer": answer}
    # each call reset the peak (ru_maxrss too), so the process's peak is the largest call's
    return {"calls": out, "peak_bytes": max(m["peak_bytes"] for m in out.values())}


def pandas_worker(path: str, calls: list[Call]) -> dict:
    """Load the records once, then compute each call once with the pandas baseline."""
    started = time.perf_counter()
    base = PandasBaseline.load(path)
    load_s = time.perf_counter() - started
    out = {}
    for call in calls:
        started = time.perf_counter()
        answer = base.run(call)
        out[call] = {"s": time.perf_counter() - started, "answer": answer if call.filters is not None else None}
    return {"calls": out, "load_s": load_s, "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def _in_process(fn, *args):
    """fn(*args) in a fresh interpreter, so each implementation's peak memory is its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


# --- agreement and report ----------------------------------------------------------------------------

def difference(ours: pd.DataFrame, theirs: pd.DataFrame) -> str | None:
    """Where two answers differ (None when they hold the same rows and values, in any order)."""
    if set(ours.columns) != set(theirs.columns):
        return f"columns {sorted(ours.columns)} != {sorted(theirs.columns)}"
    if len(ours) != len(theirs):
        return f"{len(ours)} rows != {len(theirs)} rows"
    keys = [c for c in KEY_COLUMNS if c in ours.columns]
    a = ours.sort_values(keys, ignore_index=True) if keys else ours.reset_index(drop=True)
    b = theirs[list(ours.columns)].sort_values(keys, ignore_index=True) if keys else theirs[list(ours.columns)]
    for col in ours.columns:
        x, y = a[col], b[col].reset_index(drop=True)
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            same = np.isclose(x.astype(float), y.astype(float), rtol=RTOL, atol=RTOL, equal_nan=True)
        else:
            same = (x.astype(object).where(x.notna(), "") == y.astype(object).where(y.notna(), "")).to_numpy()
        if not same.all():
            i = int(np.argmin(same))
            return f"{col} row {i}: {x.iloc[i]!r} != {y.iloc[i]!r}"
    return None


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _mb(n: float) -> str:
    return f"{n / 2**20:.0f} MB"


def _page_rows(plan: dict[tuple[str, str], list[Call]], fs: dict, pandas: dict) -> pd.DataFrame:
    """Per (selection, page): its calls' times summed (warm run i of the page: run i of each call), rows,
    the largest peak, and the pandas time of the calls pandas made beside finsam's warm median of the same
    calls (the lookups and the reconciliation are finsam's only)."""
    rows = []
    for (selection, page), calls in plan.items():
        if not calls:  # a page of text only (the accessibility statement) has nothing to time
            continue
        m = [fs[c] for c in calls]
        runs = max(len(x["warm_s"]) for x in m)
        warm = [sum(x["warm_s"][i % len(x["warm_s"])] for x in m) for i in range(runs)]
        rows.append({"selection": selection, "page": page, "calls": len(calls), "cold_s": sum(x["cold_s"] for x in m),
                     "warm_s": warm, "warm_median_s": statistics.median(warm), "rows": sum(x["rows"] for x in m),
                     "peak_bytes": max(x["peak_bytes"] for x in m),
                     "pandas_s": sum(pandas[c]["s"] for c in calls if c in pandas) if any(c in pandas for c in calls)
                     else np.nan,
                     "compared_s": sum(statistics.median(fs[c]["warm_s"]) for c in calls if c in pandas)})
    return pd.DataFrame(rows)


def bench(path: Path, repeat: int) -> str:
    """Print the report for one database; return its summary line."""
    con = connect(path)
    try:
        n = con.execute("SELECT count(*) FROM participation").fetchone()[0]
        n_assoc = con.execute("SELECT count(*) FROM association").fetchone()[0]
        published = con.execute("SELECT count(*) FROM published_figure").fetchone()[0]
        sel = selections(con)
        database = Database.read(con, config.load().data_dir)
        counts = {s: lookups.selection_counts(con, f) for s, f in sel.items()}
    finally:
        con.close()
    plan = {(s, page): calls for s, f in sel.items()
            for page, calls in page_calls(f, database, counts[s]).items()}
    panel = {(s, PANEL): panel_calls(f, database.association_ids) for s, f in sel.items()}
    page_distinct = list(dict.fromkeys(c for calls in plan.values() for c in calls))
    distinct = list(dict.fromkeys(page_distinct + [c for calls in panel.values() for c in calls]))
    fs = _in_process(finsam_worker, str(path), distinct, repeat)
    pd_ = _in_process(pandas_worker, str(path), [c for c in page_distinct if hasattr(PandasBaseline, c.name)])

    steps = _page_rows({**plan, **panel}, fs["calls"], pd_["calls"])
    pages = steps[steps.page != PANEL]
    print(f"bench {path}: {n} participations, {n_assoc} associations, {published} published figures; "
          f"{len(sel)} selections x {pages.page.nunique()} pages, {len(distinct)} distinct calls, each cold and up "
          f"to {repeat} warm; DuckDB {duckdb.__version__}")
    for name, f in sel.items():
        print(f"  {name}: " + ", ".join(f"{k}={v}" for k, v in vars(f).items() if v))
    print(f"  {'page':<16}{'calls':>6}{'warm median':>13}{'warm p95':>11}{'cold median':>13}{'cold max':>10}"
          f"{'rows max':>10}{'peak RSS':>10}{'pandas median':>15}")
    for page, g in steps.groupby("page", sort=False):
        warm = [w for ws in g.warm_s for w in ws]
        print(f"  {page:<16}{g.calls.max():>6}{_ms(statistics.median(warm)):>13}"
              f"{_ms(float(np.percentile(warm, 95))):>11}{_ms(g.cold_s.median()):>13}{_ms(g.cold_s.max()):>10}"
              f"{g.rows.max():>10}{_mb(g.peak_bytes.max()):>10}"
              f"{_ms(g.pandas_s.median()) if g.pandas_s.notna().all() else '-':>15}")
    per_sel = pages.groupby("selection", sort=False).agg(warm=("warm_median_s", "sum"), cold=("cold_s", "sum"),
                                                         compared=("compared_s", "sum"), pandas=("pandas_s", "sum"),
                                                         rows=("rows", "sum"))
    print(f"  {'all pages, per selection':<28}{'warm median':>13}{'cold':>10}{'of which pandas did':>21}"
          f"{'pandas':>10}{'rows':>8}")
    for s, r in per_sel.iterrows():
        print(f"  {s:<28}{_ms(r.warm):>13}{_ms(r.cold):>10}{_ms(r.compared):>21}{_ms(r.pandas):>10}{int(r.rows):>8}")
    print("  (pandas makes the queries and year_range; the other lookups and the reconciliation are finsam's only, "
          "so the ratio compares the calls both made)")
    print("  slowest calls (warm median):")
    slow = sorted(fs["calls"].items(), key=lambda kv: -statistics.median(kv[1]["warm_s"]))[:8]
    for call, m in slow:
        print(f"    {_ms(statistics.median(m['warm_s'])):>9}  {call.name}{dict(call.kwargs) if call.filters else call.kwargs} "
              f"{', '.join(f'{k}={v}' for k, v in vars(call.filters).items() if v) if call.filters else ''}")

    compared, differ = 0, []
    for call, theirs in pd_["calls"].items():
        if call.filters is not None:
            compared += 1
            why = difference(fs["calls"][call]["answer"], theirs["answer"])
            if why:
                differ.append(f"{call.name}{dict(call.kwargs)} {call.filters}: {why}")
    print(f"  process peak RSS: finsam {_mb(fs['peak_bytes'])}, pandas {_mb(pd_['peak_bytes'])} "
          f"(records loaded in {pd_['load_s']:.1f} s, not in its times)")
    print(f"  agreement: {compared} distinct answers compared, {len(differ)} differ")
    for d in differ[:20]:
        print(f"    DIFFERS {d}")
    time_ratio = pages.pandas_s.sum() / pages.compared_s.sum()
    mem_ratio = pd_["peak_bytes"] / fs["peak_bytes"]
    verdict = "agree" if not differ and compared else "DISAGREE"
    return (f"bench {n} participations: finsam warm median {_ms(per_sel.warm.median())} (all pages), "
            f"cold {_ms(per_sel.cold.median())}; pandas {_ms(per_sel.pandas.median())}; "
            f"pandas/finsam time x{time_ratio:.1f}, memory x{mem_ratio:.1f}; {verdict}")
