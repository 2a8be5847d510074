"""python -m finsam load: simulated people browsing the running dashboard through Streamlit's own websocket
protocol (the server runs the page scripts as for a browser), optionally with an import in the middle; it
prints script runs per second, the time until a page is drawn, every kind of error and the server's peak
memory, and can say per session whether the pages drawn after the import show the new figures."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import multiprocessing
import random
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import psutil
import requests
import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from finsam import config, labels
from finsam.data import db
from finsam.query import lookups, queries as q
from finsam.access import ADMIN
from finsam.privacy import Protection

MAX_SESSIONS = 100
MAX_SECONDS = 900
NOT_BROWSED = {"importera"}  # the import happens through --import, the door coordinators use
OVERVIEW = ""  # Översikt is the default page: its url path is the base path itself


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


# --- one browser tab: a websocket session ------------------------------------------------------------

@dataclasses.dataclass
class Widget:
    id: str
    kind: str  # multiselect | slider | radio | checkbox
    key: str  # the user key (forbund, ar, kommun ...), the end of the widget id
    options: list
    value: object
    default: object
    param: str  # the query parameter the widget is bound to ("" if none)
    in_sidebar: bool

    def state(self):
        w = WidgetState(id=self.id)
        if self.kind == "multiselect":
            w.string_array_value.data[:] = self.value
        elif self.kind == "slider":
            w.double_array_value.data[:] = self.value
        elif self.kind == "radio":
            w.string_value = self.value
        else:
            w.bool_value = self.value
        return w


def _widget(kind: str, el, known: Widget | None, in_sidebar: bool) -> Widget:
    """A widget as the frontend keeps it: the value the server set, else the one we hold, else the default."""
    key = el.id.rsplit("-", 1)[-1] if el.id.startswith("$$ID-") else el.id
    if kind == "multiselect":
        options = list(el.options)
        default = [options[i] for i in el.default]
        value = list(el.raw_values) if el.set_value else known.value if known else default
    elif kind == "slider":
        options, default = [el.min, el.max], list(el.default)
        value = list(el.value) if el.set_value else known.value if known else default
    elif kind == "radio":
        options = list(el.options)
        default = options[el.default]
        value = el.raw_value if el.set_value else known.value if known else default
    else:
        options, default = [False, True], el.default
        value = el.value if el.set_value else known.value if known else default
    return Widget(el.id, kind, key, options, value, default, el.query_param_key, in_sidebar)


def _url_value(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in values]


def with_param(query_string: str, widget: Widget) -> str:
    """The address after a bound widget changed, as the frontend writes it: the parameter repeated per
    value, dropped when the value is empty or the default."""
    params = [(k, v) for k, v in parse_qsl(query_string, keep_blank_values=True) if k != widget.param]
    values = _url_value(widget.value)
    if values and values != _url_value(widget.default):
        params += [(widget.param, v) for v in values]
    return urlencode(params)


@dataclasses.dataclass
class Drawn:
    """One script run as the client saw it."""
    page: str  # url path ("" for Översikt)
    query_string: str
    sent: float  # seconds since the start of the load
    seconds: float | None  # until script_finished; None when it never finished
    errors: list[tuple[str, str]]
    metric: str | None  # the first key figure (stMetric) drawn
    selection: dict


class Dropped(Exception):
    """The server closed the connection."""


class Tab:
    """One browser tab on the dashboard: its websocket, the pages the server offers, the widgets it drew."""

    def __init__(self, base: str, cookies: dict[str, str], timeout: float):
        self.base, self.cookies, self.timeout = base, cookies, timeout
        self.ws = None
        self.widgets: dict[str, Widget] = {}
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.page = OVERVIEW
        self.page_hash = ""
        self.query_string = ""

    async def open(self, page: str, query_string: str, clock) -> Drawn:
        """A page opened from its address (a link, a bookmark): a new session, as a browser reload makes."""
        await self.close()
        self.widgets, self.page, self.page_hash, self.query_string = {}, page, "", query_string
        parts = urlsplit(self.base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        header = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        xsrf = self.cookies.get("_streamlit_xsrf")
        self.ws = await websockets.connect(
            f"{scheme}://{parts.netloc}{parts.path}/_stcore/stream",
            subprotocols=["streamlit"] + ([xsrf] if xsrf else []),
            additional_headers={"Cookie": header, "Origin": f"{parts.scheme}://{parts.netloc}"},
            max_size=None, open_timeout=self.timeout, compression=None)
        return await self._rerun(clock, page_name=page)

    async def change(self, key: str, value, clock) -> Drawn:
        """A filter changed in the sidebar: a rerun with every widget's state, as the frontend sends it."""
        widget = self.widget(key)
        widget.value = value
        if widget.param:
            self.query_string = with_param(self.query_string, widget)
        return await self._rerun(clock, widgets=list(self.widgets.values()), page_hash=self.page_hash)

    async def go(self, page: str, clock) -> Drawn:
        """Another page from the navigation: the sidebar keeps its widgets, the page's own are dropped."""
        self.page = page
        kept = [w for w in self.widgets.values() if w.in_sidebar]
        return await self._rerun(clock, widgets=kept, page_hash=self.pages[page])

    def widget(self, key: str) -> Widget | None:
        return next((w for w in self.widgets.values() if w.key == key), None)

    def selection(self) -> dict:
        sel = {k: w.value for k in ("forbund", "ar", "kommun") if (w := self.widget(k)) is not None}
        if "forbund" in sel:
            sel["forbund_options"] = self.widget("forbund").options
        return sel

    async def _rerun(self, clock, widgets=(), page_hash: str = "", page_name: str = "") -> Drawn:
        msg = BackMsg()
        msg.rerun_script.query_string = self.query_string
        msg.rerun_script.page_script_hash = page_hash
        msg.rerun_script.page_name = page_name
        msg.rerun_script.widget_states.widgets.extend(w.state() for w in widgets)
        sent = clock()
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        errors, metric, seen, finished = [], None, {}, False
        try:
            async with asyncio.timeout(self.timeout):
                while not finished:
                    finished, metric = self._handle(await self._receive(), errors, metric, seen)
        except TimeoutError:
            errors.append(("timeout", f"sidan {self.page or 'oversikt'} ritades inte klart inom {self.timeout:g} s"))
            return Drawn(self.page, self.query_string, sent, None, errors, metric, {})
        self.widgets = seen  # the frontend forgets widgets the run did not draw
        return Drawn(self.page, self.query_string, sent, time.perf_counter() - started, errors, metric,
                     self.selection())

    async def _receive(self):
        try:
            data = await self.ws.recv()
        except websockets.ConnectionClosed as e:
            raise Dropped(f"anslutningen stängdes ({e})") from e
        msg = ForwardMsg()
        msg.ParseFromString(data)
        return msg

    def _handle(self, msg, errors: list, metric: str | None, seen: dict) -> tuple[bool, str | None]:
        kind = msg.WhichOneof("type")
        if kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash
            self.page = next((u for u, h in self.pages.items() if h == self.page_hash), self.page)
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            errors.append(("page not found", msg.page_not_found.page_name))
        elif kind == "script_finished":
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                errors.append(("compile error", self.page))
            return status != ForwardMsg.FINISHED_EARLY_FOR_RERUN, metric
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            what = el.WhichOneof("type")
            if what == "exception":
                errors.append(("exception", f"{el.exception.type}: {el.exception.message}"))
            elif what == "alert" and el.alert.format == Alert.ERROR:
                errors.append(("error alert", el.alert.body))
            elif what == "metric" and metric is None:
                metric = el.metric.body
            elif what in ("multiselect", "slider", "radio", "checkbox"):
                proto = getattr(el, what)
                seen[proto.id] = _widget(what, proto, self.widgets.get(proto.id), msg.metadata.delta_path[0] == 1)
        return False, metric

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
            self.ws = None


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
        self.tab = Tab(load.base, await asyncio.to_thread(sign_in, load.base, load.user, load.password),
                       load.timeout)
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
                 if p not in NOT_BROWSED] or [OVERVIEW]
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

