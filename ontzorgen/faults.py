"""Crash points for the exactly-once tests: a process can be told to kill itself at a named point.

``ONTZORGEN_CRASH_AT=<name>`` makes ``crash_point(<name>)`` send SIGKILL to its own process: no
cleanup, no rollback handler, exactly what a power cut or an OOM kill does. Unset (always, in
production), a crash point is a dictionary lookup and nothing more.
"""

from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("ONTZORGEN_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
