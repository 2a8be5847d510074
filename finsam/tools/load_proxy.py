"""The load as a server is actually run (scripts/load-proxy): Streamlit replicas started as deploy/finsam@.service
starts them (under /finsam, sign-in on), nginx in front with the shipped site file (deploy/nginx-finsam.conf:
the same upstream, sticky route cookie and headers; plain HTTP on a loopback port instead of TLS, run as this
user with its files in a temporary folder), then python -m finsam load through the proxy, with an import at
--at seconds. Everything it starts it stops; the load is bounded like finsam load (loopback, 100 sessions, 900 s).
A benchmark that prints figures; tests/test_load.py uses the same pieces for a short run without errors."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from finsam.tools import load, load_report
from finsam.tools.load_import import write_import_file

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BASE = "finsam"
USER, PASSWORD = "last", "ett långt lösenord för lasttestet"


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer; see {log}")
        time.sleep(0.3)


def accounts(folder: Path, role: str = "admin", association: str | None = None) -> dict[str, str]:
    """A users.toml with one local account (the load's), and the environment that signs in with it."""
    from argon2 import PasswordHasher

    from finsam.web import auth

    users = folder / "users.toml"
    entry = {"password_hash": PasswordHasher().hash(PASSWORD), "role": role}
    if association:
        entry["association"] = association
    auth.write_users({USER: entry}, users)
    return {"FINSAM_AUTH": "local", "FINSAM_USERS": str(users), "FINSAM_TRUSTED_PROXIES": "127.0.0.1"}


@contextlib.contextmanager
def replicas(db: Path, count: int, env: dict[str, str], folder: Path):
    """count Streamlit processes on free loopback ports, as the systemd unit runs them; yields their ports."""
    procs, ports = [], []
    try:
        for _ in range(count):
            port = free_port()
            log = folder / f"replica-{port}.log"
            proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
                                     "--server.port", str(port), "--server.address", "127.0.0.1",
                                     "--server.baseUrlPath", BASE, "--server.headless", "true"],
                                    cwd=ROOT, env={**os.environ, "FINSAM_DB": str(db), **env},
                                    stdout=log.open("w"), stderr=subprocess.STDOUT)
            procs.append(proc)
            ports.append(port)
        for port, proc in zip(ports, procs):
            _wait(f"http://127.0.0.1:{port}/{BASE}/_stcore/health", proc, folder / f"replica-{port}.log")
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def site_config(folder: Path, port: int, upstream: list[int]) -> Path:
    """The shipped site file for this machine: the replicas' ports in its upstream, plain HTTP on a loopback
    port (no certificate; the route cookie without Secure, so a client over HTTP sends it back)."""
    site = (ROOT / "deploy" / "nginx-finsam.conf").read_text()
    site = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", site, count=1, flags=re.S)  # the redirect to https
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{port};")
    site = re.sub(r"\n\s*(ssl_\w+|add_header Strict-Transport-Security)[^\n]*", "", site)
    site = site.replace("; Secure;", ";")
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in upstream)
    site, n = re.subn(r"(    server 127\.0\.0\.1:850\d[^\n]*\n)+", servers, site)
    if n != 1 or "ssl" in site or f"127.0.0.1:{port}" not in site:
        raise RuntimeError("deploy/nginx-finsam.conf no longer has the lines this benchmark replaces")
    (folder / "site.conf").write_text(site)
    main = folder / "nginx.conf"
    main.write_text(f"""pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log;
daemon off;
worker_processes 1;
events {{ worker_connections 1024; }}
http {{
    log_format route '$upstream_addr $finsam_route $request_uri';
    access_log {folder}/access.log route;  # which replica served which route (tests/test_load.py reads it)
    client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy; fastcgi_temp_path {folder}/fcgi;
    uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;
    include {folder}/site.conf;
}}
""")
    return main


@contextlib.contextmanager
def proxy(folder: Path, upstream: list[int]):
    """nginx with the shipped site file in front of the replicas, as this user; yields the app's URL."""
    port = free_port()
    conf = site_config(folder, port, upstream)
    check = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(folder)], capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(check.stderr)
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(folder)], stderr=(folder / "nginx.out").open("w"))
    try:
        url = f"http://127.0.0.1:{port}/{BASE}"
        _wait(f"{url}/_stcore/health", proc, folder / "nginx-error.log", 30)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def warm(url: str) -> None:
    """One visit to the overview, as on a server that has been up a while (its first page imports the charts)."""
    async def visit():
        tab = load.Tab(url, load.sign_in(url, USER, PASSWORD), timeout=300)
        drawn = await tab.open("", "", time.perf_counter)
        await tab.close()
        if drawn.seconds is None or drawn.errors:
            raise RuntimeError(f"the first visit to {url} failed: {drawn.errors}")
    asyncio.run(visit())


def run(db: Path, sessions: int, seconds: float, think: float, at: float | None, count: int = 2,
        role: str = "admin", folder: Path | None = None, not_browsed: frozenset[str] = frozenset(load.NOT_BROWSED)
        ) -> dict:
    """The whole benchmark on a copy of db: replicas, proxy (none with count 0: one process, direct), load."""
    folder = Path(folder or tempfile.mkdtemp(prefix="finsam-load-"))
    live = folder / "finsam.duckdb"
    shutil.copy(db, live)
    file = None
    if at is not None:
        file = folder / "deltagare.csv"
        write_import_file(live, file)
    name, _, association = role.partition(":")
    env = accounts(folder, name, association or None)
    with replicas(live, max(count, 1), env, folder) as ports:
        for port in ports:
            warm(f"http://127.0.0.1:{port}/{BASE}")
        with proxy(folder, ports) if count else contextlib.nullcontext(f"http://127.0.0.1:{ports[0]}/{BASE}") as url:
            base = load.check(url, sessions, seconds, at)
            runner = load.Load(base, sessions, seconds, think=think, user=USER, password=PASSWORD,
                               import_file=file, import_at=at, db_path=live,
                               server_ports=tuple(ports) if count else (), not_browsed=not_browsed)
            result = asyncio.run(runner.run())
    result["replicas"] = count
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/load-proxy", description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--think", type=float, default=5)
    parser.add_argument("--at", type=float, default=None, help="import a file at this second")
    parser.add_argument("--replicas", type=int, default=2, help="behind nginx; 0: one process, no proxy")
    parser.add_argument("--role", default="admin", help="the load's account: admin, board:FÖRBUND ...")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    try:
        load.check("http://127.0.0.1", args.sessions, args.seconds, args.at)
    except load.LoadRefused as e:
        print(e, file=sys.stderr)
        return 2
    result = run(args.db, args.sessions, args.seconds, args.think, args.at, args.replicas, args.role)
    print(f"{args.replicas or 1} process(es){' behind nginx' if args.replicas else ''}, think {args.think:g} s, "
          f"on {args.db}")
    print(load_report.report(result))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if result["error_count"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
