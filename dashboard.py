"""finsam's dashboard: `streamlit run dashboard.py`.

Streamlit first imports this file to find the server (`app`: st.App with finsam's sign-in routes, see
finsam/web/routes.py), then runs it as the script of every session (`__main__`): the frame in finsam/web/app.py, whose
pages in pages/ are thin layouts over finsam.query.queries and the chart modules of finsam.present."""
import streamlit as st

if __name__ == "__main__":
    from finsam.web.app import main

    main()
else:
    from finsam.web import routes as web

    app = st.App("dashboard.py", routes=web.routes(), middleware=web.middleware(),
                 on_script_error=web.on_script_error)
