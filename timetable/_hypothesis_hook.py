"""Hypothesis entry point: registers our types with ``st.from_type`` when Hypothesis loads."""

from __future__ import annotations

import sys


def _hypothesis_setup_hook() -> None:
    """Called by Hypothesis at import time (``[project.entry-points.hypothesis]``)."""
    mod = sys.modules.get("timetable.strategies")
    if mod is not None and not hasattr(mod, "register_types"):
        return  # timetable.strategies is importing Hypothesis right now; it registers itself
    from timetable import strategies

    strategies.register_types()
