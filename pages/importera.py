"""Import: upload a coordinator's file, preview it as read, see every problem at once, confirm, and see
the result; templates, the import log, and removing an association's demo records."""
from pathlib import Path

import streamlit as st

from finsam.write import columns, filereader, importer
from finsam.web import app, context, reads
from finsam.present.shown_tables import named
from finsam.present.tables import excel_csv
from finsam.labels import t

app.ensure_frame()
lang = context.language()
st.title(t("page_import", lang))
st.caption(t("imp_intro", lang))

kind = st.radio(t("imp_kind", lang), ["deltagare", "anonyma", "budget", "enkät"], key="imp_kind", horizontal=True,
                format_func=lambda k: t(f"imp_kind_{k}", lang))
with st.expander(t("imp_templates", lang)):
    c1, c2 = st.columns(2)
    c1.download_button("Mall (.xlsx)", columns.template(kind, "xlsx"), file_name=f"finsam_mall_{kind}.xlsx",
                       key="template_xlsx")
    c2.download_button("Mall (.csv)", columns.template(kind, "csv"), file_name=f"finsam_mall_{kind}.csv",
                       key="template_csv")

associations = reads.lookup("associations").association_id.tolist()
assoc = st.selectbox(t("imp_association", lang), [""] + associations, key="imp_association",
                     format_func=lambda a: a or t("imp_from_file", lang))
upload = st.file_uploader(t("imp_file", lang), type=["xlsx", "csv"], key="imp_file",
                          max_upload_size=filereader.MAX_BYTES // (1024 * 1024))
sheet = st.text_input(t("imp_sheet", lang), key="imp_sheet") if upload and upload.name.endswith("xlsx") else ""
valid_only = st.checkbox(t("imp_valid_only", lang), key="imp_valid_only")

if upload is not None:
    content = upload.getvalue()
    options = dict(association=assoc or None, sheet=sheet or None, kind=kind)
    try:  # the upload is read once, then kept for every rerun (the check, the preview, the import)
        raw = filereader.read_upload(st.session_state, upload.file_id, upload.name, content, sheet or None)
        with reads.reader().reading() as cur:
            check = importer.import_file(reads.db_path(), upload.name, content, dry_run=True, reader=cur, raw=raw,
                                         **options)
    except importer.ImportRejected as e:
        st.error(str(e))
        st.stop()
    for notice in check.notices:
        st.info(notice)
    st.subheader(t("imp_preview", lang))
    st.dataframe(raw.head(10), key="imp_preview_table")
    if check.ok:
        st.success(t("imp_ok", lang).format(check.rows))
    else:
        problems = check.problem_frame()
        st.error(t("imp_problems", lang).format(len(problems), problems["rad"].nunique()))
        st.dataframe(problems, hide_index=True, key="imp_problems_table")
        st.download_button(t("download_csv", lang), excel_csv(problems), file_name="finsam_importfel.csv",
                           key="imp_problems_download")
    if not context.access().may_import:
        st.info(t("import_needs_sign_in", lang))
    elif (check.ok or valid_only) and st.button(t("imp_confirm", lang), type="primary", key="imp_confirm"):
        with st.spinner():
            result = importer.import_file(reads.db_path(), upload.name, content, valid_only=valid_only,
                                          user=context.access().user, access=context.access(), raw=raw, **options)
        st.success(t("imp_done", lang).format(result.added, result.updated, result.unchanged, result.rejected_rows))
        if result.rejected:  # from memory: no file of person ids is written on the server
            st.download_button(t("imp_rejected_file", lang), result.rejected, on_click="ignore",
                               file_name=f"{Path(upload.name).stem}.avvisade.csv", key="imp_rejected_download")

status = reads.lookup("demo_status", ())
for a in status[status.has_demo & status.has_imported].association_id:
    if context.access().may_import and context.access().allows(a) and st.button(t("imp_remove_demo", lang).format(a),
                                                                       key=f"remove_demo_{a}"):
        st.success(t("imp_removed", lang).format(importer.remove_demo_records(reads.db_path(), a, context.access())))

st.subheader(t("imp_log", lang))
st.dataframe(named(reads.lookup("import_log"), lang), hide_index=True, key="imp_log_table")

# --- operations: undo the last change, the audit log (logic in finsam.write.versions and finsam.data.audit) ---
me = context.access()
if me.may_import:
    from finsam.write import versions
    from finsam.access import AccessDenied

    st.subheader(t("undo_title", lang))
    try:
        last = versions.may_undo(reads.db_path(), me)
    except AccessDenied as e:
        st.caption(str(e))
    else:
        st.write(versions.describe(last))
        if st.button(t("undo_button", lang), key="undo_ask"):
            st.session_state["undo_pending"] = last["version"]
        if st.session_state.get("undo_pending") == last["version"]:
            st.warning(versions.describe(last))
            c1, c2 = st.columns(2)
            if c1.button(t("undo_confirm", lang), type="primary", key="undo_confirm"):
                st.session_state.pop("undo_pending", None)
                try:
                    done = versions.restore(reads.db_path(), last["version"], newest=last["version"], user=me.user,
                                              role=me.role, access=me)
                except (AccessDenied, versions.RestoreError) as e:
                    st.error(str(e))
                else:
                    st.success(t("undo_done", lang).format(done["version"]))
            if c2.button(t("undo_cancel", lang), key="undo_cancel"):
                st.session_state.pop("undo_pending", None)
                st.rerun()
    if me.role == "admin":
        st.subheader(t("audit_title", lang))
        st.caption(t("audit_caption", lang))
        st.dataframe(named(reads.audit_entries(limit=500), lang), hide_index=True, key="audit_table")
