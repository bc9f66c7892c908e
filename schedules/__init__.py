"""The time edge: decides *when* work happens and calls ``ontzorgen`` services for *what*.

The scheduler itself (APScheduler 3.11, one process, persistent job store) arrives with the payment
runs; until then this package holds no jobs.
"""
