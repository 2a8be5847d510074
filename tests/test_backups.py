"""Backups that run and say when they do not: the shipped cron line run as an unprivileged user, a failed
backup in the audit log, and doctor reporting the newest backup's age and what killed changes left behind."""
from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT
from finsam.data import audit
from finsam.ops import backup, doctor
from finsam.write import versions, writes
from finsam.write.importer import import_file
from test_import import ROWS, TODAY, csv_bytes
from test_ops import cli

DEPLOY = ROOT / "deploy"


def _as(user: pwd.struct_passwd, python: Path) -> list[str]:
    """Run as `user` (no groups, no root rights). Where the venv's Python lies under a folder only root may
    enter (/root/.pyenv on the test machine), the user is lent the right to read and enter folders
    (CAP_DAC_READ_SEARCH) and nothing else: writing still needs the user's own rights."""
    drop = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
    probe = ["/bin/sh", "-c", f"{python} -c pass"]  # as the line runs it (not access(2), blind to capabilities)
    if subprocess.run([*drop, *probe], capture_output=True).returncode:
        drop += ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
        probe = subprocess.run([*drop, *probe], capture_output=True, text=True)
        if probe.returncode:
            pytest.skip(f"{python.resolve()} cannot be run by {user.pw_name} here, nor lent the right to reach it "
                        f"(CAP_DAC_READ_SEARCH): {probe.stderr.strip()[:200]}")
    return drop


