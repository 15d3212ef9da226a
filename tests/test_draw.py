"""Pictures: timetable.draw returns well-formed SVG that shows exactly what was computed."""

from __future__ import annotations

import importlib.util
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from timetable import TimeRestriction, draw, iter_run_infos, plan_catchup
from timetable.airflow import from_schedule
from timetable.cli import main

ROOT = Path(__file__).resolve().parents[1]
NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == NS + "svg"
    assert float(root.get("width", 0)) > 0
    assert float(root.get("height", 0)) > 0
    return root


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def titles(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(NS + "title")]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_timeline_draws_one_interval_dot_and_flag_per_run() -> None:
    tt = from_schedule("@daily", create_cron_data_intervals=True)
    infos = list(iter_run_infos(tt, start=utc(2024, 1, 1), end=utc(2024, 1, 5), now=utc(2024, 2, 1)))
    root = parse(draw.timeline(infos, now=utc(2024, 1, 7)))
    assert len(by_class(root, "interval")) == len(infos) == 5
    assert len(by_class(root, "logical-date")) == 5
    assert len(by_class(root, "run-after")) == 5
    assert len(by_class(root, "now")) == 1
    assert any("data interval 2024-01-03 00:00Z → 2024-01-04 00:00Z" in t for t in titles(root))


def test_timeline_labels_rows_in_the_zone() -> None:
    tt = from_schedule("0 9 * * 1-5", timezone="Europe/Berlin")
    infos = list(iter_run_infos(tt, start=utc(2024, 3, 28), end=utc(2024, 4, 2), now=utc(2024, 5, 1)))
    svg = draw.timeline(infos, zone="Europe/Berlin")
    assert "2024-03-29 09:00+01:00" in svg
    assert "2024-04-01 09:00+02:00" in svg


def test_plan_chart_has_a_cell_per_entry_with_its_reason() -> None:
    tt = from_schedule("@daily", create_cron_data_intervals=True)
    plan = plan_catchup(tt, runs=[], now=utc(2016, 1, 2, 6),
                        restriction=TimeRestriction(earliest=utc(2015, 12, 1), latest=None,
                                                    catchup=True))
    root = parse(draw.plan_chart(plan))
    cells = by_class(root, "cell")
    assert len(cells) == len(plan) == 32
    assert all(c.get("class") == "cell create" for c in cells)
    assert "2015-12-01 00:00Z: create (due)" in titles(root)[1]


def test_plan_chart_shows_policy_ranges() -> None:
    from timetable import CatchupPolicy

    tt = from_schedule("@daily", create_cron_data_intervals=True)
    plan = plan_catchup(tt, runs=[], now=utc(2016, 1, 2, 6), policy=CatchupPolicy.latest(3),
                        restriction=TimeRestriction(earliest=utc(2015, 12, 1), latest=None,
                                                    catchup=True))
    root = parse(draw.plan_chart(plan))
    assert len(by_class(root, "create")) == 3
    left_out = by_class(root, "left-out")
    assert len(left_out) == 1
    assert "29 interval(s)" in (left_out[0].find(NS + "title").text or "")


@pytest.mark.parametrize(("around", "kind", "run_label"), [
    (utc(2024, 3, 31, 1), "gap", "03:30"),
    (utc(2024, 10, 27, 1), "fold", "02:30"),
])
def test_dst_chart_shades_the_transition_and_marks_the_run(
    around: datetime, kind: str, run_label: str
) -> None:
    tt = from_schedule("30 2 * * *", timezone="Europe/Berlin")
    root = parse(draw.dst_chart(tt, around=around))
    assert len(by_class(root, kind)) == 1
    assert by_class(root, "gap" if kind == "fold" else "fold") == []
    runs = by_class(root, "dst-run")
    assert len(runs) == 1
    assert run_label in "".join(runs[0].itertext())


def test_month_grid_has_every_day() -> None:
    days = {date(2024, 2, d): "business" for d in range(1, 30)}
    days[date(2024, 2, 14)] = "holiday"
    root = parse(draw.month_grid(2024, 2, days, notes={date(2024, 2, 14): "a holiday"}))
    cells = by_class(root, "day")
    assert len(cells) == 29
    assert "2024-02-14: holiday (a holiday)" in titles(root)


