"""Every way the ontzorgen domain refuses work, one class each, carrying the ids involved.

``api/errors.py`` maps these to HTTP statuses; routes never raise HTTP errors for domain reasons.
"""

from __future__ import annotations


class OntzorgenError(Exception):
    """Base class: the domain refused an operation and nothing was written."""
