"""The server's own time per page run: every page of the app run in Streamlit's AppTest on a database, the
time read from the frame's own "page run" log line (so AppTest's polling is not counted), signed in as a
role (an administrator unless told otherwise: a generated or imported database holds records that are never
served without sign-in). Cold: the first visit of a selection (the result and figure caches emptied; DuckDB
and the file already open); warm: the same selection run again. Used by scripts/bench-pages; a benchmark that
prints figures, never a test."""
from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH_EMAIL = "bench@finsam.invalid"  # the identity AppTest signs in with (OpenID Connect, mocked by at.user)


class _Times(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.ms: list[float] = []

    def emit(self, record):
        m = re.match(r"page run \S+ ([\d.]+) ms", record.getMessage())
        if m:
            self.ms.append(float(m.group(1)))


def roles_file(role: str, folder: Path) -> Path:
    """A FINSAM_ROLES file giving the bench's identity the role: admin, reader, or board:ASSOCIATION,
    coordinator:ASSOCIATION."""
    name, _, association = role.partition(":")
    if name in ("board", "coordinator") and not association:
        raise SystemExit(f"--role {role}: a {name} needs an association (--role {name}:Sydnärke)")
    path = folder / "roles.toml"
    extra = f'association = "{association}"\n' if association else ""
    path.write_text(f'[[roles]]\nemail = "{BENCH_EMAIL}"\nrole = "{name}"\n{extra}', encoding="utf-8")
    return path


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    from finsam.web import figures

    figures.clear()


def measure(db_path: Path, repeat: int = 5, role: str = "admin", figure_cache: bool = True
            ) -> list[tuple[str, float, float]]:
    os.environ["FINSAM_DB"] = str(db_path)
    folder = Path(tempfile.mkdtemp(prefix="finsam-bench-"))
    os.environ["FINSAM_AUTH"] = "oidc"
    os.environ["FINSAM_ROLES"] = str(roles_file(role, folder))
    from streamlit.testing.v1 import AppTest

    from finsam.present import figure_cache as cache
    from finsam.web import app

    if not figure_cache:  # every figure built on every run, as before the cache (a before/after figure)
        cache.use(None)

    times = _Times()
    log = logging.getLogger("finsam")
    log.addHandler(times)
    log.setLevel(logging.DEBUG)
    out = []
    for path, *_ in app.PAGES:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
        at.user = {"is_logged_in": True, "email": BENCH_EMAIL}
        at.run()
        at.switch_page(path).run()  # the page's imports and the first queries
        cold, warm = [], []
        for _ in range(repeat):
            _clear_caches()
            times.ms.clear()
            at.run()
            cold += times.ms[-1:]
            times.ms.clear()
            at.run()
            warm += times.ms[-1:]
        if not cold or not warm:  # the frame refused the page (a role that may not open it): say so, go on
            print(f"{Path(path).stem}: not timed ({', '.join(e.value for e in at.error) or 'not open to ' + role})",
                  file=sys.stderr)
            continue
        out.append((Path(path).stem, statistics.median(cold), statistics.median(warm)))
    log.removeHandler(times)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench-pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("repeat", type=int, nargs="?", default=5)
    parser.add_argument("--role", default="admin", help="admin (default), reader, board:FÖRBUND, coordinator:FÖRBUND")
    parser.add_argument("--no-figure-cache", action="store_true", help="build every figure on every run (before/after)")
    args = parser.parse_args(argv)
    rows = measure(args.db, args.repeat, args.role, not args.no_figure_cache)
    print(f"{args.db}: one page run on the server as {args.role}"
          f"{', without the figure cache' if args.no_figure_cache else ''}, median of {args.repeat} (ms)")
    print(f"{'page':<18}{'cold':>9}{'warm':>9}")
    for page, cold, warm in rows:
        print(f"{page:<18}{cold:>9.0f}{warm:>9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
