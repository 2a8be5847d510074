"""Finished figures kept per key, so the second person to look at a selection gets its charts without Plotly
building them again (building is most of a warm page run). The figure builders of present/*_charts.py are
wrapped by `cached`; without a store (the command line, a test) they simply build. The web layer installs a
store (finsam.web.figures) whose scope is the signed-in role, its protection and the database version; the
key is that scope, the builder and a fingerprint of every argument (the query results by their content), so a
figure is only ever served for the same data drawn the same way, and never to another role or protection.

The store keeps the figure as a plain dict of its properties (once); a hit returns a new go.Figure made from it
without validation (about 1 ms instead of 10-50 ms to build), so a caller that changes its figure (goal
lines, the presentation's larger fonts) never changes what is cached."""
from __future__ import annotations

import copy
import functools
import hashlib
import logging
import threading
from collections import OrderedDict
from typing import Callable, Hashable

import pandas as pd
import plotly.graph_objects as go

log = logging.getLogger("finsam")


class Unkeyable(TypeError):
    """An argument the fingerprint does not know: the figure is built, not cached."""


def fingerprint(value) -> Hashable:
    """A small hashable stand-in for an argument: a DataFrame or Series by its shape, columns, types and the
    hash of every cell and index value; containers by their items; plain values as they are."""
    if isinstance(value, pd.DataFrame):
        cells = pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes() if len(value) else b""
        return ("df", value.shape, tuple(map(str, value.columns)), tuple(map(str, value.dtypes)),
                tuple(map(str, value.index.names)), hashlib.blake2b(cells, digest_size=16).hexdigest())
    if isinstance(value, pd.Series):
        return ("series", value.name, fingerprint(value.to_frame(name="_")))
    if isinstance(value, dict):
        return ("dict", tuple((fingerprint(k), fingerprint(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(fingerprint(v) for v in value))
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise Unkeyable(type(value).__name__)


class Store:
    """A bounded, thread-safe store of figure dicts (least recently used dropped first). scope() names whose
    figures these are (in the dashboard: role, protection, database version); it is part of every key."""

    def __init__(self, scope: Callable[[], Hashable], max_entries: int = 1000):
        self.scope, self.max_entries = scope, max_entries
        self._items: OrderedDict[Hashable, dict] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def key(self, builder: str, args: tuple, kwargs: dict) -> Hashable:
        return (self.scope(), builder, fingerprint(args), fingerprint(sorted(kwargs.items())))

    def get(self, key: Hashable) -> dict | None:
        with self._lock:
            spec = self._items.get(key)
            if spec is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return spec

    def put(self, key: Hashable, spec: dict) -> None:
        with self._lock:
            self.misses += 1
            self._items[key] = spec
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


_store: Store | None = None


def use(store: Store | None) -> None:
    """Install the process's store (None: build every figure)."""
    global _store
    _store = store


def current() -> Store | None:
    return _store


def freeze(fig: go.Figure) -> dict:
    """The figure's own properties, copied (Figure.to_dict would turn arrays into base64 for the browser, and
    the text alternative reads the arrays)."""
    spec = {"data": copy.deepcopy(fig._data), "layout": copy.deepcopy(fig._layout)}
    if fig._frame_objs:
        spec["frames"] = copy.deepcopy([frame._props for frame in fig._frame_objs])
    return spec


def thaw(spec: dict) -> go.Figure:
    """A new figure from a cached dict, not validated again (it was valid when it was built); Figure copies
    what it is given, so changing the figure leaves the cache as it was (tests/test_load.py checks it)."""
    return go.Figure(spec, _validate=False)


def cached(builder: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """Wrap a figure builder: with a store installed, a figure for the same scope and arguments is built once."""
    name = f"{builder.__module__}.{builder.__qualname__}"

    @functools.wraps(builder)
    def wrapper(*args, **kwargs) -> go.Figure:
        store = _store
        if store is None:
            return builder(*args, **kwargs)
        try:
            key = store.key(name, args, kwargs)
        except Exception as e:  # no scope here (a thread without a session) or an unknown argument: build
            log.debug("figure %s not cached: %r", name, e)
            return builder(*args, **kwargs)
        spec = store.get(key)
        if spec is None:
            spec = freeze(builder(*args, **kwargs))
            store.put(key, spec)
        return thaw(spec)

    wrapper.uncached = builder
    return wrapper
