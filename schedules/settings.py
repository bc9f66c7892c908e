"""The scheduler's settings: the app's ``ONTZORGEN_*`` settings plus the few only it reads."""

from __future__ import annotations

from pathlib import Path

from ontzorgen.config import Settings


class SchedulerSettings(Settings):
    """Read from the environment like every other command; each field is ``ONTZORGEN_<NAME>``."""

    #: The folder the bank's statements (camt.053, ``*.xml``) are delivered to. Unset: the drop
    #: folder job is not scheduled at all.
    drop_folder: Path | None = None
    #: How often a scheduler that does not lead tries again to take the lead.
    scheduler_retry_seconds: float = 10.0
    #: How often the leader checks that it still holds its lock (PostgreSQL connection alive).
    scheduler_check_seconds: float = 5.0
