"""The shipped server configuration, run: nginx (deploy/nginx-finsam.conf, TLS and websockets) in front of two
Streamlit replicas on the same database under server.baseUrlPath=/finsam; a deep link through the proxy in
Chromium, an import through one replica seen by the other without a restart; the systemd units verified."""
from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from argon2 import PasswordHasher

from browser import free_port, streamlit_server, wait_for_app
from conftest import ROOT
from finsam.web import auth
from finsam.write import versions
from test_import import big_file
from test_signin import expected_participants, sign_in_local

playwright = pytest.importorskip("playwright.sync_api")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOY = ROOT / "deploy"
PASSWORD = "ett långt lösenord"
SN = quote("Sydnärke")


def nginx_config(tmp: Path, https: int, http: int, replicas: tuple[int, int]) -> Path:
    """The shipped site file with this machine's ports and a self-signed certificate, in a minimal nginx.conf."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem")], check=True, capture_output=True)
    site = (DEPLOY / "nginx-finsam.conf").read_text()
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;").replace("listen 80;", f"listen 127.0.0.1:{http};")
    site = site.replace("127.0.0.1:8501", f"127.0.0.1:{replicas[0]}").replace("127.0.0.1:8502", f"127.0.0.1:{replicas[1]}")
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {tmp / 'cert.pem'};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {tmp / 'key.pem'};", site)
    assert str(replicas[0]) in site and "cert.pem" in site  # the substitutions found what they replace
    (tmp / "site.conf").write_text(site)
    main = tmp / "nginx.conf"
    main.write_text(f"""pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
daemon off;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
""")
    return main


@contextlib.contextmanager
def nginx(conf: Path, port: int):
    check = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(conf.parent)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(conf.parent)], stderr=subprocess.PIPE)
    try:
        import socket

        deadline = time.monotonic() + 20
        while True:
            with contextlib.closing(socket.socket()) as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        proc.wait(10)


def metric(pg) -> str:
    return pg.locator('[data-testid="stMetricValue"]').first.inner_text()


def test_two_replicas_behind_nginx_under_a_sub_path(tmp_path, demo_db, browser):
    path = tmp_path / "finsam.duckdb"
    path.write_bytes(demo_db.read_bytes())
    users = tmp_path / "users.toml"
    auth.write_users({"ada": {"password_hash": PasswordHasher().hash(PASSWORD), "role": "admin"}}, users)
    before = expected_participants(path, "Sydnärke", 2025)
    upload = tmp_path / "nya.csv"
    upload.write_bytes(big_file(40))  # 40 new Sydnärke participants starting 2025-01-10
    env = {"FINSAM_AUTH": "local", "FINSAM_USERS": str(users)}
    r1, r2, https, http = free_port(), free_port(), free_port(), free_port()
    with contextlib.ExitStack() as stack:
        one = stack.enter_context(streamlit_server(path, env=env, port=r1, base="finsam"))
        two = stack.enter_context(streamlit_server(path, env=env, port=r2, base="finsam"))
        stack.enter_context(nginx(nginx_config(tmp_path, https, http, (r1, r2)), https))
        proxy = f"https://127.0.0.1:{https}/finsam"
        # a deep link with a selection, through the proxy (TLS, websockets), signed in on the way
        ctx = browser.new_context(ignore_https_errors=True, viewport={"width": 1440, "height": 1000})
        pg = ctx.new_page()
        pg.goto(f"{proxy}/kon?forbund={SN}&ar=2025&ar=2025")
        sign_in_local(pg, "ada", PASSWORD)
        wait_for_app(pg)
        assert pg.locator("h1").first.inner_text() == "Kön" and "forbund=Sydn" in pg.url
        assert pg.url.startswith(proxy + "/kon")
        # the second replica shows the figure before the import
        view = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
        view.goto(f"{two}/?forbund={SN}&ar=2025&ar=2025")
        sign_in_local(view, "ada", PASSWORD)
        wait_for_app(view)
        assert metric(view) == before
        # import through the first replica's Import page
        imp = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
        imp.goto(f"{one}/importera")
        sign_in_local(imp, "ada", PASSWORD)
        imp.wait_for_selector('[data-testid="stFileUploader"]', timeout=90_000)
        imp.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
        imp.get_by_role("button", name="Importera", exact=True).click()
        imp.wait_for_selector("text=Importerat: 40 nya", timeout=90_000)
        assert versions.history(path)[-1]["user"] == "ada"
        after = expected_participants(path, "Sydnärke", 2025)
        assert int(after) == int(before) + 40
        # the second replica sees it on its next run, without a restart
        view.goto(f"{two}/?forbund={SN}&ar=2025&ar=2025")
        wait_for_app(view)
        view.wait_for_function(f"() => document.querySelector('[data-testid=\"stMetricValue\"]').innerText == '{after}'",
                               timeout=60_000)
        # and so does the page through the proxy
        pg.goto(f"{proxy}/?forbund={SN}&ar=2025&ar=2025")
        wait_for_app(pg)
        assert metric(pg) == after


def test_the_systemd_units_verify():
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    units = [DEPLOY / "finsam@.service", DEPLOY / "finsam-backup.service", DEPLOY / "finsam-backup.timer"]
    r = subprocess.run(["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True)
    if "Failed to" in r.stderr and ("bus" in r.stderr.lower() or "system manager" in r.stderr.lower()):
        pytest.skip(f"systemd-analyze cannot run here: {r.stderr.strip()[:200]}")
    # units refer to /opt/finsam and the finsam user, absent on a test machine: only syntax errors fail
    bad = [line for line in r.stderr.splitlines() if re.search(r"Unknown (key|section)|Invalid|Failed to parse|"
                                                                  r"bad-setting|Missing '='", line)]
    assert not bad, r.stderr
    service = (DEPLOY / "finsam@.service").read_text()
    assert "UMask=0077" in service and "User=finsam" in service and "--server.baseUrlPath finsam" in service
