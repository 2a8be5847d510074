"""The server's own time per page run: every page of the app run in Streamlit's AppTest on a database, the
time read from the frame's own "page run" log line (so AppTest's polling is not counted). Cold: the result
cache emptied before the run (DuckDB and the file already open); warm: the same selection run again.
Used by scripts/bench-pages; a benchmark that prints figures, never a test."""
from __future__ import annotations

import logging
import os
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class _Times(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.ms: list[float] = []

    def emit(self, record):
        m = re.match(r"page run \S+ ([\d.]+) ms", record.getMessage())
        if m:
            self.ms.append(float(m.group(1)))


def measure(db_path: Path, repeat: int = 5) -> list[tuple[str, float, float]]:
    os.environ["FINSAM_DB"] = str(db_path)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from finsam.web import app

    times = _Times()
    log = logging.getLogger("finsam")
    log.addHandler(times)
    log.setLevel(logging.DEBUG)
    out = []
    for path, *_ in app.PAGES:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
        at.run()
        at.switch_page(path).run()  # the page's imports and the first queries
        cold, warm = [], []
        for _ in range(repeat):
            st.cache_data.clear()
            times.ms.clear()
            at.run()
            cold += times.ms[-1:]
            times.ms.clear()
            at.run()
            warm += times.ms[-1:]
        if not cold or not warm:  # the frame refused the page (sign-in needed, no database): say so
            raise SystemExit(f"{path}: no page run was timed ({', '.join(e.value for e in at.error) or 'no page'})")
        out.append((Path(path).stem, statistics.median(cold), statistics.median(warm)))
    log.removeHandler(times)
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: scripts/bench-pages DB [REPEAT]", file=sys.stderr)
        return 2
    db_path, repeat = Path(argv[0]), int(argv[1]) if len(argv) > 1 else 5
    rows = measure(db_path, repeat)
    print(f"{db_path}: one page run on the server, median of {repeat} (ms)")
    print(f"{'page':<18}{'cold':>9}{'warm':>9}")
    for page, cold, warm in rows:
        print(f"{page:<18}{cold:>9.0f}{warm:>9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
