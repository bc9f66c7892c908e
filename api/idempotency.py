"""``Idempotency-Key`` on every POST that moves money or creates a run.

The first response to a key is stored with a SHA-256 of the request (method, path, body); a replay
of the same request returns that response again, marked ``Idempotent-Replayed: true``, and changes
nothing; the same key with another request is refused (422, as the IETF Idempotency-Key draft
says). Keys belong to the user who sent them. A refusal by the domain is not stored, so the client
may correct and retry with the same key. The use cases behind these routes are idempotent
themselves (a run is prepared once per municipality and date, a month is allocated once), so two
requests racing with one key still move money once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from api.dependencies import UowFactoryDep
from api.security import CurrentPrincipal
from ontzorgen.access import Principal
from ontzorgen.access_repository import StoredResponse
from ontzorgen.unit_of_work import UnitOfWork

REPLAYED_HEADER = "Idempotent-Replayed"


class Idempotency:
    def __init__(
        self,
        make_uow: Callable[[], UnitOfWork],
        principal: Principal,
        key: str,
        method: str,
        path: str,
        request_sha256: str,
    ) -> None:
        self._make_uow = make_uow
        self._principal = principal
        self.key = key
        self._method = method
        self._path = path
        self._request_sha256 = request_sha256

    def respond(
        self, produce: Callable[[], BaseModel | Response], *, status_code: int = 200
    ) -> Response:
        """The stored response for a replay; otherwise ``produce()``'s, stored for next time."""
        with self._make_uow() as uow:
            stored = uow.access.stored_response(self._principal.user_id, self.key)
        if stored is not None:
            return self._replay(stored)
        produced = produce()
        response = (
            produced
            if isinstance(produced, Response)
            else JSONResponse(jsonable_encoder(produced, by_alias=True), status_code=status_code)
        )
        media_type = response.headers.get("content-type", "application/json")
        try:
            with self._make_uow() as uow:
                uow.access.store_response(
                    self._principal.user_id,
                    self.key,
                    StoredResponse(
                        self._method,
                        self._path,
                        self._request_sha256,
                        response.status_code,
                        media_type,
                        bytes(response.body),
                    ),
                )
                uow.commit()
        except IntegrityError:
            # Another request with this key finished first; its response is the one kept.
            with self._make_uow() as uow:
                stored = uow.access.stored_response(self._principal.user_id, self.key)
            if stored is not None:
                return self._replay(stored)
        return response

    def _replay(self, stored: StoredResponse) -> Response:
        if (stored.method, stored.path, stored.request_sha256) != (
            self._method,
            self._path,
            self._request_sha256,
        ):
            raise HTTPException(
                422,
                f"Idempotency-Key {self.key!r} was already used for another request. "
                "Use a new key for a new request.",
            )
        return Response(
            stored.body,
            status_code=stored.status_code,
            headers={"content-type": stored.media_type, REPLAYED_HEADER: "true"},
        )


async def idempotency(
    request: Request,
    make_uow: UowFactoryDep,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            min_length=8,
            max_length=128,
            pattern=r"^[A-Za-z0-9._:-]+$",
            description="A unique key per intended operation (a UUID); a retry sends the same key.",
        ),
    ],
) -> Idempotency:
    body = await request.body()
    digest = hashlib.sha256(
        request.method.encode() + b"\n" + request.url.path.encode() + b"\n" + body
    ).hexdigest()
    return Idempotency(
        make_uow, principal, idempotency_key, request.method, request.url.path, digest
    )


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
