"""The load generator's browser tab: Streamlit's websocket protocol as the frontend speaks it (a rerun with
the widgets' states, the forward messages drawn back), the widgets a page drew and the address a bound
widget writes, and what one script run looked like to the client (Drawn)."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

OVERVIEW = ""  # Översikt is the default page: its url path is the base path itself


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