def test_bar_chart_and_flow() -> None:
    root = parse(draw.bar_chart([("a", 2.0), ("b", 300.0)], title="ratios"))
    assert len(by_class(root, "bar")) == 2
    assert "b: 300×" in titles(root)
    root = parse(draw.flow([("one", "first"), ("two", "second")], title="steps"))
    assert len(by_class(root, "step")) == 2


def test_task_grid_outlines_changes() -> None:
    root = parse(draw.task_grid(["a", "b"], ["r1"], {("r1", "a"): "failed"},
                                changed=[("r1", "a")]))
    assert len(by_class(root, "ti")) == 2
    assert len(by_class(root, "changed")) == 1


def test_pictures_are_deterministic() -> None:
    tt = from_schedule("30 2 * * *", timezone="Europe/Berlin")
    assert draw.dst_chart(tt, around=utc(2024, 3, 31)) == draw.dst_chart(tt, around=utc(2024, 3, 31))


def test_escaping() -> None:
    root = parse(draw.flow([("<a & b>", "x < y")], title="<t>"))
    assert "<a & b>: x < y" in titles(root)


# -- the CLI draws the same pictures -----------------------------------------------------------


@pytest.mark.parametrize("command", ["runs", "next", "catchup", "backfill", "clear"])
def test_cli_svg(command: str, tmp_path: Path) -> None:
    path = tmp_path / "out.svg"
    out = io.StringIO()
    assert main([command, "--example", "--svg", str(path)], out=out) == 0
    parse(path.read_text(encoding="utf-8"))
    assert out.getvalue()  # the table is still printed


# -- the documentation's pictures --------------------------------------------------------------


def _pictures_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("pictures", ROOT / "docs/_ext/pictures.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAGES = ["docs/index.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs/concepts").glob("*.md"))]


@pytest.mark.parametrize("page", PAGES)
def test_every_concept_page_and_the_home_page_has_a_picture(page: str) -> None:
    pictures = _pictures_module()
    text = (ROOT / page).read_text(encoding="utf-8")
    names = pictures.MARKER.findall(text)
    assert names, f"{page} has no <!-- picture: NAME --> marker"
    for name in names:
        figure = pictures.render(name)
        svg = re.search(r"<svg.*</svg>", figure, re.S)
        assert svg is not None
        parse(svg.group(0))


def test_every_picture_renders() -> None:
    pictures = _pictures_module()
    for name in pictures.PICTURES:
        svg, caption = pictures.PICTURES[name]()
        parse(svg)
        assert caption
    with pytest.raises(KeyError):
        pictures.render("no-such-picture")


def test_spans_draw_one_bar_per_row() -> None:
    rows = [("a", utc(2024, 1, 1), utc(2024, 1, 2), "history", "first"),
            ("b", utc(2024, 1, 3), utc(2024, 1, 3), "new run", "a point")]
    root = parse(draw.spans(rows, now=utc(2024, 1, 4)))
    assert len(by_class(root, "span")) == 2
    assert len(by_class(root, "new-run")) == 1
    assert "a point" in titles(root)


def test_pages_that_use_airflow_names_link_the_glossary(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    pictures = _pictures_module()
    (tmp_path / "docs/reference").mkdir(parents=True)
    monkeypatch.setattr(pictures, "ROOT", tmp_path)
    page = "# Catchup\n\nAirflow's catchup."
    assert pictures.glossary_note(page, "concepts/catchup.md") == page  # no glossary yet
    (tmp_path / "docs/reference/glossary.md").write_text("# Glossary\n")
    noted = pictures.glossary_note(page, "concepts/catchup.md")
    assert "[glossary](../reference/glossary.md)" in noted
    assert pictures.glossary_note("# Home\n\nno names", "index.md") == "# Home\n\nno names"
    assert "(reference/glossary.md)" in pictures.glossary_note(page, "index.md")
