"""The load generator's report: the result of a load in a few lines."""
from __future__ import annotations


def report(result: dict) -> str:
    """The figures in a few lines; the first errors with their text."""
    ms = lambda s: "–" if s is None else f"{s * 1000:.0f} ms"  # noqa: E731
    mem = "okänt (ingen process lyssnar på porten)" if result["peak_memory_mb"] is None \
        else f"{result['peak_memory_mb']} MB"
    lines = [f"load {result['url']}: {result['sessions']} sessions, {result['seconds']:.0f} s",
             f"  script runs: {result['runs']} ({result['runs_per_second']:.2f} per second)",
             f"  rerun sent -> page drawn: median {ms(result['median_s'])}, p95 {ms(result['p95_s'])}, "
             f"max {ms(result['max_s'])}",
             f"  errors: {result['error_count']}",
             *(f"    [{e['kind']}] session {e['session']} at {e['at_s']} s: {e['text'][:300]}"
               for e in result["errors"][:5]),
             f"  server peak memory (with children): {mem}",
             *(f"  replica on port {port}: peak memory {mb} MB"
               for port, mb in result.get("peak_memory_mb_per_replica", {}).items()),
             f"  the load generator's own CPU: {result['client_cpu_s']:.1f} s"]
    if "import" in result:
        imp = result["import"] or {}
        rows = result["per_session"]
        seen = sum(r["sees_new_figures"] for r in rows)
        changed = sum(bool(r.get("figure_changed")) for r in rows)
        lines.append(f"  import at {imp.get('started_s')} s, done at {imp.get('finished_s')} s: "
                     + (f"{imp.get('added')} added, {imp.get('updated')} updated" if imp.get("written")
                        else "NOT written"))
        lines.append(f"  sessions showing the new figures on Översikt after the import: {seen} of {len(rows)} "
                     f"(the figure changed for {changed} of them)")
        for r in rows:
            b, a = r.get("before", {}), r.get("after", {})
            lines.append(f"    session {r['session']:>3}: before {_shown(b)}, after {_shown(a)} "
                         f"{'ok' if r['sees_new_figures'] else 'NOT NEW'}")
    return "\n".join(lines)


def _shown(drawn: dict) -> str:
    if not drawn:
        return "not drawn"
    return f"{drawn['shown']} (query layer {drawn['expected']}; {drawn['query_string'] or 'no selection'})"
