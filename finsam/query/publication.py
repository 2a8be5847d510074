"""What an association has decided about its published chapter: whether it shows small counts (the
administrator's setting, table chapter_small_counts; no row: protected), and, for demo data, which figures
its reports print (published_figure), so the chapter can leave out what no report has."""
from __future__ import annotations

from finsam.query.sql import fetch


def _has_table(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()[0])


def small_counts_shown(con, association: str) -> bool:
    """True when the administrator has allowed the association's published chapter to show small counts."""
    if not _has_table(con, "chapter_small_counts"):  # a file made before the setting existed
        return False
    row = con.execute("SELECT is_shown FROM chapter_small_counts WHERE association_id = ?", [association]).fetchone()
    return bool(row and row[0])


def small_counts_decisions(con):
    """association_id, is_shown, decided_at, decided_by of every decision made (none: all protected)."""
    if not _has_table(con, "chapter_small_counts"):
        return fetch(con, "SELECT NULL::VARCHAR AS association_id, NULL::BOOLEAN AS is_shown, "
                          "NULL::TIMESTAMP AS decided_at, NULL::VARCHAR AS decided_by WHERE false", [])
    return fetch(con, "SELECT * FROM chapter_small_counts ORDER BY association_id", [])


def published_keys(con, association: str) -> frozenset:
    """(association, intervention, year, measure) of every figure the association's reports print."""
    rows = con.execute("SELECT DISTINCT association, intervention, year, measure FROM published_figure "
                       "WHERE association = ?", [association]).fetchall()
    return frozenset((a, i, int(y), m) for a, i, y, m in rows)
