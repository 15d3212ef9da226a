"""Every public callable refuses hostile input with a ``TimetableError`` and nothing else.

The callables are enumerated (``__all__`` of the package and its public submodules, each
public class's constructor and the public methods it defines), so a new one is covered
without editing this file.  Each gets arguments drawn from `_harness`: values of
every type, edges (year 1 and 9999, NaN, huge ints and strings, naive datetimes), and our
own values in the wrong place.  The only assertion: whatever escapes is a
``TimetableError``.

Budget: ``TIMETABLE_FUZZ_EXAMPLES`` examples per callable (default 6, which keeps the
file well under a minute); ``benchmarks/fuzz_long.py`` runs it long and counts.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timetable

from ._harness import Target, call, hostile_args, instances_of, targets

EXAMPLES = int(os.environ.get("TIMETABLE_FUZZ_EXAMPLES", "6"))

_TARGETS = targets()


def test_the_surface_is_enumerated() -> None:
    names = {t.name for t in _TARGETS}
    # a few we know, to show the enumeration reaches functions, constructors and methods
    assert {
        "timetable.plan_catchup",
        "timetable.airflow.from_schedule",
        "timetable.serialization.from_dict",
        "timetable.TaskGraph",
        "timetable.TaskGraph.subset",
        "timetable.History.at",
        "timetable.CronTrigger.next_run_info",
        "timetable.CatchupPolicy.within",
    } <= names
    assert len(_TARGETS) > 150


@pytest.mark.parametrize(
    "target", [t for t in _TARGETS if t.owner is not None], ids=lambda t: t.name
)
def test_every_method_has_a_sample_instance(target: Target) -> None:
    assert instances_of(target.owner), (  # type: ignore[arg-type]
        f"no sample {target.owner.__name__} in tests/fuzz/_harness.py: add one to "  # type: ignore[union-attr]
        "_seed_values() or make a planner return one"
    )


@pytest.mark.parametrize("target", _TARGETS, ids=lambda t: t.name)
def test_only_timetable_errors_escape(target: Target) -> None:
    instances = instances_of(target.owner) if target.owner is not None else (None,)
    if not instances:
        pytest.skip("no sample instance (reported by test_every_method_has_a_sample_instance)")

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(instance=st.sampled_from(instances), arguments=hostile_args(target))
    def check(instance: Any, arguments: tuple[tuple[Any, ...], dict[str, Any]]) -> None:
        args, kwargs = arguments
        with contextlib.suppress(timetable.TimetableError):  # the only exception allowed
            call(target, instance, args, kwargs)

    check()
