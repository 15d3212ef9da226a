"""A reference scheduler on SQLite, driven by `timetable` (see docs/howto/sqlite-scheduler.md)."""

from .dags import Dag, default_dags
from .memory import MemoryStore
from .scheduler import Scheduler, execute
from .script import Action, Script, build_script
from .store import Conflict, SqliteStore, apply_changeset, connect

__all__ = [
    "Action",
    "Conflict",
    "Dag",
    "MemoryStore",
    "Scheduler",
    "Script",
    "SqliteStore",
    "apply_changeset",
    "build_script",
    "connect",
    "default_dags",
    "execute",
]
