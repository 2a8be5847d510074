"""Sign-in under attack (issue 22, findings 4-6): guesses sent at once are counted and checked under one
lock per account (threads and processes), what the sign-in route reads and stores is bounded, unknown names
never land verbatim in the audit log or the failures file, attempts are limited per client, and a session
in use ends at its absolute lifetime. The route is finsam's own (finsam.web.routes) in a Starlette app, and once in
the real server."""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import socket
import sqlite3
import subprocess
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.testclient import TestClient

from conftest import ROOT
from finsam.web import attempts, auth, sessions, routes as web
from finsam.data import audit

NOW = dt.datetime(2026, 1, 1, 12, 0)
RIGHT = "rätt lösenord 1"
WRONG = "Fel användarnamn eller lösenord."
LOCKED = "Kontot är tillfälligt låst efter för många misslyckade försök. Försök igen senare."


class CountingHasher(PasswordHasher):
    """finsam's argon2 hasher, counting the passwords it checks (in this process)."""
    checks = 0
    _lock = threading.Lock()

    def verify(self, hash, password):
        with self._lock:
            type(self).checks += 1
        return super().verify(hash, password)


@pytest.fixture()
def accounts(tmp_path, monkeypatch):
    """anna's account; finsam's hasher with argon2's smallest cost (these tests hash hundreds of passwords)."""
    hasher = CountingHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", hasher)
    monkeypatch.setattr(CountingHasher, "checks", 0)
    users = tmp_path / "users.toml"
    auth.write_users({"anna": {"password_hash": hasher.hash(RIGHT), "role": "board", "association": "Sydnärke"}},
                     users)
    monkeypatch.setenv("FINSAM_USERS", str(users))
    monkeypatch.setenv("FINSAM_AUTH", "local")
    monkeypatch.setenv("FINSAM_DB", str(tmp_path / "finsam.duckdb"))  # the audit log lives beside it
    monkeypatch.delenv("FINSAM_TRUSTED_PROXIES", raising=False)
    return users


@pytest.fixture()
def real_cost(accounts):
    """anna's password hashed at argon2's default cost, so checking it takes as long as in use (the races
    below need guesses that overlap)."""
    auth.write_users({"anna": {"password_hash": PasswordHasher().hash(RIGHT), "role": "board",
                               "association": "Sydnärke"}}, accounts)
    return accounts


def failures_file(users):
    return users.with_name(users.name + ".failures.json")


def stored_failures(users) -> dict:
    return json.loads(failures_file(users).read_text(encoding="utf-8"))


def no_wait(_seconds):
    pass


def attempt(args):
    users, password = args
    return auth.login_local("anna", password, now=NOW, sleep=no_wait, path=users).message


def attempt_in_process(args) -> tuple[int, str, int]:
    message = attempt(args)
    return os.getpid(), message, CountingHasher.checks


def audit_rows(tmp_path) -> list[tuple]:
    path = audit.audit_path(tmp_path / "finsam.duckdb")
    if not path.exists():
        return []
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT event, user, detail FROM audit ORDER BY id").fetchall()
    finally:
        con.close()


def client(peer: str = "203.0.113.5") -> TestClient:
    return TestClient(Starlette(routes=web.routes()), client=(peer, 40000), follow_redirects=False)


def post(c: TestClient, username: str, password: str = "fel", **headers):
    return c.post(web.LOGIN_PATH, content=urlencode({"username": username, "password": password, "next": "/"}),
                  headers={"content-type": "application/x-www-form-urlencoded", **headers})


# --- finding 4: counted and checked under one lock per account ---------------------------------------------

def test_forty_wrong_guesses_at_once_are_all_counted_and_only_five_are_checked(accounts, real_cost):
    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(attempt, [(accounts, "fel")] * 40))
    # the first four checked say wrong, the fifth locks; the other 35 are refused without a check
    assert CountingHasher.checks == auth.LOCK_AFTER
    assert answers.count(WRONG) == auth.LOCK_AFTER - 1 and answers.count(LOCKED) == 40 - (auth.LOCK_AFTER - 1)
    assert stored_failures(accounts)["anna"]["failures"] == 40


