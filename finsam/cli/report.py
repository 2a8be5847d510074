"""The report command: python -m finsam report ... --format pdf|pptx writes the board pack (finsam.exports.pack)
as a PDF (finsam.exports.pdf) or PowerPoint file (finsam.exports.slides); --format docx|xlsx writes the annual
report's statistics chapter (finsam.exports.chapter) as Word or Excel (finsam.exports.chapter_files)."""
from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from finsam.cli.args import db_path
from finsam.exports import chapter, pack as board_pack
from finsam.exports.chapter_files import to_docx, to_xlsx
from finsam.exports.pdf import to_pdf
from finsam.exports.selection import USER_ERRORS, Selection, selection
from finsam.exports.slides import to_pptx

Made = TypeVar("Made")


def _made(args, make: Callable[[object, Selection], Made], template: bool = False) -> Made | None:
    """What make(connection, selection) builds for the command's options, or None when it cannot be made
    (the reason said on stderr): no database, no such template, or a selection it cannot be made for."""
    from finsam.data import db

    path = db_path(args)
    if not path.exists():
        print(f"Databasen {path} finns inte. Skapa den med: python -m finsam build --db {path}", file=sys.stderr)
        return None
    if template and getattr(args, "template", None) is not None and not Path(args.template).exists():
        print(f"Mallen {args.template} finns inte.", file=sys.stderr)
        return None
    con = db.connect(path, read_only=True)
    try:
        return make(con, selection(con, args.association, args.year, args.compare_year, args.municipality or ()))
    except USER_ERRORS as e:
        print(e, file=sys.stderr)
        return None
    finally:
        con.close()


def _write(args, data: bytes) -> None:
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)


def cmd_report(args) -> int:
    """python -m finsam report --association A --year Y [--compare-year Y2] [--municipality M ...]
    --format pdf|pptx --out FILE [--db PATH]"""
    pack = _made(args, board_pack.build)
    if pack is None:
        return 1
    data = to_pdf(pack) if args.format == "pdf" else to_pptx(pack)
    _write(args, data)
    print(f"wrote {args.out}: styrelseunderlag {pack.name} {pack.period}, {len(pack.sections)} sections, "
          f"{len(data) // 1024} KiB")
    return 0


def cmd_chapter(args) -> int:
    """python -m finsam report ... --format docx|xlsx [--template FILE.docx]"""
    ch = _made(args, lambda con, sel: chapter.build(con, sel, render=args.format == "docx"), template=True)
    if ch is None:
        return 1
    data = to_docx(ch, args.template) if args.format == "docx" else to_xlsx(ch)
    _write(args, data)
    print(f"wrote {args.out}: statistikkapitel {ch.name} {ch.title}, {len(ch.tables)} tabeller, "
          f"{len(data) // 1024} KiB")
    return 0
