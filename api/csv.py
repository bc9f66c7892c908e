"""CSV as a second representation of a report or log: chosen with ``Accept: text/csv``.

The file is UTF-8 with a header row, amounts as ``"650.00"``, and is sent as an attachment. It is
streamed in blocks of rows, so an export of a whole year holds a block in memory, not the year.
A text cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) gets a leading
apostrophe: names come from people and files, and a CSV is opened in Excel (CSV injection).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence

from fastapi import Request
from fastapi.responses import StreamingResponse

CSV_MEDIA_TYPE = "text/csv"
ROWS_PER_BLOCK = 1_000
_NUMBER = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?$")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SAFE_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]")

#: For ``responses=`` on a route: the OpenAPI description of the CSV alternative.
CSV_RESPONSE = {
    200: {
        "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
        "description": "JSON, or CSV (UTF-8, header row) when the request has Accept: text/csv.",
    }
}


def _quality(media_range: str) -> tuple[str, float]:
    media_type, *parameters = (part.strip() for part in media_range.split(";"))
    quality = 1.0
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
    return media_type.lower(), quality


def wants_csv(request: Request) -> bool:
    """Does the client prefer CSV over JSON? Only when it names ``text/csv`` and ranks it at
    least as high as JSON; anything else (no Accept, ``*/*``) gets JSON."""
    ranked = dict(
        _quality(part) for part in request.headers.get("accept", "").split(",") if part.strip()
    )
    csv_quality = ranked.get(CSV_MEDIA_TYPE, 0.0)
    json_quality = max(ranked.get("application/json", 0.0), ranked.get("application/*", 0.0))
    return csv_quality > 0.0 and csv_quality >= json_quality


def cell(value: object) -> str:
    """One cell's text: empty for None, and never a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_STARTS) and not _NUMBER.match(text):
        return "'" + text
    return text


def _blocks(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([cell(value) for value in row])
        if count % ROWS_PER_BLOCK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def csv_response(
    file_name: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingResponse:
    """A CSV attachment streamed from ``rows`` (an iterator is read lazily, block by block)."""
    safe_name = _SAFE_FILE_NAME.sub("-", file_name)
    return StreamingResponse(
        _blocks(header, rows),
        media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe_name}"'},
    )
