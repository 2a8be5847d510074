"""Sign-in as users meet it: the real server in Chromium, local accounts with their session cookie, and
OpenID Connect against a real provider (oidc-provider-mock) started by the test on loopback; the safe
defaults (loopback only, real records never served without sign-in)."""
from __future__ import annotations

import shutil
import time
from urllib.parse import quote

import psutil
import pytest
from argon2 import PasswordHasher

from browser import free_port, streamlit_server, wait_for_app
from finsam.web import auth
from finsam.data import db
from finsam.query import queries as q

playwright = pytest.importorskip("playwright.sync_api")
SN = quote("Sydnärke")
PASSWORD = "ett långt lösenord"


@pytest.fixture()
def users(tmp_path):
    path = tmp_path / "users.toml"
    h = PasswordHasher()
    auth.write_users({"sam": {"password_hash": h.hash(PASSWORD), "role": "coordinator", "association": "Sydnärke"}},
                     path)
    return path


def sign_in_local(pg, name: str, password: str) -> None:
    pg.wait_for_selector("form.finsam-login")
    pg.get_by_label("Användarnamn").fill(name)
    pg.get_by_label("Lösenord").fill(password)
    pg.get_by_role("button", name="Logga in", exact=True).click()


def expected_participants(demo_db, association: str, year: int) -> str:
    con = db.connect(demo_db, read_only=True)
    try:
        flow = q.participant_flow(con, q.Filters(years=(year, year), associations=(association,)))
    finally:
        con.close()
    return str(int(flow.participants_total.iloc[0]))


def test_a_local_account_survives_reloads_and_links_and_signs_out_everywhere(demo_db, browser, users):
    with streamlit_server(demo_db, env={"FINSAM_AUTH": "local", "FINSAM_USERS": str(users)}) as url:
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        pg = context.new_page()
        pg.goto(f"{url}/kon?forbund={SN}&ar=2024&ar=2025")  # a link shared by the coordinator
        sign_in_local(pg, "sam", "fel lösenord")
        pg.wait_for_selector('[data-testid="stAlertContentError"]')
        assert "Fel användarnamn eller lösenord" in pg.inner_text("body")
        sign_in_local(pg, "sam", PASSWORD)
        wait_for_app(pg)
        assert pg.locator("h1").first.inner_text() == "Kön"  # back where the link pointed, selection kept
        assert "forbund=Sydn" in pg.url and "2024" in pg.inner_text('[data-testid="stSidebar"]')
        cookie = next(c for c in context.cookies() if c["name"] == "finsam_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["value"] not in pg.url
        pg.reload()
        wait_for_app(pg)
        assert "Inloggad: sam" in pg.inner_text("body")
        pg.goto(f"{url}/tid?forbund={SN}")  # another page by URL
        wait_for_app(pg)
        assert pg.locator("h1").first.inner_text() == "Tid i insats"
        other = context.new_page()  # a second tab of the same browser
        other.goto(f"{url}/?forbund={SN}")
        wait_for_app(other)
        pg.get_by_role("button", name="Logga ut").click()
        pg.wait_for_selector("form.finsam-login")
        # the other tab's next click finds the session gone
        other.locator('[data-testid="stSidebarNav"] a', has_text="Kommuner").click()
        other.wait_for_selector("form.finsam-login", timeout=30_000)
        assert other.locator('[data-testid="stPlotlyChart"]').count() == 0
        other.reload()
        other.wait_for_selector("form.finsam-login")
        context.close()


def test_a_local_session_ends_after_the_idle_time(demo_db, browser, users):
    env = {"FINSAM_AUTH": "local", "FINSAM_USERS": str(users), "FINSAM_SESSION_IDLE_MINUTES": "0.05"}
    with streamlit_server(demo_db, env=env) as url:
        context = browser.new_context()
        pg = context.new_page()
        pg.goto(f"{url}/?forbund={SN}")
        sign_in_local(pg, "sam", PASSWORD)
        wait_for_app(pg)
        time.sleep(4)  # idle longer than 0.05 minutes
        pg.reload()
        pg.wait_for_selector("form.finsam-login")
        assert pg.locator('[data-testid="stPlotlyChart"]').count() == 0
        context.close()


@pytest.fixture()
def provider():
    """A real OpenID Connect provider on loopback (oidc-provider-mock); identities are typed into its form."""
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=free_port()) as server:
        yield f"http://127.0.0.1:{server.server_port}"


