"""The board pack's command: python -m finsam report ... --format pdf|pptx writes the pack (finsam.exports.pack)
as a PDF (finsam.exports.pdf) or PowerPoint file (finsam.exports.slides); docx and xlsx go to
finsam.exports.chapter_files.cmd_chapter."""
from __future__ import annotations

import sys

from finsam import config
from finsam.exports import pack as board_pack
from finsam.exports.pdf import to_pdf
from finsam.exports.selection import USER_ERRORS, selection
from finsam.exports.slides import to_pptx


def cmd_report(args) -> int:
    """python -m finsam report --association A --year Y [--compare-year Y2] [--municipality M ...]
    --format pdf|pptx --out FILE [--db PATH]"""
    from finsam.data import db

    path = args.db or config.load().db_path
    if not path.exists():
        print(f"Databasen {path} finns inte. Skapa den med: python -m finsam build --db {path}", file=sys.stderr)
        return 1
    con = db.connect(path, read_only=True)
    try:
        sel = selection(con, args.association, args.year, args.compare_year, args.municipality or ())
        pack = board_pack.build(con, sel)
    except USER_ERRORS as e:
        print(e, file=sys.stderr)
        return 1
    finally:
        con.close()
    data = to_pdf(pack) if args.format == "pdf" else to_pptx(pack)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"wrote {args.out}: styrelseunderlag {pack.name} {pack.period}, {len(pack.sections)} sections, "
          f"{len(data) // 1024} KiB")
    return 0
