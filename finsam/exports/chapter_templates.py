"""The association's own Word template for the chapter, kept for next year beside the database, like the
version store: `<db>.templates/<association>.docx`. A file is checked (chapter_files.check_template) before it
is kept, written whole or not at all (a temporary file renamed into place), and the audit log records who
kept which template for which association."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from finsam.data import audit
from finsam.exports.chapter_files import check_template

MAX_BYTES = 20 * 1024 * 1024  # a template with a logo and a few pictures, not a whole report


class TemplateError(ValueError):
    """A template that cannot be kept, in a Swedish sentence."""


def templates_dir(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".templates")


def _name(association: str) -> str:
    return re.sub(r"[^\w\- ]", "_", association).strip() or "_"


def template_path(db_path: Path, association: str) -> Path | None:
    """The association's kept template, None when it has none."""
    path = templates_dir(db_path) / f"{_name(association)}.docx"
    return path if path.is_file() else None


def save_template(db_path: Path, association: str, data: bytes, *, file_name: str, user: str = "",
                  role: str = "") -> Path:
    """Keep the uploaded template for the association (replacing last year's); raises TemplateError."""
    if len(data) > MAX_BYTES:
        raise TemplateError(f"Mallen är {len(data) // (1024 * 1024)} MB; högst {MAX_BYTES // (1024 * 1024)} MB. "
                            "Ta bort stora bilder ur mallen och försök igen.")
    problem = check_template(data)
    if problem:
        raise TemplateError(problem)
    folder = templates_dir(db_path)
    folder.mkdir(mode=0o700, exist_ok=True)
    target = folder / f"{_name(association)}.docx"
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    audit.record("chapter_template_saved", user=user, role=role, association=association,
                 detail={"file": Path(file_name).name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)},
                 db_path=db_path)
    return target