def test_the_shipped_cron_line_backs_up_as_an_unprivileged_user(live):
    """Finding 11: the line appended its output to /var/log/finsam-backup.log, which the finsam user cannot
    create: the shell refused the redirection and no backup ever ran."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("running the line as another user needs root and setpriv (util-linux)")
    try:
        user = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user nobody to run the line as")
    line = next(l for l in (DEPLOY / "finsam.cron").read_text().splitlines() if l.strip() and not l.startswith("#"))
    minute, hour, *_days, who, command = line.split(None, 6)
    assert (minute, hour, who) == ("30", "2", "finsam")
    base = Path(tempfile.mkdtemp(prefix="finsam-cron-"))  # not pytest's tmp_path: only root may enter that
    try:
        os.chmod(base, 0o755)
        paths = {"/opt/finsam": ROOT, "/etc/finsam": base / "etc", "/var/lib/finsam": base / "lib",
                 "/var/backups/finsam": base / "backups"}
        for folder in (base / "etc", base / "lib", base / "backups"):  # as README step 1 makes them
            folder.mkdir(mode=0o700)
        for folder in (base / "lib", base / "backups"):
            os.chown(folder, user.pw_uid, user.pw_gid)
        os.chmod(base / "etc", 0o755)

        def here(text: str) -> str:
            for server, local in paths.items():
                text = text.replace(server, str(local))
            return text

        (base / "etc" / "finsam.env").write_text(here((DEPLOY / "finsam.env").read_text()))
        db_path = base / "lib" / "finsam.duckdb"
        shutil.copy(live, db_path)
        os.chown(db_path, user.pw_uid, user.pw_gid)
        # cron runs the line with /bin/sh and a minimal environment
        env = {"PATH": "/usr/bin:/bin", "HOME": str(base / "lib"), "SHELL": "/bin/sh", "LOGNAME": user.pw_name}
        r = subprocess.run([*_as(user, ROOT / ".venv" / "bin" / "python"), "/bin/sh", "-c", here(command)],
                           env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        (copy,) = backup.backups(base / "backups")
        assert copy.stat().st_uid == user.pw_uid and oct(copy.stat().st_mode & 0o777) == "0o600"
        logged = [p for p in (base / "lib").iterdir() if p.suffix == ".log"]
        assert logged and "Säkerhetskopia:" in logged[0].read_text()
        assert logged[0].stat().st_uid == user.pw_uid and oct(logged[0].stat().st_mode & 0o777) == "0o600"
        assert list(audit.entries(db_path)["händelse"]) == ["backup"]
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_failed_backup_is_in_the_audit_log_with_a_swedish_reason(live, tmp_path):
    blocker = tmp_path / "inte-en-mapp"
    blocker.write_text("en fil där mappen skulle vara")
    with pytest.raises(backup.BackupError, match=r"Säkerhetskopian till .*inte-en-mapp/kopior misslyckades: "
                                                 r"sökvägen går inte att använda som mapp"):
        backup.backup(live, blocker / "kopior")
    (entry,) = audit.entries(live).to_dict("records")
    assert entry["händelse"] == "backup_failed" and entry["roll"] == "admin"
    detail = json.loads(entry["detaljer"])
    assert detail["folder"] == str(blocker / "kopior") and "misslyckades" in detail["error"]
    r = cli("backup", "--to", blocker / "kopior", "--db", live)
    assert r.returncode == 1 and "Ingen säkerhetskopia skrevs" in r.stderr and "Traceback" not in r.stderr
    assert list(audit.entries(live)["händelse"]) == ["backup_failed", "backup_failed"]


def test_doctor_reports_the_newest_backups_age(live, tmp_path, monkeypatch):
    folder = tmp_path / "backups"
    monkeypatch.setenv("FINSAM_BACKUP_DIR", str(folder))
    problems: list[doctor.Problem] = []
    doctor.check_backups(live, problems)
    assert problems == []  # nothing imported: a demo or empty database is rebuilt, not restored
    import_file(live, "a.csv", csv_bytes(ROWS), today=TODAY)
    doctor.check_backups(live, problems)
    (p,) = problems
    assert f"ingen säkerhetskopia av databasen i {folder}" in p.text and "finsam backup" in p.fix
    copy = backup.backup(live, folder)
    problems.clear()
    doctor.check_backups(live, problems)
    assert problems == [] and doctor.backup_status() == f"Senaste säkerhetskopian: {copy}, 0 timmar gammal."
    old = time.time() - 40 * 3600
    os.utime(copy, (old, old))
    doctor.check_backups(live, problems)
    (p,) = problems
    assert f"{copy}, är 40 timmar gammal (mer än 36)" in p.text
    r = cli("doctor", "--db", live, env={"FINSAM_BACKUP_DIR": str(folder)})
    assert r.returncode == 1 and "är 40 timmar gammal" in r.stdout and "Allt ser bra ut" not in r.stdout
    assert f"Senaste säkerhetskopian: {copy}, 40 timmar gammal." in r.stdout


def test_doctor_reports_what_a_killed_change_left_beside_the_database(live, tmp_path, monkeypatch):
    """Finding 11: doctor said "Allt ser bra ut" beside a 48 MB copy of a killed import."""
    import_file(live, "a.csv", csv_bytes(ROWS), today=TODAY)
    monkeypatch.setenv("FINSAM_BACKUP_DIR", str(tmp_path / "backups"))
    backup.backup(live, tmp_path / "backups")
    problems: list[doctor.Problem] = []
    doctor.check_leftovers(live, problems)
    assert problems == []
    copy = live.with_name(live.name + ".import-4242")  # as writes.rewrite names its copy, killed before the swap
    copy.write_bytes(b"\0" * 2_500_000)
    orphan = versions.versions_dir(live) / "000002-20261207T030000.duckdb"  # kept, then killed: no history line
    orphan.write_bytes(b"\0" * 1000)
    partial = tmp_path / "backups" / ".finsam-2026-12-07T023000.duckdb.partial"  # a backup being written...
    partial.write_bytes(b"\0" * 10)
    building = live.with_name(live.name + ".building")
    building.write_bytes(b"\0" * 10)
    doctor.check_backups(live, problems)
    assert problems == []
    hour_ago = time.time() - 3700  # ... and untouched for over an hour: killed
    for path in (partial, building):
        os.utime(path, (hour_ago, hour_ago))
    with writes.Lock(live):  # a change being written has its copy: not a leftover
        doctor.check_leftovers(live, problems)
        assert problems == []
    doctor.check_leftovers(live, problems)
    doctor.check_backups(live, problems)
    texts = [p.text for p in problems]
    assert texts == [f"{copy} (2,5 MB) är kvar efter en import eller ändring som avbröts.",
                     f"{orphan} (0,0 MB) är kvar efter en ändring som avbröts före sitt byte (ingen version i "
                     "historiken).",
                     f"{building} (0,0 MB) är kvar efter ett bygge av databasen som avbröts.",
                     f"{partial} (0,0 MB) är kvar efter en säkerhetskopia som avbröts."]
    assert all(p.fix.startswith("Ta bort filen") for p in problems)
    r = cli("doctor", "--db", live, env={"FINSAM_BACKUP_DIR": str(tmp_path / "backups")})
    assert r.returncode == 1 and f"{copy} (2,5 MB)" in r.stdout and "Allt ser bra ut" not in r.stdout
    # the next change removes its own kind of leftovers (the copy and the orphan), not a build's
    import_file(live, "b.csv", csv_bytes(ROWS[:1]), today=TODAY)
    problems.clear()
    doctor.check_leftovers(live, problems)
    assert [p.text for p in problems] == [texts[2]]
