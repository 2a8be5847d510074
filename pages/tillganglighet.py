"""Tillgänglighet: the accessibility statement (finsam.web.statement), open to everyone, also before sign-in."""
import streamlit as st

from finsam.web import app, statement, ui

app.ensure_frame()
st.markdown(statement.text(ui.language()))
