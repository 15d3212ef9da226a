"""The host's database: schema, WAL, snapshot queries and the one changeset applier.

Rows go to the library as they come out of SQLite (``sqlite3.Row``: Airflow's column
names, ISO-8601 text); changesets come back and :func:`apply_changeset` writes them.
That function is the only place where the host turns library values into SQL values.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import timetable

# --8<-- [start:schema]
SCHEMA = """
CREATE TABLE IF NOT EXISTS dag (
    dag_id      TEXT PRIMARY KEY,
    is_paused   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS dag_run (
    id                  INTEGER PRIMARY KEY,
    dag_id              TEXT NOT NULL REFERENCES dag (dag_id),
    run_id              TEXT NOT NULL,
    run_type            TEXT NOT NULL,
    logical_date        TEXT,
    data_interval_start TEXT,
    data_interval_end   TEXT,
    run_after           TEXT NOT NULL,
    state               TEXT NOT NULL,
    conf                TEXT,
    clear_number        INTEGER NOT NULL DEFAULT 0,
    triggered_by        TEXT,
    start_date          TEXT,
    UNIQUE (dag_id, run_id),
    UNIQUE (dag_id, logical_date)
);
CREATE INDEX IF NOT EXISTS dag_run_state ON dag_run (dag_id, state);
CREATE TABLE IF NOT EXISTS task_instance (
    dag_id      TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    task_id     TEXT NOT NULL,
    map_index   INTEGER NOT NULL DEFAULT -1,
    state       TEXT,
    try_number  INTEGER NOT NULL DEFAULT 0,
    max_tries   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (dag_id, run_id, task_id, map_index),
    FOREIGN KEY (dag_id, run_id) REFERENCES dag_run (dag_id, run_id)
);
CREATE TABLE IF NOT EXISTS scheduler_log (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    step        INTEGER NOT NULL,
    dag_id      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    operations  INTEGER NOT NULL,
    digest      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scheduler_cursor (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    now     TEXT NOT NULL,
    step    INTEGER NOT NULL,
    done    INTEGER NOT NULL DEFAULT 0
);
"""
# --8<-- [end:schema]


class Conflict(Exception):
    """The snapshot a plan was made from moved on: roll back and plan again."""


def connect(path: str) -> sqlite3.Connection:
    """Open *path* in WAL mode, in autocommit (transactions are explicit)."""
    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")  # durable across process crashes in WAL
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@contextlib.contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``; any exception rolls back."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextlib.contextmanager
def read_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One consistent snapshot (WAL readers never block the writer)."""
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


# -- the applier ---------------------------------------------------------------------------
# --8<-- [start:applier]
_UPDATABLE = {
    "dag_run": frozenset(("state", "clear_number", "run_type", "conf")),
    "task_instance": frozenset(("state", "max_tries", "try_number")),
}


def _sql(value: Any) -> Any:
    """A library value as an SQLite value: UTC ISO-8601 text, JSON text, plain strings."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Mapping):
        return json.dumps(dict(value), sort_keys=True, separators=(",", ":"))
    return value


def _update(
    conn: sqlite3.Connection,
    table: str,
    key: dict[str, Any],
    changes: Mapping[str, timetable.FieldChange],
    extra: Sequence[tuple[str, Any]] = (),
) -> None:
    """``UPDATE table SET col = after WHERE key AND col IS before``; one row or a conflict."""
    for column in changes:
        if column not in _UPDATABLE[table]:
            raise ValueError(f"{table}.{column} is not a column a changeset may update")
    sets = [f"{c} = ?" for c in changes] + [f"{c} = ?" for c, _ in extra]
    where = [f"{c} = ?" for c in key] + [f"{c} IS ?" for c in changes]
    params = [
        *(_sql(ch.after) for ch in changes.values()),
        *(_sql(v) for _, v in extra),
        *key.values(),
        *(_sql(ch.before) for ch in changes.values()),
    ]
    sql = f"UPDATE {table} SET {', '.join(sets)} WHERE {' AND '.join(where)}"
    if conn.execute(sql, params).rowcount != 1:
        row = "/".join(str(v) for v in key.values())
        before = ", ".join(f"{c}={ch.before!r}" for c, ch in changes.items())
        raise Conflict(f"{table} {row}: no longer {before} (re-plan)")


def apply_changeset(
    conn: sqlite3.Connection,
    dag_id: str,
    changeset: timetable.Changeset,
    *,
    now: datetime,
    task_instances_for_new_runs: Sequence[tuple[str, int]] = (),
) -> None:
    """Write *changeset* for *dag_id* inside the caller's transaction.

    Inserts use :meth:`timetable.RunInsert.as_row` as it is, plus the ``dag_id``
    column, and create one task instance per ``(task_id, max_tries)`` for each new run
    (what Airflow does when it creates a run).  Updates check every before-value.

    Raises:
        Conflict: a unique key refused an insert or a before-value did not match;
            the caller rolls back and plans again.
    """
    for insert in changeset.runs_to_insert:
        row = {"dag_id": dag_id, **insert.as_row()}
        columns = ", ".join(row)
        marks = ", ".join("?" * len(row))
        try:
            conn.execute(
                f"INSERT INTO dag_run ({columns}) VALUES ({marks})", [_sql(v) for v in row.values()]
            )
        except sqlite3.IntegrityError as err:
            raise Conflict(f"dag_run {dag_id}/{insert.run_id}: {err}") from err
        conn.executemany(
            "INSERT INTO task_instance (dag_id, run_id, task_id, max_tries) VALUES (?, ?, ?, ?)",
            [(dag_id, insert.run_id, task_id, tries) for task_id, tries in
             task_instances_for_new_runs],
        )
    for run in changeset.runs_to_update:
        start = {"unchanged": (), "reset": (("start_date", None),),
                 "now": (("start_date", now),)}[run.start_date]
        _update(conn, "dag_run", {"dag_id": dag_id, "run_id": run.run_id}, run.changes, start)
    for ti in changeset.task_instances_to_update:
        key = {"dag_id": dag_id, "run_id": ti.run_id, "task_id": ti.task_id,
               "map_index": ti.map_index}
        _update(conn, "task_instance", key, ti.changes)
# --8<-- [end:applier]


# -- the store the scheduler talks to ------------------------------------------------------
Cursor = tuple[datetime, int]
LogEntry = tuple[str, int, str, str, int, str]


def log_entry(
    kind: str, dag_id: str, to: Cursor, changeset: timetable.Changeset | None
) -> LogEntry:
    """The audit row a write leaves: when, which step, what, and a digest of the changeset.

    The log makes every decision visible in the database, so "the database equals the
    run that was never killed" also means "no step was done twice or lost".
    """
    at, step = to
    ops = 0 if changeset is None else len(changeset)
    digest = "" if changeset is None else hashlib.blake2b(
        changeset.to_json(indent=None).encode(), digest_size=8).hexdigest()
    return (_sql(at), step - 1, dag_id, kind, ops, digest)

_ACTIVE = "('queued', 'running')"


class SqliteStore:
    """Snapshots out (``sqlite3.Row`` lists), changesets in; one transaction per write."""

    def __init__(self, path: str) -> None:
        self.conn = connect(path)

    def close(self) -> None:
        self.conn.close()

    def initialize(self, dag_ids: Sequence[str], start: datetime) -> None:
        """Create the schema, the DAG rows and the cursor (idempotent)."""
        with write_transaction(self.conn):
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self.conn.execute(statement)
            self.conn.executemany(
                "INSERT OR IGNORE INTO dag (dag_id) VALUES (?)", [(d,) for d in dag_ids]
            )
            self.conn.execute(
                "INSERT OR IGNORE INTO scheduler_cursor (id, now, step) VALUES (1, ?, 0)",
                (_sql(start),),
            )

    # reads -----------------------------------------------------------------------------
    def cursor(self) -> Cursor | None:
        row = self.conn.execute("SELECT now, step, done FROM scheduler_cursor").fetchone()
        if row["done"]:
            return None
        return datetime.fromisoformat(row["now"]), row["step"]

    def is_paused(self, dag_id: str) -> bool:
        row = self.conn.execute("SELECT is_paused FROM dag WHERE dag_id = ?", (dag_id,)).fetchone()
        return bool(row["is_paused"])

    def any_active(self) -> bool:
        """Whether an unpaused DAG has a queued or running run."""
        return self.conn.execute(
            f"SELECT 1 FROM dag_run JOIN dag USING (dag_id) WHERE NOT is_paused "
            f"AND state IN {_ACTIVE} LIMIT 1"
        ).fetchone() is not None

    def catchup_runs(self, dag_id: str) -> list[sqlite3.Row]:
        """What catchup reads: runs from the latest scheduled/backfill one on, and active runs."""
        return self.conn.execute(
            f"SELECT * FROM dag_run WHERE dag_id = :d AND (state IN {_ACTIVE} OR logical_date >= "
            "COALESCE((SELECT MAX(logical_date) FROM dag_run WHERE dag_id = :d "
            "AND run_type IN ('scheduled', 'backfill')), ''))",
            {"d": dag_id},
        ).fetchall()

    def _with_tis(
        self, where: str, params: dict[str, Any]
    ) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
        with read_transaction(self.conn):
            runs = self.conn.execute(
                f"SELECT * FROM dag_run WHERE dag_id = :d AND {where} ORDER BY id", params
            ).fetchall()
            if not runs:
                return [], []
            tis = self.conn.execute(
                "SELECT * FROM task_instance WHERE dag_id = :d AND run_id IN "
                f"(SELECT run_id FROM dag_run WHERE dag_id = :d AND {where}) "
                "ORDER BY run_id, task_id, map_index",
                params,
            ).fetchall()
        return runs, tis

    def active(self, dag_id: str) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
        """Queued and running runs of *dag_id* (none while it is paused), with their task
        instances."""
        return self._with_tis(
            f"state IN {_ACTIVE} AND NOT (SELECT is_paused FROM dag WHERE dag_id = :d)",
            {"d": dag_id},
        )

    def between(
        self, dag_id: str, start: datetime, end: datetime
    ) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
        """Runs whose logical date is in ``[start, end]``, with their task instances."""
        return self._with_tis(
            "logical_date BETWEEN :s AND :e", {"d": dag_id, "s": _sql(start), "e": _sql(end)}
        )

    def run_to_mark(self, dag_id: str, target: str) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
        """The run an operator marks *target*: the latest failed run when marking
        ``success``, the oldest running one when marking ``failed`` (or nothing)."""
        state, order = ("failed", "DESC") if target == "success" else ("running", "ASC")
        return self._with_tis(
            "run_id = (SELECT run_id FROM dag_run WHERE dag_id = :d AND state = :st "
            f"ORDER BY logical_date {order} LIMIT 1)",
            {"d": dag_id, "st": state},
        )

    # writes ----------------------------------------------------------------------------
    def _move(self, expect: Cursor, to: Cursor | None) -> None:
        done = to is None
        now, step = (expect if to is None else to)
        moved = self.conn.execute(
            "UPDATE scheduler_cursor SET now = ?, step = ?, done = ? "
            "WHERE now = ? AND step = ? AND done = 0",
            (_sql(now), step, int(done), _sql(expect[0]), expect[1]),
        ).rowcount
        if moved != 1:
            raise Conflict("the cursor moved: another scheduler got there first")

    def write(
        self,
        dag_id: str,
        changeset: timetable.Changeset,
        *,
        now: datetime,
        tasks: Sequence[tuple[str, int]],
        expect: Cursor,
        to: Cursor,
        kind: str,
    ) -> None:
        """Apply *changeset*, log it and move the cursor, in one transaction."""
        with write_transaction(self.conn):
            apply_changeset(self.conn, dag_id, changeset, now=now,
                            task_instances_for_new_runs=tasks)
            self._log(log_entry(kind, dag_id, to, changeset))
            self._move(expect, to)

    def _log(self, entry: LogEntry) -> None:
        self.conn.execute(
            "INSERT INTO scheduler_log (at, step, dag_id, kind, operations, digest) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            entry,
        )

    def log(self) -> list[LogEntry]:
        """Every logged write, in order."""
        return [tuple(r) for r in self.conn.execute(
            "SELECT at, step, dag_id, kind, operations, digest FROM scheduler_log ORDER BY seq")]

    def set_paused(self, dag_id: str, paused: bool, *, expect: Cursor, to: Cursor) -> None:
        with write_transaction(self.conn):
            self.conn.execute(
                "UPDATE dag SET is_paused = ? WHERE dag_id = ?", (int(paused), dag_id)
            )
            self._log(log_entry("pause" if paused else "unpause", dag_id, to, None))
            self._move(expect, to)

    def advance(self, *, expect: Cursor, to: Cursor | None) -> None:
        with write_transaction(self.conn):
            self._move(expect, to)

    # for tests and tools ---------------------------------------------------------------
    def dump(self) -> list[tuple[Any, ...]]:
        """Every row of every table, in a fixed order (to compare two databases)."""
        out: list[tuple[Any, ...]] = []
        for table, order in (("dag", "dag_id"), ("dag_run", "id"), ("scheduler_log", "seq"),
                             ("task_instance", "dag_id, run_id, task_id, map_index"),
                             ("scheduler_cursor", "id")):
            out += [(table, *row) for row in
                    self.conn.execute(f"SELECT * FROM {table} ORDER BY {order}")]
        return out
