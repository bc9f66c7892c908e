"""Generic double-entry bookkeeping in whole cents. Knows nothing of ontzorgen.

The public surface: ``Money``, the records in ``ledger.model``, the errors in ``ledger.errors``,
``LedgerStore`` for reading and writing inside a caller's transaction, and ``check_ledger`` for the
whole-store invariant check.
"""
