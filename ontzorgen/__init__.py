"""The municipal domain of financial ontzorging, built on the generic ``ledger``."""
