"""Every error response is ``application/problem+json`` (RFC 9457), as the NL API rules require.

Invalid input is 400 (not FastAPI's 422) and lists every error at once.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

_TITLES = {
    400: "Invalid request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)


async def _invalid_request(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    page_error = getattr(request.app.state, "page_error", None)
    if page_error is not None and not request.url.path.startswith("/v1/"):
        page_response: Response = page_error(request, 400, "")
        return page_response
    errors = [
        {
            "name": ".".join(str(part) for part in item["loc"]),
            "code": item["type"],
            "reason": item["msg"],
        }
        for item in error.errors()
    ]
    return problem(400, f"The request has {len(errors)} invalid field(s).", invalidParams=errors)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    page_error = getattr(request.app.state, "page_error", None)
    if page_error is not None and not request.url.path.startswith("/v1/"):
        # People, not programs, asked: an HTML page (or the way to the login page).
        page_response: Response = page_error(request, error.status_code, str(error.detail))
        return page_response
    response = problem(error.status_code, str(error.detail))
    if error.headers:
        response.headers.update(error.headers)
    return response


async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=error)
    return problem(500, "Something went wrong on our side. The error has been logged.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
