"""``python -m timetable``: the command line."""

from timetable._cli import main

raise SystemExit(main())
