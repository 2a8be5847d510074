"""finsam's dashboard: `streamlit run dashboard.py`. The frame (pages, selection, language, demo notice)
is finsam/app.py; each page in pages/ is a thin layout over finsam.queries and finsam.charts."""
from finsam.app import main

main()
