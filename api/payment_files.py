"""A payment run's pain.001.001.09 file as a download, byte for byte as stored: the same answer
for the API (``GET /v1/payment-runs/{id}/files/{message_id}``) and the municipality's page."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import HTTPException, Response

from ontzorgen.unit_of_work import UnitOfWork
from ontzorgen.views import runs as run_views

PAIN_MEDIA_TYPE = "application/xml"
#: A pain.001 MsgId is at most 35 characters; these are the ones ``ontzorgen.sepa`` writes.
MESSAGE_ID_PATTERN = r"^[A-Za-z0-9._-]{1,35}$"


def payment_file_response(
    make_uow: Callable[[], UnitOfWork], run_id: int, message_id: str
) -> Response:
    """The stored file as an attachment; 404 when the run has no file with this message id."""
    with make_uow() as work:
        content = run_views.payment_file_content(work.connection, run_id, message_id)
    if content is None:
        raise HTTPException(404, f"Payment run {run_id} has no file {message_id!r}.")
    return Response(
        content,
        media_type=PAIN_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{message_id}.xml"'},
    )
