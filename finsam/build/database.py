"""`python -m finsam build`: the demo database, made from data/ deterministically."""
from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from finsam.data import aggregates, db
from finsam.build.demo import build_stream, fit_joint_mean
from finsam.build.demo_streams import all_streams, conversation_rows, joint_means, money_and_voices
from finsam.data.published import Published, read
from finsam.write import goal_edits, sharing

PARTICIPATION_COLUMNS = [
    "participation_id", "association_id", "intervention_id", "person_id", "municipality_code", "gender",
    "birth_year", "referral_source", "assignment", "start_date", "end_date", "exit_reason", "has_positive_step",
    "followup_6m", "followup_18m", "education", "public_support_time", "income_before", "income_after", "is_demo",
]
PERSON_PREFIX = {"Sydnärke": "SN", "Norra Västmanland": "NV", "Västerås": "VS"}


class BuildError(RuntimeError):
    pass


Progress = Callable[[float, str], None]


def demo_records(data_dir: Path, seed: int, progress: Progress | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo participations and anonymous counts; raises BuildError if a followed figure is missed."""
    published = Published(read(data_dir))
    codes = pd.read_csv(data_dir / "municipalities.csv", dtype=str).set_index("municipality_name")["municipality_code"]
    rows, anonymous, problems = [], [], []
    serial: dict[str, int] = {}
    streams = all_streams(published)
    built = []
    for i, stream in enumerate(streams):
        if progress:
            progress(0.85 * i / len(streams), f"{stream.association}, {stream.intervention}")
        records, unmet = build_stream(stream, seed)
        problems += [f"{stream.association}/{stream.intervention}: {u}" for u in unmet]
        built.append((stream, records))
    for jm in joint_means(published):
        fit_joint_mean(jm, {s.intervention: r for s, r in built if s.association == jm.association}, seed)
    for stream, records in built:
        prefix = PERSON_PREFIX[stream.association]
        for r in records:
            serial[prefix] = serial.get(prefix, 0) + 1
            rows.append({
                "association_id": stream.association, "intervention_id": stream.intervention,
                "person_id": f"{prefix}-{serial[prefix]:05d}", "municipality_code": codes[r["municipality"]],
                "gender": r["gender"], "birth_year": r["birth_year"], "referral_source": r["referral_source"],
                "assignment": r["assignment"], "start_date": r["start_date"], "end_date": r["end_date"],
                "exit_reason": r["exit_reason"], "has_positive_step": r["has_positive_step"],
                "followup_6m": r["followup_6m"], "followup_18m": r["followup_18m"], "education": r["education"],
                "public_support_time": r["public_support_time"], "income_before": r["income_before"],
                "income_after": r["income_after"], "is_demo": True,
            })
        anonymous += [{"association_id": stream.association, "intervention_id": stream.intervention, "year": y,
                       "gender": g, "participant_count": n, "is_demo": True} for y, g, n in stream.anonymous]
    if problems:
        raise BuildError("the demo records miss published figures they should follow:\n  " + "\n  ".join(problems))
    df = pd.DataFrame(rows)
    df.insert(0, "participation_id", range(1, len(df) + 1))
    anon = pd.DataFrame(anonymous, columns=["association_id", "intervention_id", "year", "gender",
                                            "participant_count", "is_demo"])
    return df[PARTICIPATION_COLUMNS], anon


def build(db_path: Path, data_dir: Path, seed: int, progress: Progress | None = None) -> dict[str, int]:
    """Write a new demo database at db_path (atomically: a temporary file renamed into place)."""
    participations, anonymous = demo_records(data_dir, seed, progress)
    if progress:
        progress(0.9, "tabellerna som sidorna läser")
    tmp = db_path.with_name(db_path.name + ".building")
    for p in (tmp, Path(str(tmp) + ".wal")):
        p.unlink(missing_ok=True)
    con = db.init_database(tmp, data_dir)
    try:
        db.insert_participations(con, participations)
        if len(anonymous):
            db.insert_frame(con, "anonymous_participants", anonymous)
        published = Published(read(data_dir))
        budget, surveys = money_and_voices(published)
        db.insert_frame(con, "budget", pd.DataFrame(budget).assign(is_demo=True))
        db.insert_frame(con, "survey_result", pd.DataFrame(surveys).astype({"respondents": "Int64"}).assign(is_demo=True))
        db.insert_frame(con, "conversation_count", pd.DataFrame(conversation_rows(published))
                        .assign(is_demo=True))
        goal_edits.load_demo(con, data_dir)
        demo_ids = [r[0] for r in con.execute("SELECT association_id FROM association").fetchall()]
        sharing.set_rows(con, demo_ids, True, "demo")  # the demo's three share their key figures (docs/board.md)
        aggregates.refresh_aggregates(con)
        con.execute("INSERT INTO build_info VALUES ('kind', 'demo'), ('seed', ?), ('built_at', ?)",
                    [str(seed), dt.datetime.now().isoformat(timespec="seconds")])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, db_path)
    Path(str(db_path) + ".wal").unlink(missing_ok=True)
    return {"participations": len(participations), "anonymous_rows": len(anonymous)}


@dataclass
class FirstBuild:
    """The demo database being built on a server's first start; every visitor reads the same progress."""
    fraction: float = 0.0
    text: str = ""
    failed: bool = False
    done: threading.Event = field(default_factory=threading.Event)

    def update(self, fraction: float, text: str) -> None:
        self.fraction, self.text = fraction, text


_first_builds: dict[Path, FirstBuild] = {}
_first_lock = threading.Lock()


def first_build(db_path: Path, data_dir: Path, seed: int) -> FirstBuild:
    """Start building a missing demo database once, whoever arrives: one thread per process, and a lock
    file so a second app process on the same file waits for the first instead of building it again."""
    with _first_lock:
        job = _first_builds.get(db_path)
        if job is None or (job.done.is_set() and (job.failed or not db_path.exists())):
            job = _first_builds[db_path] = FirstBuild()
            threading.Thread(target=_build_once, args=(job, db_path, data_dir, seed), name="first-build",
                             daemon=True).start()
        return job


def _build_once(job: FirstBuild, db_path: Path, data_dir: Path, seed: int) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(db_path.with_name(db_path.name + ".buildlock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another process building: wait for it
            if not db_path.exists():
                logging.getLogger("finsam").warning("first start: building the demo database %s", db_path)
                build(db_path, data_dir, seed, job.update)
    except Exception:  # logged in full; the page says it in a sentence
        logging.getLogger("finsam").exception("building the demo database failed")
        job.failed = True
    finally:
        job.done.set()
