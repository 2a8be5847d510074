"""Plotly figures as PNG and SVG bytes, rendered offline by kaleido in the system Chromium.

One Chromium per process, started on first use and kept for the images after it (starting it takes a few
seconds, an image half a second). MathJax is off and plotly.js is read from the installed plotly package,
so rendering makes no network call. The fonts are those of finsam.present.chart_layout.FONT (DejaVu Sans, Debian's
fonts-dejavu-core), which carry å, ä, ö and the en dash.
"""
from __future__ import annotations

import asyncio
import atexit
import os
import threading
from collections.abc import Sequence

import kaleido
import plotly.graph_objects as go

# 16:9 at twice the pixel density: a 1920 x 1080 PNG fills a slide and prints sharp across A4; at 960 x 540
# CSS pixels the charts keep the proportions of the dashboard (legend and axis titles apart)
WIDTH, HEIGHT, SCALE = 960, 540, 2
TIMEOUT = 120  # seconds for one image (Chromium's first start included)


def browser_path() -> str:
    return os.environ.get("BROWSER_PATH", "/usr/bin/chromium")


class ChromiumMissing(RuntimeError):
    """No Chromium to draw the charts with, said in a sentence with its fix (also by finsam doctor)."""

    FIX = "sudo apt-get install chromium (eller ange sökvägen i BROWSER_PATH)."

    def __init__(self, path: str) -> None:
        self.problem = f"Chromium saknas ({path}); diagram i PDF, PowerPoint och Word kan inte ritas."
        super().__init__(f"{self.problem} Åtgärd: {self.FIX}")


def check_browser() -> None:
    path = browser_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise ChromiumMissing(path)


class _Chromium:
    """A kaleido browser on an event loop of its own thread, shared by every thread of the process (the
    Streamlit sessions); kaleido queues the figures for its tabs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido: kaleido.Kaleido | None = None

    def _started(self) -> tuple[asyncio.AbstractEventLoop, kaleido.Kaleido]:
        with self._lock:
            if self._kaleido is None:
                check_browser()
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="kaleido", daemon=True).start()

                async def start() -> kaleido.Kaleido:
                    return await kaleido.Kaleido(n=2, path=browser_path(), mathjax=False, timeout=TIMEOUT)

                try:
                    self._kaleido = asyncio.run_coroutine_threadsafe(start(), loop).result(TIMEOUT)
                except BaseException:
                    loop.call_soon_threadsafe(loop.stop)
                    raise
                self._loop = loop
            return self._loop, self._kaleido

    def render(self, figures: Sequence[go.Figure], opts: dict) -> list[bytes]:
        loop, k = self._started()

        async def all_of_them() -> list[bytes]:
            return list(await asyncio.gather(*(k.calc_fig(fig, opts=opts) for fig in figures)))

        try:
            return asyncio.run_coroutine_threadsafe(all_of_them(), loop).result(TIMEOUT * max(1, len(figures)))
        except Exception:
            self.stop()  # a browser that failed once is not trusted with the next image: start afresh
            raise

    def stop(self) -> None:
        with self._lock:
            loop, k, self._loop, self._kaleido = self._loop, self._kaleido, None, None
        if k is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(k.close(), loop).result(30)
        except Exception:  # closing a browser that already died: nothing left to do
            pass
        loop.call_soon_threadsafe(loop.stop)


_chromium = _Chromium()
atexit.register(_chromium.stop)


def pngs(figures: Sequence[go.Figure], width: int = WIDTH, height: int = HEIGHT, scale: int = SCALE) -> list[bytes]:
    """Several figures as PNG in one go (in parallel tabs); width and height in CSS pixels, times scale."""
    return _chromium.render(figures, dict(format="png", width=width, height=height, scale=scale))


def png(fig: go.Figure, width: int = WIDTH, height: int = HEIGHT, scale: int = SCALE) -> bytes:
    return pngs([fig], width, height, scale)[0]


def svg(fig: go.Figure, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    return _chromium.render([fig], dict(format="svg", width=width, height=height))[0]
