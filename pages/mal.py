"""Mål: the board's goals and their attainment (måluppfyllelse) per year over the selection, and the editor
where a coordinator (own association) or an administrator adds, changes and removes goals."""
import pandas as pd
import streamlit as st

from finsam.query import goals
from finsam.write import filereader, goal_edits
from finsam.web import app, context, reads
from finsam.access import AccessDenied
from finsam.labels import number, percent, t

p = app.page("page_goals")
lang, f = p.lang, p.filters
access = context.access()

years = reads.goal_query("goal_years", f).year.tolist()
with st.container(key="goals_attainment"):
    st.subheader(t("goals_attainment", lang))
    st.caption(t("goals_rule", lang))
    if goals.narrowed(f):
        st.info(t("goals_whole", lang), icon=":material/info:")
if years:
    last = f.years[1] if f.years else years[-1]
    default = last if last in years else max([y for y in years if y <= last] or years)
    year = st.selectbox(t("goals_year", lang), years, index=years.index(default), key="goals_year")
    att = reads.goal_query("attainment", f, year)
else:
    year, att = f.years[1] if f.years else None, pd.DataFrame(columns=goals.ATTAINMENT_COLUMNS)

MARK = {"uppnått": "✔ uppnått", "delvis uppnått": "≈ delvis uppnått", "ej uppnått": "✘ ej uppnått",
        "ej mätbart": "– ej mätbart"}


def shown(value, unit):
    if value != value:
        return "" if unit == "" else ".."
    if unit == "percent":
        return percent(value, 0, lang)
    return number(value, 0 if unit in ("count", "sek") or float(value).is_integer() else 1, lang)


def target_text(r) -> str:
    if not r.indicator:
        return ""
    word = goals.COMPARISONS[r.comparison]
    high = f"–{shown(r.target_high, r.unit)}" if r.comparison == "between" else ""
    return f"{word} {shown(r.target, r.unit)}{high}"


if att.empty:
    st.info(t("goals_none", lang).format(year if year else ""))
else:
    counts = att.status.value_counts()
    cols = st.columns(4)
    for c, status in zip(cols, goals.STATUSES):
        c.metric(MARK[status], number(counts.get(status, 0), 0, lang), border=True)
    table = pd.DataFrame({
        "Insats": att.intervention.replace({goals.ALL: "Alla insatser"}),
        "Mål": att.text,
        "Målvärde": [target_text(r) for r in att.itertuples()],
        "Utfall": [shown(r.outcome, r.unit) for r in att.itertuples()],
        "n": [shown(r.n, "count" if r.unit else "") for r in att.itertuples()],
        "Status": [MARK[r.status] + ("" if r.indicator or r.status == "ej mätbart" else " (bedömt)")
                   for r in att.itertuples()],
        "Hittills": [f"{r.pace} (mål hittills {shown(r.target_so_far, r.unit)})" if r.pace else ""
                     for r in att.itertuples()],
        "Kommentar": att.comment,
        "Indikator": [goals.INDICATORS[i].label_sv if i else "" for i in att.indicator],
        "Källa": [", ".join(x for x in (r.source_file, r.section) if x) for r in att.itertuples()],
        "Mål-id": att.goal_id,
    })
    if not (table.Hittills != "").any():
        table = table.drop(columns="Hittills")
    st.dataframe(table, hide_index=True, key="goals_table", row_height=35, height=35 * (len(table) + 1) + 3,
                 column_config={"Mål": st.column_config.TextColumn(width="medium"),
                                "Kommentar": st.column_config.TextColumn(width="medium")})
    st.caption("(bedömt): ett mål utan indikator har den status samordnaren satt. '..': för få för att visas.")

st.subheader(t("goals_edit", lang))
if not goal_edits.may_edit(access):
    st.info(t("goals_read_only", lang))
    st.stop()
