"""Zones: lookup, names, aware checks, wall clock <-> instant, and the gap/fold policies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from timetable import errors
from timetable._tz import (
    check_aware,
    format_offset,
    get_zone,
    resolve_wall,
    to_wall,
    zone_name,
)

BERLIN = ZoneInfo("Europe/Berlin")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")


@pytest.mark.parametrize("name", ["UTC", "utc", "Etc/UTC", "Z"])
def test_utc_aliases(name: str) -> None:
    """Every spelling of UTC is the one UTC object."""
    assert get_zone(name) is UTC


@pytest.mark.parametrize(
    ("name", "offset"),
    [
        ("+05:30", timedelta(hours=5, minutes=30)),
        ("-03:00", timedelta(hours=-3)),
        ("+00:00", timedelta(0)),
        ("+23:59", timedelta(hours=23, minutes=59)),
    ],
)
def test_fixed_offsets(name: str, offset: timedelta) -> None:
    """``+HH:MM`` is a fixed zone (what Airflow stores for fixed-offset zones)."""
    tz = get_zone(name)
    assert tz.utcoffset(None) == offset
    assert zone_name(tz) == (name if offset else "UTC")  # timezone.utc is UTC


@pytest.mark.parametrize(
    "name",
    [
        "Mars/Olympus",
        "",
        "+24:00",
        "+05:60",
        "../etc/passwd",
        "/etc/localtime",
        "Europe/../UTC",
        "\x00",
        "europe/berlin?",
        "+5:30",
    ],
)
def test_unknown_zones(name: str) -> None:
    """Unknown names fail with UnknownTimezoneError naming the argument and value."""
    with pytest.raises(errors.UnknownTimezoneError) as info:
        get_zone(name)
    assert info.value.code == "unknown-timezone"
    assert str(info.value).startswith(f"timezone={name!r}")
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", [None, 5, b"UTC", ZoneInfo("UTC")])
def test_zone_name_must_be_a_string(value: object) -> None:
    """A non-string is a WrongTypeError (also a TypeError)."""
    with pytest.raises(errors.WrongTypeError) as info:
        get_zone(value)  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError)


@pytest.mark.parametrize("name", ["Europe/Berlin", "America/Sao_Paulo", "Pacific/Chatham"])
def test_iana_names_round_trip(name: str) -> None:
    """zone_name(get_zone(name)) == name."""
    assert zone_name(get_zone(name)) == name


def test_zone_name_of_utc_and_fixed() -> None:
    """UTC is "UTC"; a datetime.timezone is its offset."""
    assert zone_name(UTC) == "UTC"
    assert zone_name(timezone(timedelta(hours=-2, minutes=-30))) == "-02:30"
    assert format_offset(timedelta(hours=12, minutes=45)) == "+12:45"
    assert format_offset(timedelta(0)) == "+00:00"


def test_check_aware() -> None:
    """Aware passes through; naive, wrong types and overflowing instants fail, named."""
    aware = datetime(2024, 1, 1, tzinfo=UTC)
    assert check_aware(aware, "now") is aware
    with pytest.raises(errors.NaiveDatetimeError, match=r"^now=datetime\.datetime\(2024, 1, 1"):
        check_aware(datetime(2024, 1, 1), "now")
    with pytest.raises(errors.WrongTypeError, match=r"^now='2024-01-01'"):
        check_aware("2024-01-01", "now")
    with pytest.raises(errors.InvalidArgumentError, match=r"^start="):
        check_aware(datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))), "start")


def test_to_wall_drops_zone_and_fold() -> None:
    """The naive wall reading; both occurrences of a repeated time read the same."""
    first = datetime(2024, 10, 27, 0, 30, tzinfo=UTC)  # 02:30+02:00
    second = datetime(2024, 10, 27, 1, 30, tzinfo=UTC)  # 02:30+01:00
    assert to_wall(first, BERLIN) == to_wall(second, BERLIN) == datetime(2024, 10, 27, 2, 30)
    assert to_wall(second, BERLIN).fold == 0
    assert to_wall(second, BERLIN).tzinfo is None


def _z(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


@pytest.mark.parametrize(
    ("wall", "tz", "gap", "fold", "want"),
    [
        # ordinary wall time: one instant under every policy
        (datetime(2024, 6, 1, 12), BERLIN, "skip", "both", ["2024-06-01T12:00+02:00"]),
        # Berlin spring gap 02:00 -> 03:00
        (datetime(2024, 3, 31, 2, 30), BERLIN, "shift", "second", ["2024-03-31T03:30+02:00"]),
        (datetime(2024, 3, 31, 2, 30), BERLIN, "clamp", "second", ["2024-03-31T03:00+02:00"]),
        (datetime(2024, 3, 31, 2, 30), BERLIN, "skip", "second", []),
        # Berlin autumn fold 02:00-03:00 twice
        (datetime(2024, 10, 27, 2, 30), BERLIN, "shift", "second", ["2024-10-27T02:30+01:00"]),
        (datetime(2024, 10, 27, 2, 30), BERLIN, "shift", "first", ["2024-10-27T02:30+02:00"]),
        (
            datetime(2024, 10, 27, 2, 30),
            BERLIN,
            "shift",
            "both",
            ["2024-10-27T02:30+02:00", "2024-10-27T02:30+01:00"],
        ),
        # Lord Howe 30-minute gap 02:00 -> 02:30 and fold 01:30-02:00
        (datetime(2024, 10, 6, 2, 15), LORD_HOWE, "shift", "second", ["2024-10-06T02:45+11:00"]),
        (datetime(2024, 10, 6, 2, 15), LORD_HOWE, "clamp", "second", ["2024-10-06T02:30+11:00"]),
        (
            datetime(2024, 4, 7, 1, 45),
            LORD_HOWE,
            "shift",
            "both",
            ["2024-04-07T01:45+11:00", "2024-04-07T01:45+10:30"],
        ),
        # fixed zones never have gaps or folds
        (
            datetime(2024, 3, 31, 2, 30),
            timezone(timedelta(hours=1)),
            "skip",
            "both",
            ["2024-03-31T02:30+01:00"],
        ),
    ],
)
def test_resolve_wall(wall: datetime, tz: object, gap: str, fold: str, want: list[str]) -> None:
    """resolve_wall applies the named gap/fold policy; instants come back in UTC."""
    got = resolve_wall(wall, tz, gap=gap, fold=fold)  # type: ignore[arg-type]
    assert list(got) == [_z(w) for w in want]
    assert all(g.tzinfo is UTC for g in got)
