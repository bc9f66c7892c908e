"""``python -m schedules``: the scheduler in the foreground, like ``ontzorgen scheduler``."""

from __future__ import annotations

import sys

from schedules.process import main

if __name__ == "__main__":
    sys.exit(main())