def test_the_right_password_among_forty_guesses_at_once_is_not_let_in_past_the_limit(accounts, real_cost):
    for _ in range(auth.LOCK_AFTER - 1):  # one guess is left before the lock
        assert attempt((accounts, "fel")) == WRONG
    CountingHasher.checks = 0
    tries = [(accounts, "fel")] * 20 + [(accounts, RIGHT)] + [(accounts, "fel")] * 19
    with ThreadPoolExecutor(40) as pool:
        answers = list(pool.map(attempt, tries))
    accepted = answers.count("")
    assert accepted <= 1
    if accepted:  # the right one came first of all: it reset the count, then five more wrong ones were checked
        assert CountingHasher.checks == 1 + auth.LOCK_AFTER and answers.count(WRONG) == auth.LOCK_AFTER - 1
    else:  # a wrong one came first and locked the account: nothing else was checked, the right one refused
        assert CountingHasher.checks == 1 and answers[20] == LOCKED and answers.count(LOCKED) == 40


def test_guesses_from_several_processes_are_counted_under_the_same_lock(accounts, real_cost):
    with multiprocessing.get_context("fork").Pool(4) as pool:
        results = pool.map(attempt_in_process, [(accounts, "fel")] * 24, chunksize=1)
    checks = {}
    for pid, _, count in results:
        checks[pid] = max(checks.get(pid, 0), count)
    assert len(checks) > 1 and sum(checks.values()) == auth.LOCK_AFTER
    answers = [message for _, message, _ in results]
    assert answers.count(WRONG) == auth.LOCK_AFTER - 1 and answers.count(LOCKED) == 24 - (auth.LOCK_AFTER - 1)
    assert stored_failures(accounts)["anna"]["failures"] == 24


def test_the_real_server_lets_no_right_password_in_past_the_limit_of_forty_posts_at_once(real_cost, tmp_path):
    """The attack as it was made: forty posts at once to the running server, the right password among them
    (each from its own address, as behind the proxy, so that only the account's limit applies)."""
    import httpx

    from browser import streamlit_server

    env = {"FINSAM_AUTH": "local", "FINSAM_USERS": str(real_cost), "FINSAM_TRUSTED_PROXIES": "127.0.0.1"}
    with streamlit_server(tmp_path / "finsam.duckdb", env=env) as url, \
            httpx.Client(base_url=url, follow_redirects=False, timeout=120) as c:
        def send(i: int, password: str = "fel") -> httpx.Response:
            return post(c, "anna", password, **{"x-forwarded-for": f"198.51.100.{i}"})
        for i in range(auth.LOCK_AFTER - 1):
            assert send(100 + i).cookies.get(web.FLASH) == "wrong"
        with ThreadPoolExecutor(40) as pool:
            answers = list(pool.map(lambda i: send(i, RIGHT if i == 20 else "fel"), range(40)))
    accepted = sum(1 for r in answers if r.cookies.get(sessions.COOKIE))
    reasons = [json.loads(d)["reason"] for e, _, d in audit_rows(tmp_path) if e == "sign_in_failed"]
    batch = reasons[auth.LOCK_AFTER - 1:]
    if accepted:  # the right one came first: four more wrong ones, then the lock
        assert batch.count("wrong") == auth.LOCK_AFTER - 1 and len(batch) == 39
    else:
        assert batch == ["locked"] * 40
    # every post counted: after a success the 39 wrong ones, else the four before and all forty
    assert stored_failures(real_cost)["anna"]["failures"] == (39 if accepted else auth.LOCK_AFTER - 1 + 40)


# --- finding 5: bounded reads and writes, no passwords in the log --------------------------------------------

@pytest.mark.parametrize("name", ["x" * 65, "x" * 1_000_000, "anna\nadmin", "an\x00na"])
def test_a_name_no_account_can_have_is_refused_before_anything_is_written(accounts, tmp_path, name):
    result = auth.login_local(name, "fel", now=NOW, sleep=no_wait)
    assert result.access is None and result.message.startswith("Användarnamnet")
    r = post(client(), name[:1000])  # what fits in the sign-in form's body
    assert r.status_code == 303 and r.cookies.get(web.FLASH) == "name"
    assert not failures_file(accounts).exists() and audit_rows(tmp_path) == []


