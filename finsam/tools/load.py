"""python -m finsam load: simulated people browsing the running dashboard through Streamlit's own websocket
protocol (the server runs the page scripts as for a browser), optionally with an import in the middle; it
prints script runs per second, the time until a page is drawn, every kind of error and the server's peak
memory, and can say per session whether the pages drawn after the import show the new figures.

This module holds the checks, the people and the load; the browser tab (Streamlit's protocol) is in
load_protocol, the import and its figures in load_import, the printed report in load_report."""
from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import multiprocessing
import random
import statistics
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psutil
import requests

from finsam.tools.load_import import overview_participants, read_only, run_import, warm_importer
from finsam.tools.load_protocol import OVERVIEW, Drawn, Dropped, Tab

MAX_SESSIONS = 100
MAX_SECONDS = 900
# sign-ins in flight at once: the server refuses a client address with more than 20 attempts not yet through
# (finsam.web.attempts.CLIENT_ATTEMPTS), and every simulated person comes from 127.0.0.1
SIGNING_AT_ONCE = 10
NOT_BROWSED = {"importera"}  # the import happens through --import, the door coordinators use


class LoadRefused(ValueError):
    """A load the generator will not start: a host that is not loopback, or bounds exceeded."""


def check(url: str, sessions: int, seconds: float, at: float | None = None) -> str:
    """The base URL without a trailing slash, if the load is allowed: loopback only, bounded."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise LoadRefused(f"--url {url}: ange en http-adress, t.ex. http://127.0.0.1:8501")
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise LoadRefused(f"--url {url}: lasttest körs bara mot den egna datorn (127.0.0.0/8, localhost, ::1), "
                          f"inte mot {host or 'en adress utan värd'}.")
    if not 1 <= sessions <= MAX_SESSIONS:
        raise LoadRefused(f"--sessions {sessions}: välj 1 till {MAX_SESSIONS} sessioner.")
    if not 0 < seconds <= MAX_SECONDS:
        raise LoadRefused(f"--seconds {seconds:g}: välj mer än 0 och högst {MAX_SECONDS} sekunder.")
    if at is not None and not 0 <= at < seconds:
        raise LoadRefused(f"--at {at:g}: importen måste ske inom lasttestets {seconds:g} sekunder.")
    return url.rstrip("/")


def sign_in(base: str, user: str | None, password: str | None) -> dict[str, str]:
    """The cookies a browser holds after loading the app (the XSRF cookie) and, with a user, after signing
    in through {base}/_finsam/login (finsam_session)."""
    http = requests.Session()
    http.get(f"{base}/_stcore/health", timeout=30).raise_for_status()
    if user:
        r = http.post(f"{base}/_finsam/login", data={"username": user, "password": password, "next": base + "/"},
                      allow_redirects=False, timeout=60)
        if r.status_code != 303 or "finsam_session" not in http.cookies:
            raise LoadRefused(f"Inloggningen som {user} misslyckades (HTTP {r.status_code}).")
    return {c.name: c.value for c in http.cookies}


# --- one person ---------------------------------------------------------------------------------------

class Person:
    """Opens pages with a selection in the address, and every think seconds (jittered) changes a filter,
    opens a new link or goes to another page. Selections are made from what the server drew (the
    associations, years and municipalities offered), learned in a catalog shared by every person."""

    def __init__(self, number: int, load: Load):
        self.number, self.load = number, load
        self.rng = random.Random(number * 7919 + load.seed)
        self.drawn: list[Drawn] = []
        self.tab: Tab | None = None

    async def live(self) -> None:
        load = self.load
        await asyncio.sleep(self.rng.uniform(0, min(load.think, 5)))  # people do not all arrive at once
        async with load.signing:  # at most SIGNING_AT_ONCE sign-ins in flight (the server's limit per address)
            cookies = await asyncio.to_thread(sign_in, load.base, load.user, load.password)
        self.tab = Tab(load.base, cookies, load.timeout)
        first = OVERVIEW if load.import_at is not None or self.rng.random() < 0.5 else self._any_page()
        await self._do(lambda: self.tab.open(first, self._link(), load.clock))
        while load.clock() < load.seconds:
            await asyncio.sleep(load.think * self.rng.uniform(0.5, 1.5))
            if load.clock() >= load.seconds:
                break
            await self._do(self._next_action())
        await self.tab.close()

    def _next_action(self):
        tab, load = self.tab, self.load
        if load.imported_at is not None and not any(d.page == OVERVIEW and d.sent > load.imported_at
                                                    for d in self.drawn):
            # after the import, look at the key figures again (with the selection kept)
            if tab.page == OVERVIEW:
                return self._change_filter()
            return lambda: tab.go(OVERVIEW, load.clock)
        if tab.ws is None:  # the connection dropped: open the page again
            return lambda: tab.open(tab.page, tab.query_string, load.clock)
        r = self.rng.random()
        if r < 0.45 and tab.widget("forbund") is not None:
            return self._change_filter()
        if r < 0.60 or not tab.pages:
            return lambda: tab.open(self._any_page(), self._link(), load.clock)
        return lambda: tab.go(self._any_page(), load.clock)

    def _any_page(self) -> str:
        pages = [p for p in (self.tab.pages if self.tab and self.tab.pages else self.load.catalog.pages)
                 if p not in self.load.not_browsed] or [OVERVIEW]
        return OVERVIEW if self.rng.random() < 0.3 else self.rng.choice(pages)

    def _change_filter(self):
        tab, rng, clock = self.tab, self.rng, self.load.clock
        assoc, years, munis = tab.widget("forbund"), tab.widget("ar"), tab.widget("kommun")
        r = rng.random()
        if r < 0.35 and years is not None and years.options[0] < years.options[1]:
            return lambda: tab.change("ar", self._years(*years.options), clock)
        if r < 0.60 and munis is not None and munis.options and assoc.value:
            chosen = rng.sample(munis.options, rng.randint(0, min(2, len(munis.options))))
            return lambda: tab.change("kommun", chosen, clock)
        return lambda: tab.change("forbund", [rng.choice(assoc.options)], clock)

    def _years(self, first: float, last: float) -> list[float]:
        a, b = sorted(self.rng.randint(int(first), int(last)) for _ in range(2))
        return [float(a), float(b)]

    def _link(self) -> str:
        """An address with a selection: an association, a year range, sometimes municipalities."""
        catalog = self.load.catalog
        if not catalog.associations:
            return ""
        assoc = self.rng.choice(sorted(catalog.associations))
        params = [("forbund", assoc)]
        span = catalog.years.get(assoc)
        if span and span[0] < span[1]:
            params += [("ar", int(y)) for y in self._years(*span)]
        munis = catalog.municipalities.get(assoc, [])
        if munis and self.rng.random() < 0.3:
            params += [("kommun", m) for m in self.rng.sample(munis, min(len(munis), self.rng.randint(1, 2)))]
        return urlencode(params)

    async def _do(self, action) -> None:
        try:
            drawn = await action()
        except Dropped as e:
            self.load.error(self.number, "dropped connection", str(e))
            await self.tab.close()
            return
        except OSError as e:
            self.load.error(self.number, "dropped connection", f"kunde inte ansluta: {e}")
            return
        self.drawn.append(drawn)
        self.load.catalog.learn(self.tab)
        for kind, text in drawn.errors:
            self.load.error(self.number, kind, f"{drawn.page or 'oversikt'}?{drawn.query_string}: {text}")
        if drawn.seconds is not None:
            self.load.durations.append(drawn.seconds)


class Catalog:
    """What the persons have seen offered: pages, associations, each association's years and municipalities."""

    def __init__(self):
        self.pages: list[str] = []
        self.associations: set[str] = set()
        self.years: dict[str, tuple[float, float]] = {}
        self.municipalities: dict[str, list[str]] = {}

    def learn(self, tab: Tab) -> None:
        self.pages = self.pages or list(tab.pages)
        assoc, years, munis = tab.widget("forbund"), tab.widget("ar"), tab.widget("kommun")
        if assoc is None:
            return
        self.associations.update(assoc.options)
        if len(assoc.value) == 1:
            if years is not None:
                self.years[assoc.value[0]] = tuple(years.options)
            if munis is not None:
                self.municipalities[assoc.value[0]] = munis.options


