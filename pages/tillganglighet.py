"""Tillgänglighet: the accessibility statement (finsam.statement), open to everyone, also before sign-in."""
import streamlit as st

from finsam import statement, ui

ui.ensure_frame()
st.markdown(statement.text(ui.language()))
