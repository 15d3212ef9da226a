"""The subcommands of ``timetable``, one module per family; each exports ``COMMANDS``.

[`timetable.cli.registry.commands`][timetable.cli.registry.commands] imports every module of
this package that does not start with an underscore and collects its ``COMMANDS``.
"""