# --- the server's memory --------------------------------------------------------------------------------

def server_process(port: int):
    """The process listening on the port (psutil), or None."""
    for c in psutil.net_connections(kind="tcp"):
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid:
            return psutil.Process(c.pid)
    return None


async def sample_memory(proc, peak: list[int], interval: float = 0.5) -> None:
    """The resident memory of the process and its children, the peak kept in peak[0]."""
    while True:
        with contextlib.suppress(psutil.Error):
            total = proc.memory_info().rss
            for child in proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            peak[0] = max(peak[0], total)
        await asyncio.sleep(interval)


# --- the load ---------------------------------------------------------------------------------------------

class Load:
    def __init__(self, base: str, sessions: int, seconds: float, think: float = 5.0, timeout: float = 60.0,
                 user: str | None = None, password: str | None = None, import_file: Path | None = None,
                 import_at: float | None = None, db_path: Path | None = None, seed: int = 1,
                 server_ports: tuple[int, ...] = (), not_browsed: frozenset[str] = frozenset(NOT_BROWSED)):
        self.base, self.sessions, self.seconds, self.think, self.timeout = base, sessions, seconds, think, timeout
        self.user, self.password, self.seed = user, password, seed
        self.import_file, self.import_at, self.db_path = import_file, import_at, db_path
        self.catalog = Catalog()
        self.durations: list[float] = []
        self.errors: list[dict] = []
        self.imported_at: float | None = None
        self.import_result: dict | None = None
        self.peak = [0]
        self.not_browsed = not_browsed  # pages the people never open
        self.server_ports = server_ports  # behind a proxy: the replicas' ports, each process's memory sampled
        self.peaks: dict[int, list[int]] = {port: [0] for port in server_ports}
        self._start = 0.0
        self._old = None  # a connection to the file of before the import

    def clock(self) -> float:
        return time.perf_counter() - self._start

    def error(self, session: int, kind: str, text: str) -> None:
        self.errors.append({"session": session, "at_s": round(self.clock(), 1), "kind": kind, "text": text})

    async def run(self) -> dict:
        # a thread per person for the sign-ins (asyncio's default pool has six: with a hundred people the
        # later ones, and the import's file, waited for the first ones' sign-ins)
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(self.sessions + 4))
        self.signing = asyncio.Semaphore(SIGNING_AT_ONCE)
        self._start = time.perf_counter()
        proc = server_process(urlsplit(self.base).port or (443 if self.base.startswith("https") else 80))
        samplers = [asyncio.create_task(sample_memory(proc, self.peak))] if proc else []
        for port in self.server_ports:
            if (replica := server_process(port)) is not None:
                samplers.append(asyncio.create_task(sample_memory(replica, self.peaks[port])))
        people = [Person(i, self) for i in range(self.sessions)]
        tasks = [asyncio.create_task(p.live()) for p in people]
        importer = asyncio.create_task(self._import_at()) if self.import_file else None
        done, pending = await asyncio.wait(tasks, timeout=self.seconds + self.timeout + 30)
        for t in pending:
            t.cancel()
        for t in done:
            if t.exception() is not None:
                self.error(tasks.index(t), "client failure", repr(t.exception()))
        if importer:
            await importer
        elapsed = self.clock()
        for sampler in samplers:
            sampler.cancel()
        return self._result(people, elapsed, proc is not None)

    async def _import_at(self) -> None:
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            await loop.run_in_executor(pool, warm_importer)  # the importer loaded before the clock reaches --at
            await asyncio.sleep(max(0.0, self.import_at - self.clock()))
            # the file of before the import, kept open to compare with
            self._old = await asyncio.to_thread(read_only, self.db_path)
            started = self.clock()
            try:
                self.import_result = await loop.run_in_executor(pool, run_import, str(self.db_path),
                                                                str(self.import_file))
            except Exception as e:  # a failed import is reported, the load goes on
                self.import_result = {"written": False, "text": repr(e)}
            self.imported_at = self.clock()
        self.import_result["started_s"] = round(started, 1)
        self.import_result["finished_s"] = round(self.imported_at, 1)
        if not self.import_result["written"]:
            self.error(-1, "import", self.import_result["text"])

    def _result(self, people: list[Person], elapsed: float, memory_known: bool) -> dict:
        d = sorted(self.durations)
        out = {
            "url": self.base, "sessions": self.sessions, "seconds": round(elapsed, 1), "runs": len(d),
            "runs_per_second": round(len(d) / elapsed, 2) if elapsed else 0,
            "median_s": round(statistics.median(d), 3) if d else None,
            "p95_s": round(d[min(len(d) - 1, int(0.95 * len(d)))], 3) if d else None,
            "max_s": round(d[-1], 3) if d else None,
            "errors": self.errors, "error_count": len(self.errors),
            "peak_memory_mb": round(self.peak[0] / 2**20) if memory_known else None,
            "client_cpu_s": round(sum(psutil.Process().cpu_times()[:2]), 1),
        }
        if self.server_ports:
            out["peak_memory_mb_per_replica"] = {str(port): round(peak[0] / 2**20) for port, peak in self.peaks.items()}
        if self.import_file:
            out["import"] = self.import_result
            out["per_session"] = self._before_after(people)
        return out

    def _before_after(self, people: list[Person]) -> list[dict]:
        """Per session: the first key figure of Översikt last drawn before the import and first drawn after
        it, each beside the query layer's figure for the same selection on the file of then."""
        rows = []
        started = (self.import_result or {}).get("started_s")
        new = read_only(self.db_path) if self.imported_at is not None else None
        for p in people:
            overviews = [d for d in p.drawn if d.page == OVERVIEW and d.metric is not None]
            before = [d for d in overviews if started is not None and d.sent + (d.seconds or 0) < started]
            after = [d for d in overviews if self.imported_at is not None and d.sent > self.imported_at]
            row = {"session": p.number,
                   "drawn": [[round(d.sent, 1), d.seconds and round(d.seconds, 2), d.page] for d in p.drawn]}
            for name, drawn, con in (("before", before[-1:], self._old), ("after", after[:1], new)):
                if drawn:
                    d = drawn[0]
                    row[name] = {"query_string": d.query_string, "selection": d.selection, "shown": d.metric,
                                 "expected": overview_participants(con, d.selection)}
            if "after" in row:
                a = row["after"]
                a["expected_before_import"] = overview_participants(self._old, a["selection"])
                row["sees_new_figures"] = a["shown"] == a["expected"]
                row["figure_changed"] = a["expected"] != a["expected_before_import"]
            else:
                row["sees_new_figures"] = False
            rows.append(row)
        return rows
