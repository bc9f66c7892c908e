"""The time edge: decides *when* work happens; ``ontzorgen.routines`` decides *what*.

- ``jobs``: the job definitions (cron times in Europe/Amsterdam, grace, coalesce, one instance)
  and the module-level job functions the persistent job store refers to;
- ``leadership``: exactly one process schedules (a PostgreSQL advisory lock, or a lock file beside
  an SQLite database);
- ``process``: the scheduler process behind ``ontzorgen scheduler`` and ``python -m schedules``;
- ``settings``: the few settings only the scheduler reads (``ONTZORGEN_DROP_FOLDER``, ...).

Nothing here decides what to pay: a job reads the clock, then calls a routine with the date.
"""
