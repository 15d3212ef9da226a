"""explain_run agrees with iter_run_infos: "will run"/"due" exactly for the runs it produces."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timetable import TimeRestriction, explain_run, iter_run_infos

from ._planning_strategies import BASE, planning_timetables

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(tt=planning_timetables(), minutes=st.integers(0, 14 * 24 * 60),
       horizon=st.integers(0, 20 * 24))
def test_explain_agrees_with_iter_run_infos(tt: Any, minutes: int, horizon: int) -> None:
    at = BASE + timedelta(minutes=minutes)
    now = BASE + timedelta(hours=horizon)
    end = BASE + timedelta(days=40)
    produced = {i.logical_date for i in iter_run_infos(tt, start=BASE, end=end, now=now)}
    answer = explain_run(tt, at=at, restriction=TimeRestriction(earliest=BASE, catchup=True), now=now)
    assert (answer.verdict == "will_run") == (at in produced), answer.to_text()
    if answer.verdict == "will_run":
        assert answer.run is not None
        assert answer.run.logical_date == at
