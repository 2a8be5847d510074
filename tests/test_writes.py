"""Every write decides under the lock: a restore chosen while another change waits to be swapped in is
decided again once the lock is taken (and refused when the newest change is not the one the person saw), a
coordinator cannot undo another association's change made in between, and two writers at once are
serialised and recorded in history and audit log in the order they changed the file.

The interleavings are forced with events, not sleeps: the first writer is held just before its rename of
the live file (os.replace), the second is let go once it is about to wait for the write lock (fcntl.flock)."""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import threading
from pathlib import Path

import pandas as pd
import pytest

from finsam.data import audit, db
from finsam.cli import admin
from finsam.write import versions
from finsam.access import Access, AccessDenied
from finsam.write.importer import import_file
from finsam.data import aggregates
from test_goals import _goal, small  # noqa: F401 (a fixture)
from test_import import TODAY, big_file, csv_bytes

ADMIN = Access("admin", None, "ada")
COORD_SN = Access("coordinator", ("Sydnärke",), "sam")


def vasteras_file(n: int) -> bytes:
    rows = [[f"V-{i}", "Västerås", "Samordningsteamet", "Västerås", "man", "1980", "FK", "", "2025-02-01", "", "",
             "", ""] for i in range(n)]
    return csv_bytes(rows)


def table(path: Path, sql: str) -> list[tuple]:
    con = db.connect(path, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def participants(path: Path) -> dict[str, int]:
    return dict(table(path, "SELECT association_id, count(*) FROM participation GROUP BY ALL"))


def import_log(path: Path) -> list[str]:
    return [r[0] for r in table(path, "SELECT file_name FROM import_log ORDER BY import_id")]


class Interleaving:
    """Thread "first" is held just before it swaps its copy in for `live`; thread "second" runs until it is
    about to wait for the write lock; then the first is let go. Whatever the second decided before it waits
    for the lock was decided on the database before the first change."""

    def __init__(self, live: Path, monkeypatch):
        self.live, self.at_swap, self.go, self.at_lock = live, threading.Event(), threading.Event(), threading.Event()
        self.results: dict[str, object] = {}
        real_replace, real_flock = os.replace, fcntl.flock

        def replace(src, dst, *a, **kw):
            if threading.current_thread().name == "first" and Path(dst) == live:
                self.at_swap.set()
                assert self.go.wait(60), "the second writer never came to the lock"
            return real_replace(src, dst, *a, **kw)

        def flock(fd, op):
            if threading.current_thread().name == "second" and op == fcntl.LOCK_EX:
                self.at_lock.set()
            return real_flock(fd, op)

        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(fcntl, "flock", flock)

    def _run(self, name, fn):
        try:
            self.results[name] = fn()
        except Exception as e:  # handed to the test
            self.results[name] = e

    def run(self, first, second) -> tuple[object, object]:
        a = threading.Thread(target=self._run, args=("first", first), name="first")
        b = threading.Thread(target=self._run, args=("second", second), name="second")
        a.start()
        assert self.at_swap.wait(60), self.results
        b.start()
        while not self.at_lock.wait(0.05) and b.is_alive():  # the second may also fail before the lock
            pass
        self.go.set()
        a.join(120)
        b.join(120)
        return self.results["first"], self.results["second"]


def test_restore_last_chosen_while_an_import_runs_is_refused_and_both_imports_stay(live, monkeypatch, capsys):
    """Finding 10: import 1 000 rows, start a bigger import, `restore --last` before it finishes. Before, the
    restore swapped in version 1 after the big import: neither import left, history saying s1.csv undone."""
    import_file(live, "s1.csv", big_file(1000), today=TODAY)
    args = argparse.Namespace(db=live, version=None, last=True)
    report, code = Interleaving(live, monkeypatch).run(
        lambda: import_file(live, "s2.csv", big_file(1500), today=TODAY), lambda: admin.cmd_restore(args))
    out = capsys.readouterr()
    assert report.written and report.added == 500, report
    assert code == 1, out
    assert "Ångrar importen av s1.csv" in out.out  # what the administrator was shown and agreed to
    assert "Inget har återställts" in out.err and "s2.csv" in out.err
    # the database, its import log, the history and the audit log agree: both imports, no restore
    assert participants(live) == {"Sydnärke": 1500}
    assert import_log(live) == ["s1.csv", "s2.csv"]
    hist = versions.history(live)
    assert [(e["action"], e["file"]) for e in hist] == [("import", "s1.csv"), ("import", "s2.csv")]
    assert hist[-1]["checksum_after"] == versions.file_checksum(live)
    log = audit.entries(live)
    assert list(log["händelse"]) == ["import", "import"]
    assert [json.loads(d)["file"] for d in log["detaljer"]] == ["s2.csv", "s1.csv"]
    # asked again, it undoes what is now the last change, and says so truthfully
    after = versions.restore(live, None)
    assert after["detail"]["restored_version"] == 2 and after["file"] == "s2.csv" and after["matches"]
    assert participants(live) == {"Sydnärke": 1000} and import_log(live) == ["s1.csv"]


def test_a_restore_of_the_version_seen_is_refused_when_a_newer_change_came_in_between(live, monkeypatch):
    """The Import page's undo: the version the person confirmed is checked under the lock."""
    import_file(live, "s1.csv", big_file(10), today=TODAY)
    seen = versions.history(live)[-1]["version"]
    first, second = Interleaving(live, monkeypatch).run(
        lambda: import_file(live, "v.csv", vasteras_file(20), today=TODAY, user="ada", access=ADMIN),
        lambda: versions.restore(live, seen, newest=seen, user="ada", role="admin", access=ADMIN))
    assert first.written
    assert isinstance(second, versions.RestoreError), second
    with pytest.raises(versions.RestoreError, match=r"Databasen har ändrats sedan .*version 2.*v\.csv"):
        raise second
    assert participants(live) == {"Sydnärke": 10, "Västerås": 20}
    assert [e["action"] for e in versions.history(live)] == ["import", "import"]


def test_a_coordinator_cannot_undo_another_associations_import_made_in_between(live, monkeypatch):
    """Finding 10: the coordinator's right to undo was checked before the lock; an administrator's import
    for Västerås made meanwhile was then undone by Sydnärke's coordinator."""
    import_file(live, "s1.csv", big_file(10), today=TODAY, user="sam", access=COORD_SN)
    assert versions.may_undo(live, COORD_SN)["file"] == "s1.csv"  # what the page offered her
    first, second = Interleaving(live, monkeypatch).run(
        lambda: import_file(live, "v.csv", vasteras_file(20), today=TODAY, user="ada", access=ADMIN),
        lambda: versions.restore(live, None, user="sam", role="coordinator", access=COORD_SN))
    assert first.written
    assert isinstance(second, AccessDenied), second
    with pytest.raises(AccessDenied, match="inte bara ditt förbund"):
        raise second
    assert participants(live) == {"Sydnärke": 10, "Västerås": 20}
    assert import_log(live) == ["s1.csv", "v.csv"]
    assert [e["action"] for e in versions.history(live)] == ["import", "import"]
    assert list(audit.entries(live)["händelse"]) == ["import", "import"]


def test_two_writers_at_once_are_serialised_and_recorded_under_the_lock_in_order(live, monkeypatch):
    """The audit entry is written before the lock is released (before, after it: a second writer could
    write its whole change, history line and audit entry in between, so the log's order was not the file's)."""
    lock = live.with_name(live.name + ".importlock")
    under_lock = []
    real_record = audit.record

    def record(event, **kw):
        with open(lock, "a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                under_lock.append(event)
            else:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return real_record(event, **kw)

    monkeypatch.setattr(audit, "record", record)
    first, second = Interleaving(live, monkeypatch).run(
        lambda: import_file(live, "s1.csv", big_file(30), today=TODAY, user="sam", access=COORD_SN),
        lambda: import_file(live, "v.csv", vasteras_file(20), today=TODAY, user="ada", access=ADMIN))
    assert first.written and second.written
    assert under_lock == ["import", "import"]
    assert participants(live) == {"Sydnärke": 30, "Västerås": 20}
    hist = versions.history(live)
    assert [e["file"] for e in hist] == import_log(live) == ["s1.csv", "v.csv"]
    assert hist[1]["checksum_before"] == hist[0]["checksum_after"]
    log = audit.entries(live)
    assert list(log["användare"]) == ["ada", "sam"]  # newest first: the same order as the history


def test_two_goal_saves_at_once_cannot_both_take_the_same_goal_id(small, monkeypatch):
    """goals.save checked the other associations' goal ids before the lock: two saves at once could both
    pass and write the same id for two associations."""
    from finsam.write import goal_edits as goals

    interventions = dict(table(small, "SELECT association_id, min(intervention_id) FROM intervention GROUP BY ALL"))
    theirs = pd.DataFrame([_goal(goal_id="M1", association_id="Västerås", intervention_id=interventions["Västerås"])])
    first, second = Interleaving(small, monkeypatch).run(
        lambda: goals.save(small, COORD_SN, ("Sydnärke",), pd.DataFrame([_goal(goal_id="M1")])),
        lambda: goals.save(small, Access("coordinator", ("Västerås",), "vera"), ("Västerås",), theirs))
    assert first == 1
    assert isinstance(second, goals.GoalError), second
    with pytest.raises(goals.GoalError, match="M1 används redan av ett annat förbund"):
        raise second
    assert table(small, "SELECT goal_id, association_id FROM goal") == [("M1", "Sydnärke")]


def test_two_upgrades_at_once_upgrade_once(live, monkeypatch):
    """Two app processes starting on a file from an earlier finsam: the second decides again under the lock."""
    from finsam.write.importer import upgrade

    con = db.connect(live)
    con.execute(f"DROP TABLE {sorted(aggregates.aggregate_tables())[0]}")
    con.close()
    first, second = Interleaving(live, monkeypatch).run(lambda: upgrade(live), lambda: upgrade(Path(str(live))))
    assert (first, second) == (True, False)
    assert [e["action"] for e in versions.history(live)] == ["upgrade"]
    assert list(audit.entries(live)["händelse"]) == ["upgrade"]


def test_restoring_an_earlier_version_names_every_later_change_it_undoes(live, capsys):
    """Version N is a whole file: restoring it undoes N and every later change, and says so before and after."""
    import_file(live, "s1.csv", big_file(10), today=TODAY)
    import_file(live, "v.csv", vasteras_file(5), today=TODAY, user="ada", access=ADMIN)
    import_file(live, "s2.csv", big_file(12), today=TODAY)
    assert admin.cmd_restore(argparse.Namespace(db=live, version=2, last=False)) == 0
    out = capsys.readouterr().out
    assert "Ångrar importen av v.csv för Västerås" in out
    assert "och de senare ändringarna: version 3, importen av s2.csv för Sydnärke" in out
    assert participants(live) == {"Sydnärke": 10}
    last = versions.history(live)[-1]
    assert last["detail"]["restored_version"] == 2 and last["detail"]["undone_versions"] == [2, 3]
    assert json.loads(audit.entries(live).iloc[0]["detaljer"])["undone_versions"] == [2, 3]
    admin.cmd_history(argparse.Namespace(db=live))
    assert "restore version 2 (och 3)" in capsys.readouterr().out.splitlines()[0]
