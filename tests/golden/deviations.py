"""Golden cases where ``timetable`` deliberately answers differently from Airflow 3.3.2.

Every id here is listed, with its reason, on ``docs/design/deviations.md``; a test
checks that the two agree.  Rules that cover whole families (an Airflow crash, an error
raised at construction instead of at first use) are applied by the golden test from the
case's own expected outcome; the ids they cover are listed here too so that the docs
page can name them.
"""

from __future__ import annotations

#: PR #70089 (Airflow main, not in 3.3.2): the previous tick is strictly earlier than the
#: instant asked about.  3.3.2 gives zero-length manual intervals on DST days, and its
#: non-strict previous tick makes an on-grid start date look off-grid.
STRICT_PREV = frozenset(
    {
        "man-00042",
        "man-00045",
        "man-00062",
        "man-00080",
        "man-00091",
        "man-00131",
        "ndi-00310",
        "ndi-01101",
    }
)

#: The same rule in the schedule-change cases: with catchup off and ``now`` just after a
#: shifted DST-gap tick, 3.3.2's previous tick lies after ``now`` and its "latest interval"
#: skips a day; ours starts where the last run ended.  Only the not-yet-due ``upcoming`` run
#: differs; ``next_runs`` agree.
SCHEDULE_CHANGE_STRICT_PREV = frozenset({"sc-01200", "sc-01204"})

#: Airflow error classes and the error we raise instead.
ERROR_MAP = {
    "AirflowTimetableInvalid": "InvalidScheduleError",
    "CroniterBadCronError": "InvalidScheduleError",
    "CroniterBadDateError": "InvalidScheduleError",
    "InvalidTimezone": "UnknownTimezoneError",
    "ValueError": "InvalidScheduleError",
}
