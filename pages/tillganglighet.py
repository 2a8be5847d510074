"""Tillgänglighet: the accessibility statement (finsam.web.statement), open to everyone, also before sign-in."""
import streamlit as st

from finsam.web import app, context, statement

app.ensure_frame()
st.markdown(statement.text(context.language()))