editable = [a for a in (f.associations or reads.lookup("associations").association_id.tolist()) if access.allows(a)]
if not editable:
    st.info(t("goals_read_only", lang))
    st.stop()
assoc = st.selectbox(t("goals_association", lang), editable, key="goals_association")
st.caption(t("goals_edit_intro", lang))
current = goal_edits.to_editor(reads.goal_query("goals", f, (assoc,)))
interventions = [goals.ALL] + reads.lookup("interventions", (assoc,)).intervention_id.tolist()
edited = st.data_editor(
    current, num_rows="dynamic", hide_index=True, key=f"goals_editor_{assoc}_{reads.db_version()}",
    column_order=[c for c in goals.GOAL_COLUMNS if c != "association_id"],
    column_config={
        "goal_id": st.column_config.TextColumn(goals.HEADERS["goal_id"], help="Tomt: ett id ges"),
        "intervention_id": st.column_config.SelectboxColumn(goals.HEADERS["intervention_id"], options=interventions,
                                                            default=goals.ALL),
        "first_year": st.column_config.NumberColumn(goals.HEADERS["first_year"], format="%d", step=1),
        "last_year": st.column_config.NumberColumn(goals.HEADERS["last_year"], format="%d", step=1),
        "text_sv": st.column_config.TextColumn(goals.HEADERS["text_sv"], width="large"),
        "indicator": st.column_config.SelectboxColumn(goals.HEADERS["indicator"], options=[""] + list(goals.INDICATORS)),
        "comparison": st.column_config.SelectboxColumn(goals.HEADERS["comparison"],
                                                       options=[""] + list(goals.COMPARISONS.values())),
        "target": st.column_config.NumberColumn(goals.HEADERS["target"]),
        "target_high": st.column_config.NumberColumn(goals.HEADERS["target_high"]),
        "set_status": st.column_config.SelectboxColumn(goals.HEADERS["set_status"], options=[""] + list(goals.SET_STATUSES)),
        "comment": st.column_config.TextColumn(goals.HEADERS["comment"]),
        "source_file": st.column_config.TextColumn(goals.HEADERS["source_file"]),
        "section": st.column_config.TextColumn(goals.HEADERS["section"]),
    })


def save(frame: pd.DataFrame) -> None:
    frame = frame.copy()
    frame["association_id"] = assoc
    try:
        n = goal_edits.save(reads.db_path(), access, (assoc,), frame)
    except goal_edits.GoalError as e:
        st.error(t("goals_problems", lang) + "\n\n" + "\n".join(f"- {p}" for p in e.problems))
        return
    except AccessDenied as e:
        st.error(str(e))
        return
    st.session_state["goals_saved"] = t("goals_saved", lang).format(n, assoc)
    st.rerun()


if st.button(t("goals_save", lang), type="primary", key="goals_save"):
    save(edited)
if "goals_saved" in st.session_state:
    st.success(st.session_state.pop("goals_saved"))

with st.expander(t("goals_template", lang)):
    c1, c2 = st.columns(2)
    c1.download_button("Mall (.xlsx)", goal_edits.template("xlsx"), file_name="finsam_mall_mal.xlsx", key="goals_template_xlsx")
    c2.download_button("Mall (.csv)", goal_edits.template("csv"), file_name="finsam_mall_mal.csv", key="goals_template_csv")
    upload = st.file_uploader(t("goals_upload", lang), type=["xlsx", "csv"], key="goals_file",
                              max_upload_size=filereader.MAX_BYTES // (1024 * 1024))
    if upload is not None and st.button(t("goals_import", lang), key="goals_import"):
        try:
            rows = goal_edits.read_template(upload.name, upload.getvalue())
        except goal_edits.GoalError as e:
            st.error(t("goals_problems", lang) + "\n\n" + "\n".join(f"- {p}" for p in e.problems))
        else:
            keep = current[~current.goal_id.isin(set(rows.goal_id) - {""})]
            save(pd.concat([keep, rows], ignore_index=True))