def test_user_add_refuses_the_same_names(accounts):
    def add(name: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "finsam", "user", "add", name, "--role", "reader",
                               "--password-stdin"], input="ett långt lösenord\n", capture_output=True, text=True,
                              cwd=ROOT)
    r = add("x" * (auth.MAX_NAME_LENGTH + 1))
    assert r.returncode == 1 and "högst 64 tecken" in r.stderr
    r = add("bo\tlund")
    assert r.returncode == 1 and "styrtecken" in r.stderr
    assert set(auth.read_users(accounts)) == {"anna"}
    assert add("bo.lund@kumla.se").returncode == 0 and "bo.lund@kumla.se" in auth.read_users(accounts)


def test_the_sign_in_route_refuses_a_large_body_with_413(accounts, tmp_path):
    r = post(client(), "anna", "x" * 10_000)
    assert r.status_code == 413 and "för stor" in r.text
    # without a length given: refused once more than the limit has arrived
    r = client().post(web.LOGIN_PATH, content=(b"username=anna&password=" + b"x" * 1024 for _ in range(10)),
                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    assert not failures_file(accounts).exists() and audit_rows(tmp_path) == []


def test_a_password_typed_into_the_name_field_stays_out_of_the_log_and_the_failures_file(accounts, tmp_path):
    c = client()
    assert post(c, "Sommar2026!hemligt").status_code == 303
    assert post(c, "anna").status_code == 303
    rows = audit_rows(tmp_path)
    assert [(e, u) for e, u, _ in rows] == [("sign_in_failed", "okänt konto"), ("sign_in_failed", "anna")]
    assert "Sommar2026" not in json.dumps(rows) and "Sommar2026" not in failures_file(accounts).read_text()
    assert json.loads(rows[0][2]) == {"reason": "wrong"}
    # the unknown name still counts (and locks), so an account cannot be told from a made-up name
    for _ in range(auth.LOCK_AFTER - 1):
        auth.login_local("Sommar2026!hemligt", "x", now=NOW, sleep=no_wait)
    assert auth.login_local("Sommar2026!hemligt", "x", now=NOW, sleep=no_wait).message == LOCKED


def test_the_failures_file_stays_small_and_forgets_what_is_older_than_the_lockout(accounts):
    for i in range(300):
        auth.login_local(f"gissning{i}", "x", now=NOW, sleep=no_wait)
    auth.login_local("anna", "fel", now=NOW, sleep=no_wait)
    assert len(stored_failures(accounts)) == 301 and failures_file(accounts).stat().st_size < 301 * 120
    # a file written by an earlier finsam kept names verbatim (1 MB names too): dropped at the next write
    data = stored_failures(accounts)
    data["x" * 100_000] = {"failures": 1, "locked_until": None}
    failures_file(accounts).write_text(json.dumps(data), encoding="utf-8")
    later = NOW + dt.timedelta(minutes=auth.lockout_minutes() + 1)
    auth.login_local("gissning1", "x", now=later, sleep=no_wait)
    kept = stored_failures(accounts)
    assert len(kept) == 1 and kept[next(iter(kept))]["failures"] == 1  # only the new one; anna's is forgotten
    assert auth.login_local("anna", RIGHT, now=later).access is not None


# --- finding 6: limits per client, sessions with an absolute lifetime ----------------------------------------

def test_attempts_are_limited_per_client_address(accounts, tmp_path):
    c = client("203.0.113.5")
    for i in range(attempts.CLIENT_ATTEMPTS):
        assert post(c, f"namn{i}").status_code == 303
    r = post(c, "anna", RIGHT)
    assert r.status_code == 429 and "För många inloggningsförsök" in r.text and int(r.headers["retry-after"]) > 0
    assert sessions.COOKIE not in r.cookies
    # a forwarded address is not believed from a peer that is not a trusted proxy
    assert post(c, "anna", RIGHT, **{"x-forwarded-for": "198.51.100.7"}).status_code == 429
    assert post(client("203.0.113.6"), "anna", RIGHT).cookies.get(sessions.COOKIE)  # another client is let in
    rows = audit_rows(tmp_path)
    assert sum(1 for e, _, d in rows if json.loads(d).get("reason") == "client_limit") == 1  # logged once


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(accounts, monkeypatch):
    monkeypatch.setenv("FINSAM_TRUSTED_PROXIES", "127.0.0.1")
    c = client("127.0.0.1")
    for i in range(attempts.CLIENT_ATTEMPTS):
        assert post(c, f"namn{i}", **{"x-forwarded-for": f"1.2.3.4, 198.51.100.{i % 3}"}).status_code == 303
    # each forwarded client has its own count; the left part a client may write itself is not believed
    assert post(c, "anna", RIGHT, **{"x-forwarded-for": "6.6.6.6, 198.51.100.9"}).cookies.get(sessions.COOKIE)
    assert web.client_address("127.0.0.1", "1.2.3.4, 198.51.100.9, 127.0.0.1") == "198.51.100.9"
    assert web.client_address("203.0.113.5", "198.51.100.9") == "203.0.113.5"


def test_successful_sign_ins_from_one_address_are_not_held_against_it(accounts):
    """A board meeting behind one address: the limit counts failures, so twenty-five members get in."""
    c = client()
    for _ in range(attempts.CLIENT_ATTEMPTS + 5):
        assert post(c, "anna", RIGHT).cookies.get(sessions.COOKIE)


def test_a_room_behind_one_address_signing_in_at_once_gets_in_and_failures_still_count(accounts):
    """Thirty board members behind one NAT address sign in within the same second: their checks run at once,
    so all thirty are pending together; none is refused. Failures still count: the 21st is refused."""
    clients = attempts.Clients(accounts)
    now = 1_800_000_000.0
    assert all(clients.reserve("198.51.100.20", now)[0] for _ in range(30))
    for _ in range(30):
        clients.give_back("198.51.100.20", now)
    for _ in range(attempts.CLIENT_ATTEMPTS):
        assert clients.reserve("198.51.100.21", now)[0]
        clients.failed("198.51.100.21", now)
    assert not clients.reserve("198.51.100.21", now)[0]
    assert clients.reserve("198.51.100.21", now + attempts.CLIENT_WINDOW_S + 1)[0]  # a minute later


def test_a_session_in_use_ends_at_its_absolute_lifetime(accounts, monkeypatch):
    monkeypatch.setenv("FINSAM_SESSION_MAX_HOURS", "12")
    start = 1_800_000_000.0
    token = sessions.create("anna", now=start)
    for minute in range(0, 12 * 60, 20):  # used every twenty minutes: never idle
        assert sessions.user_of(token, now=start + 60 * minute) == "anna"
    assert sessions.user_of(token, now=start + 12 * 3600 + 1) is None
    assert sessions.user_of(token, now=start + 12 * 3600 - 60) is None  # ended for good, not only this once


def test_the_real_server_refuses_a_large_body_at_once_and_limits_a_client(accounts, tmp_path):
    from browser import streamlit_server

    env = {"FINSAM_AUTH": "local", "FINSAM_USERS": str(accounts)}
    with streamlit_server(tmp_path / "finsam.duckdb", env=env) as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(f"POST {web.LOGIN_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 100000000\r\n"
                      "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode())
            started = time.monotonic()
            answer = s.recv(4096).decode("utf-8", "replace")  # no waiting for the 100 MB announced
        assert answer.startswith("HTTP/1.1 413") and time.monotonic() - started < 10
        import httpx

        with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as c:
            codes = [post(c, f"namn{i}").status_code for i in range(attempts.CLIENT_ATTEMPTS + 1)]
        assert codes == [303] * attempts.CLIENT_ATTEMPTS + [429]


def test_doctor_names_an_account_nobody_can_sign_in_with(accounts):
    from finsam.ops import doctor

    users = auth.read_users(accounts)
    users["x" * 70] = dict(users["anna"])
    auth.write_users(users, accounts)
    problems: list = []
    doctor.check_sign_in(set(), problems)
    assert len(problems) == 1 and "högst 64 tecken" in problems[0].text and "x" * 70 in problems[0].text
    assert "user remove" in problems[0].fix