def _warm() -> None:
    import finsam.write.importer  # noqa: F401


def _import(db_path: str, file: str) -> dict:
    """In a process of its own, so the import does not slow the clients' measurements."""
    from finsam.write.importer import import_file

    path = Path(file)
    report = import_file(Path(db_path), path.name, path.read_bytes(), user="finsam load")
    return {"written": report.written, "added": report.added, "updated": report.updated,
            "problems": len(report.problems), "text": report.text()}


class Load:
    def __init__(self, base: str, sessions: int, seconds: float, think: float = 5.0, timeout: float = 60.0,
                 user: str | None = None, password: str | None = None, import_file: Path | None = None,
                 import_at: float | None = None, db_path: Path | None = None, seed: int = 1):
        self.base, self.sessions, self.seconds, self.think, self.timeout = base, sessions, seconds, think, timeout
        self.user, self.password, self.seed = user, password, seed
        self.import_file, self.import_at, self.db_path = import_file, import_at, db_path
        self.catalog = Catalog()
        self.durations: list[float] = []
        self.errors: list[dict] = []
        self.imported_at: float | None = None
        self.import_result: dict | None = None
        self.peak = [0]
        self._start = 0.0
        self._old = None  # a connection to the file of before the import

    def clock(self) -> float:
        return time.perf_counter() - self._start

    def error(self, session: int, kind: str, text: str) -> None:
        self.errors.append({"session": session, "at_s": round(self.clock(), 1), "kind": kind, "text": text})

    async def run(self) -> dict:
        self._start = time.perf_counter()
        proc = server_process(urlsplit(self.base).port or (443 if self.base.startswith("https") else 80))
        sampler = asyncio.create_task(sample_memory(proc, self.peak)) if proc else None
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
        if sampler:
            sampler.cancel()
        return self._result(people, elapsed, proc is not None)

    async def _import_at(self) -> None:
        loop = asyncio.get_running_loop()
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            await loop.run_in_executor(pool, _warm)  # the importer loaded before the clock reaches --at
            await asyncio.sleep(max(0.0, self.import_at - self.clock()))
            # the file of before the import, kept open to compare with
            self._old = await asyncio.to_thread(_read_only, self.db_path)
            started = self.clock()
            try:
                self.import_result = await loop.run_in_executor(pool, _import, str(self.db_path),
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
        if self.import_file:
            out["import"] = self.import_result
            out["per_session"] = self._before_after(people)
        return out

    def _before_after(self, people: list[Person]) -> list[dict]:
        """Per session: the first key figure of Översikt last drawn before the import and first drawn after
        it, each beside the query layer's figure for the same selection on the file of then."""
        rows = []
        started = (self.import_result or {}).get("started_s")
        new = _read_only(self.db_path) if self.imported_at is not None else None
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


def _read_only(path: Path):
    return db.connect(path, read_only=True)


def overview_participants(con, selection: dict, lang: str = "sv") -> str:
    """Översikt's first key figure (participants in the selection's last year) from the query layer, as
    the page formats it; the selection as the sidebar drew it (association, years, municipality names)."""
    scope = tuple(selection.get("forbund") or selection.get("forbund_options") or ())
    first, last = lookups.year_range(con, scope)
    years = tuple(int(y) for y in selection["ar"]) if selection.get("ar") else (first, last)
    munis = lookups.municipalities(con, scope)
    codes = dict(zip(munis.municipality_name, munis.municipality_code))
    f = q.Filters(years=years, associations=tuple(selection.get("forbund") or ()),
                  municipalities=tuple(codes[m] for m in selection.get("kommun") or ()))
    last = f.years[1]
    protection = Protection(threshold=int(config.setting("FINSAM_SMALL_COUNT")))
    kf = q.key_figure_series(q.run(con, "key_figures", f.with_years(last - 1, last), protection, ADMIN))
    value = kf["participants_total"].get(last)
    return "–" if value is None else labels.number(value, 0, lang)


def write_import_file(db_path: Path, out: Path, per_cell: int = 5) -> int:
    """A participant file as coordinators have them (semicolon CSV in Windows-1252, Swedish headers) that
    changes every selection Översikt can show: per_cell participations that started and ended in each year
    of each association, in each of its municipalities, in its first individual intervention. Returns the
    number of rows."""
    con = _read_only(db_path)
    header = ["deltagare_id", "förbund", "insats", "kommun", "kön", "remittent", "startdatum", "slutdatum",
              "avslutsanledning", "stegförflyttning"]
    rows = []
    for assoc in lookups.associations(con).association_id:
        span = lookups.year_range(con, (assoc,))
        if span is None:
            continue
        intervention = lookups.interventions(con, (assoc,)).intervention_id.iloc[0]
        for muni in lookups.municipalities(con, (assoc,)).municipality_name:
            for year in range(span[0], span[1] + 1):
                for i in range(per_cell):
                    rows.append([f"LAST-{len(rows) + 1:06d}", assoc, intervention, muni, "kvinna" if i % 2 else "man",
                                 "AF", f"{year}-03-01", f"{year}-09-30", "arbete", "ja"])
    con.close()
    out.write_bytes("\r\n".join(";".join(r) for r in [header] + rows).encode("cp1252") + b"\r\n")
    return len(rows)



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
