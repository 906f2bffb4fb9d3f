"""Pure domain rules: WHEN phrases, the host-link window, padding conflicts, generic host names.

No I/O and no clock reads here: every rule takes `now` (and the timezone) as a parameter, and the
modules use the standard library only, because the CLI imports them on its start-up path.
"""
