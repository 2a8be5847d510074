"""finsam's dashboard: `streamlit run dashboard.py`.

Streamlit first imports this file to find the server (`app`: st.App with finsam's sign-in routes, see
finsam/web.py), then runs it as the script of every session (`__main__`): the frame in finsam/app.py, whose
pages in pages/ are thin layouts over finsam.queries and finsam.charts."""
import streamlit as st

if __name__ == "__main__":
    from finsam.app import main

    main()
else:
    from finsam import web

    app = st.App("dashboard.py", routes=web.routes(), middleware=web.middleware(),
                 on_script_error=web.on_script_error)
