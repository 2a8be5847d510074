"""Who this browser is and the way in and out: the signed-in role (demo, local account or OpenID Connect),
the check that keeps real records from the demo installation, the sign-in page and the account box."""
from __future__ import annotations

import html
from urllib.parse import urlencode, urlsplit

import streamlit as st

from finsam.access import DEMO, Access
from finsam.labels import t
from finsam.web import auth, routes as web, sessions
from finsam.web.context import language
from finsam.web.reads import db_path, ensure_database, lookup


def signed_in(lang: str) -> Access | None:
    """Who this browser is (finsam.web.auth): the demo when sign-in is off; a local account by its session
    cookie (finsam.web.sessions, looked up again on every run, so a sign-out in one tab ends them all); an
    OpenID Connect identity by Streamlit's st.user and FINSAM_ROLES. None: not signed in (or no role)."""
    modes = auth.mode()
    if not modes:
        return DEMO
    flash = st.context.cookies.get(web.FLASH)
    if flash in ("wrong", "locked", "name", "oidc_down"):
        st.session_state["_flash"] = flash
    if "oidc" in modes and st.user.get("is_logged_in"):
        found = auth.access_for_identity(st.user.to_dict())
        if found is None:
            st.session_state["_no_role"] = st.user.get("email", "")
        elif not st.session_state.get("_oidc_recorded"):  # once per browser session
            st.session_state["_oidc_recorded"] = True
            web.audit("sign_in", user=found.user, role=found.role, association=", ".join(found.associations or ()),
                      detail={"method": "oidc"})
        return found
    if "local" in modes:
        name = sessions.user_of(st.context.cookies.get(sessions.COOKIE))
        if name is not None:
            return auth.local_access(name)
    return None


def needs_sign_in(access: Access) -> bool:
    """True when the demo installation (no sign-in) has a database with real, imported records: those are
    never served without sign-in."""
    if access.role != "demo" or not db_path().exists():
        return False
    ensure_database(language())
    return lookup("needs_sign_in")


def sign_in_form(lang: str) -> None:
    """The sign-in page: organisation account (st.login) and/or a plain HTML form that posts the local
    account to finsam's own route, which answers with the HttpOnly session cookie (finsam.web.routes)."""
    st.title(t("login_title", lang))
    no_role = st.session_state.pop("_no_role", None)
    if no_role is not None:
        st.warning(t("login_no_role", lang).format(no_role))
        st.button(t("logout", lang), on_click=_oidc_logout, key="logout")
        return
    flash = st.session_state.pop("_flash", None)
    if flash:
        st.error(t(f"flash_{flash}", lang))
    modes = auth.mode()
    if "oidc" in modes:
        st.button(t("login_oidc", lang), on_click=st.login, key="login_oidc", type="primary")
    if "local" in modes:
        query = urlencode([(k, v) for k in st.query_params for v in st.query_params.get_all(k)])
        next_url = urlsplit(st.context.url or "").path + (f"?{query}" if query else "")
        st.html(LOGIN_FORM.format(action=html.escape(web.base_path() + web.LOGIN_PATH), next=html.escape(next_url),
                                  user=t("login_user", lang), password=t("login_password", lang),
                                  button=t("login_button", lang), legend=t("login_local", lang),
                                  statement=html.escape(web.base_path() + "/tillganglighet"),
                                  statement_label=t("page_accessibility", lang)))


LOGIN_FORM = """<form method="post" action="{action}" class="finsam-login" aria-label="{legend}">
<label for="finsam-username">{user}</label>
<input id="finsam-username" name="username" type="text" autocomplete="username" required>
<label for="finsam-password">{password}</label>
<input id="finsam-password" name="password" type="password" autocomplete="current-password" required>
<input type="hidden" name="next" value="{next}">
<button type="submit">{button}</button>
</form>
<p class="finsam-statement"><a href="{statement}" target="_self">{statement_label}</a></p>
<style>
.finsam-login {{ display: flex; flex-direction: column; gap: .35rem; max-width: 24rem; margin-top: .5rem; }}
.finsam-login label {{ font-size: .9rem; margin-top: .4rem; }}
.finsam-login input {{ font: inherit; padding: .5rem .6rem; border: 1px solid #6b7280; border-radius: .4rem; }}
.finsam-login button {{ font: inherit; margin-top: .8rem; padding: .5rem 1rem; border: 0; border-radius: .4rem;
  background: #1F5AA6; color: #fff; cursor: pointer; align-self: flex-start; }}
.finsam-login input:focus-visible, .finsam-login button:focus-visible {{ outline: 3px solid #1F5AA6; outline-offset: 2px; }}
</style>"""
LOGOUT_FORM = """<form method="post" action="{action}" class="finsam-logout">
<button type="submit">{button}</button></form>
<style>.finsam-logout button {{ font: inherit; padding: .3rem .8rem; border: 1px solid #6b7280; border-radius: .4rem;
  background: #fff; color: #1a1a1a; cursor: pointer; }}
.finsam-logout button:focus-visible {{ outline: 3px solid #1F5AA6; outline-offset: 2px; }}</style>"""


def account_box(access: Access, lang: str) -> None:
    """Who is signed in and the way out, in the sidebar (the demo says it is one)."""
    if access.role == "demo":
        st.sidebar.caption(t("demo_mode", lang))
        return
    st.sidebar.caption(t("signed_in_as", lang).format(access.user, t(f"role_{access.role}", lang)))
    if st.user.get("is_logged_in"):
        st.sidebar.button(t("logout", lang), on_click=_oidc_logout, key="logout")
    else:
        with st.sidebar:
            st.html(LOGOUT_FORM.format(action=html.escape(web.base_path() + web.LOGOUT_PATH), button=t("logout", lang)))


def _oidc_logout() -> None:
    web.audit("sign_out", user=str(st.user.get("email", "")), detail={"method": "oidc"})
    st.logout()
