"""The instrument checked (scripts/check-instrument): does the load generator's "time until drawn" agree with a
real browser's? One server, signed in, with simulated people browsing it (python -m finsam load's people); a
headless Chromium and one of the load generator's tabs (finsam.tools.load_protocol.Tab) take turns opening the
same pages from the sidebar's navigation. Chromium's time: from the click until the page's title is the new
page's, the script has finished (no running status, nothing stale) and every chart on the page has drawn its
SVG. The load generator's time: from the rerun sent until the server's script_finished message. Prints both
per page and their ratio; a benchmark that prints figures, never a test."""
from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from finsam.tools import load
from finsam.tools.load_proxy import BASE, PASSWORD, USER, accounts, replicas, warm

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
PAGES = ["kon", "remittenter", "tid", "uppfoljning", "kommuner", "avslut", "ekonomi", ""]  # "" is Översikt
DRAWN = """title => {
  const h1 = document.querySelector('h1');
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  const charts = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
  return h1 && h1.innerText.trim() && title.endsWith(h1.innerText.trim()) && !(status && status.innerText.includes('Running'))
    && !document.querySelector('[data-stale="true"]') && charts.length > 0 && charts.every(c => c.querySelector('.main-svg'));
}"""


class _Loop:
    """An asyncio loop on a thread of its own (Playwright's sync API holds this thread's)."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def run(self, coro, timeout: float = 600):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)


def measure(db: Path, sessions: int = 8, rounds: int = 3, pages: list[str] = PAGES) -> dict[str, tuple[list, list]]:
    """Per page (url path), Chromium's seconds and the load generator's, with sessions people in all: the two
    measuring ones and sessions - 2 simulated people browsing meanwhile."""
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="finsam-instrument-"))
    live = folder / "finsam.duckdb"
    shutil.copy(db, live)
    env = accounts(folder)
    times = {p: ([], []) for p in pages}
    with replicas(live, 1, env, folder) as (port,):
        url = f"http://127.0.0.1:{port}/{BASE}"
        warm(url)
        others = load.Load(url, max(sessions - 2, 1), load.MAX_SECONDS, user=USER, password=PASSWORD)
        loop = _Loop()
        crowd = asyncio.run_coroutine_threadsafe(others.run(), loop.loop)
        tab = load.Tab(url, load.sign_in(url, USER, PASSWORD), timeout=300)
        loop.run(tab.open("", "", time.perf_counter))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="sv-SE")
            ctx.add_cookies([{"name": k, "value": v, "url": url + "/"} for k, v in load.sign_in(url, USER, PASSWORD).items()])
            page = ctx.new_page()
            page.set_default_timeout(120_000)
            page.goto(url + "/")
            page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg')
            for n in range(rounds + 1):  # a first round unmeasured: every page's figures made once
                for path in pages:
                    link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{BASE}/{path}"]').first
                    title = link.inner_text().strip()  # the page's title, after the icon's name
                    for who in ("chromium", "tab") if n % 2 else ("tab", "chromium"):  # turns, first in turn
                        started = time.perf_counter()
                        if who == "chromium":
                            link.click()
                            page.wait_for_function(DRAWN, arg=title, polling="raf")
                            seconds = time.perf_counter() - started
                        else:
                            drawn = loop.run(tab.go(path, time.perf_counter))
                            seconds = drawn.seconds if drawn.seconds is not None and not drawn.errors else None
                        if n and seconds is not None:
                            times[path][who == "tab"].append(seconds)
            browser.close()
        others.seconds = 0  # the simulated people stop after their current action
        crowd.result(400)
        loop.run(tab.close())
        loop.stop()
    return times


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/check-instrument", description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--sessions", type=int, default=8, help="people in all, the two measuring ones included")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    times = measure(args.db, args.sessions, args.rounds)
    print(f"{args.db}: {args.sessions} sessions; until drawn, median of {args.rounds} (s)")
    print(f"{'page':<14}{'Chromium':>10}{'load gen.':>11}{'ratio':>8}")
    both = []
    for path, (chromium, generator) in times.items():
        c, g = statistics.median(chromium), statistics.median(generator) if generator else float("nan")
        both.append((c, g))
        print(f"{path or 'oversikt':<14}{c:>10.2f}{g:>11.2f}{g / c:>8.2f}")
    c, g = sum(c for c, _ in both), sum(g for _, g in both)
    print(f"{'all pages':<14}{c:>10.2f}{g:>11.2f}{g / c:>8.2f}   (within 20 %: {'yes' if abs(g / c - 1) <= 0.2 else 'no'})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