def oidc_setup(tmp_path, provider: str, port: int, base: str = "") -> tuple[dict, tuple[str, ...]]:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{port}{base}/oauth2callback"
cookie_secret = "a-long-random-test-secret-for-cookies"
client_id = "finsam"
client_secret = "finsam-secret"
server_metadata_url = "{provider}/.well-known/openid-configuration"
""", encoding="utf-8")
    roles = tmp_path / "roles.toml"
    roles.write_text('[[roles]]\nemail = "bo@sydnarke.se"\nrole = "board"\nassociation = "Sydnärke"\n\n'
                     '[[roles]]\ndomain = "vasteras.se"\nrole = "coordinator"\nassociation = "Västerås"\n\n'
                     '[[roles]]\nemail = "las@example.se"\nrole = "reader"\n', encoding="utf-8")
    return {"FINSAM_AUTH": "oidc", "FINSAM_ROLES": str(roles)}, ("--secrets.files", str(secrets))


def sign_in_oidc(pg, url: str, path: str, identity: str) -> None:
    pg.goto(f"{url}{path}")
    pg.get_by_role("button", name="Logga in med organisationens konto").click()
    pg.wait_for_selector('input[name="sub"]')  # the provider's own page
    pg.fill('input[name="sub"]', identity)
    pg.get_by_role("button", name="Authorize").click()


def test_organisation_accounts_through_a_real_provider(demo_db, browser, provider, tmp_path):
    port = free_port()
    env, args = oidc_setup(tmp_path, provider, port)
    with streamlit_server(demo_db, env=env, args=args, port=port) as url:
        # a board member of Sydnärke, by a link to Västerås: sees Sydnärke only
        board = browser.new_context(viewport={"width": 1440, "height": 1000})
        pg = board.new_page()
        sign_in_oidc(pg, url, f"/?forbund={quote('Västerås')}", "bo@sydnarke.se")
        wait_for_app(pg)
        sidebar = pg.locator('[data-testid="stSidebar"]').inner_text()
        assert "Inloggad: bo@sydnarke.se (styrelseledamot)" in sidebar and "Västerås" not in sidebar
        assert pg.locator('[data-testid="stMetricValue"]').first.inner_text() == expected_participants(
            demo_db, "Sydnärke", 2025)
        assert pg.get_by_text("Visa oskyddade siffror").count() == 0  # a board member cannot unprotect
        # what she sees is named as hers, not "all associations"
        assert pg.get_by_text("Sydnärke · 2016–2025").count() >= 1 and pg.get_by_text("Alla förbund").count() == 0
        pg.get_by_role("button", name="Logga ut").click()
        pg.get_by_role("button", name="End session").click()  # the provider ends its session too
        pg.wait_for_selector('text="Logga in med organisationens konto"')
        pg.goto(url)  # and finsam's: the dashboard asks for sign-in again
        pg.wait_for_selector('text="Logga in med organisationens konto"')
        assert pg.locator('[data-testid="stPlotlyChart"]').count() == 0
        board.close()
        # a coordinator of Västerås (by e-mail domain) may switch the protection off for her association
        coordinator = browser.new_context(viewport={"width": 1440, "height": 1000})
        pg = coordinator.new_page()
        sign_in_oidc(pg, url, "/", "kim@vasteras.se")
        wait_for_app(pg)
        assert "Visa oskyddade siffror" in pg.inner_text('[data-testid="stSidebar"]')
        assert pg.locator('[data-testid="stMetricValue"]').first.inner_text() == expected_participants(
            demo_db, "Västerås", 2020)
        coordinator.close()
        # an identity without a role: the Swedish refusal, no figures
        stranger = browser.new_context()
        pg = stranger.new_page()
        sign_in_oidc(pg, url, "/", "nobody@example.org")
        pg.wait_for_selector('text=/ingen roll i finsam/')
        assert pg.locator('[data-testid="stPlotlyChart"]').count() == 0
        stranger.close()


def test_a_provider_that_is_down_gives_a_swedish_sentence(demo_db, browser, tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    port = free_port()
    env, args = oidc_setup(tmp_path, dead, port)
    with streamlit_server(demo_db, env=env, args=args, port=port) as url:
        context = browser.new_context()
        pg = context.new_page()
        pg.goto(url)
        pg.get_by_role("button", name="Logga in med organisationens konto").click()
        pg.wait_for_selector('text=/inloggningstjänsten svarar inte/', timeout=60_000)
        body = pg.inner_text("body")
        assert "Authentication error" not in body and "Traceback" not in body
        context.close()


def test_real_records_are_never_served_without_sign_in(demo_db, browser, tmp_path):
    from test_import import ROWS, csv_bytes  # a coordinator's semicolon CSV in Windows-1252

    from finsam.write.importer import import_file

    path = tmp_path / "imported.duckdb"
    shutil.copy(demo_db, path)
    assert import_file(path, "lista.csv", csv_bytes(ROWS)).written
    with streamlit_server(path, env={"FINSAM_AUTH": "none"}) as url:
        context = browser.new_context()
        pg = context.new_page()
        for link in ("/", f"/kon?forbund={SN}", "/importera"):
            pg.goto(url + link)
            pg.wait_for_selector('text=/innehåller importerade deltagaruppgifter/')
            assert pg.locator('[data-testid="stPlotlyChart"]').count() == 0
            assert pg.locator('[data-testid="stMetricValue"]').count() == 0
        context.close()


def test_without_sign_in_the_server_listens_on_loopback_only(demo_db):
    with streamlit_server(demo_db, address=None) as url:  # the address from .streamlit/config.toml
        port = int(url.rsplit(":", 1)[1])
        listening = [c.laddr for c in psutil.net_connections("inet") if c.status == "LISTEN" and c.laddr.port == port]
        assert listening and all(a.ip in ("127.0.0.1", "::1") for a in listening)  # not 0.0.0.0


def test_first_start_shows_the_pages_and_builds_once_whoever_arrives(browser, tmp_path):
    missing = tmp_path / "first" / "finsam.duckdb"
    missing.parent.mkdir()
    with streamlit_server(missing) as url:
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        first, second = context.new_page(), context.new_page()
        first.goto(f"{url}/?forbund={SN}")
        second.goto(f"{url}/kon?forbund={SN}")
        for pg in (first, second):
            pg.wait_for_selector('[data-testid="stProgress"]', timeout=60_000)
            nav = pg.locator('[data-testid="stSidebarNav"]').inner_text().splitlines()
            assert "Översikt" in nav and "Avslut och resultat" in nav  # the pages' names, not the file names
            assert not {"oversikt", "avslut", "tid", "kon"} & set(nav)
        for pg in (first, second):
            wait_for_app(pg)
            assert pg.locator('[data-testid="stPlotlyChart"]').count() >= 1
        context.close()
    log = next(missing.parent.glob("finsam.*.log")).read_text()
    assert log.count("first start: building the demo database") == 1


def test_sign_in_under_a_sub_path(demo_db, browser, provider, users, tmp_path):
    """Behind a proxy at /finsam: the OpenID Connect redirect and the local form's route live under it."""
    port = free_port()
    env, args = oidc_setup(tmp_path, provider, port, base="/finsam")
    env.update(FINSAM_AUTH="local,oidc", FINSAM_USERS=str(users))
    with streamlit_server(demo_db, env=env, args=args, port=port, base="finsam") as url:
        assert url.endswith("/finsam")
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        pg = context.new_page()
        sign_in_oidc(pg, url, f"/kon?forbund={SN}", "bo@sydnarke.se")
        wait_for_app(pg)
        assert pg.url.startswith(url + "/") and "Inloggad: bo@sydnarke.se" in pg.inner_text("body")
        context.close()
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        pg = context.new_page()
        pg.goto(f"{url}/tid?forbund={SN}")
        sign_in_local(pg, "sam", PASSWORD)
        wait_for_app(pg)
        assert pg.url.startswith(f"{url}/tid") and pg.locator("h1").first.inner_text() == "Tid i insats"
        cookie = next(c for c in context.cookies() if c["name"] == "finsam_session")
        assert cookie["path"] == "/finsam"
        context.close()
