"""The browser harness: the app started as a user starts it, and Debian's Chromium driven by Playwright."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(db: Path, timeout: float = 120, env: dict | None = None, args: tuple[str, ...] = (),
                     port: int | None = None, address: str | None = "127.0.0.1", base: str = ""):
    """`streamlit run dashboard.py` on a free port with FINSAM_DB=db (and env, and more streamlit args);
    yields the app's URL (with the sub-path `base`, e.g. "finsam", as server.baseUrlPath). address=None leaves
    the listening address to .streamlit/config.toml."""
    port = port or free_port()
    env = {**os.environ, "FINSAM_DB": str(db), **(env or {})}
    log = open(db.with_suffix(f".{port}.log"), "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
                             "--server.port", str(port), "--server.headless", "true",
                             *(["--server.address", address] if address else []),
                             *(["--server.baseUrlPath", base] if base else []), *args],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}" + (f"/{base.strip('/')}" if base else "")
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {log.name}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_for_app(page, selector: str = '[data-testid="stPlotlyChart"]', timeout: float = 90_000) -> None:
    """Wait until the element (by default a chart) is drawn and the script has finished."""
    page.wait_for_selector(selector, timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout)
    page.wait_for_timeout(400)
