"""``python -m timetable``: the command line."""

from timetable.cli import main

raise SystemExit(main())
