"""The municipality's OpenID Connect provider plugged in: its tokens prove who someone is, the
local account (found by ``sub``) says what they may do. The provider's keys are served over real
HTTP from this test, as a provider publishes them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from ontzorgen import services, users
from ontzorgen.access import Role
from ontzorgen.config import Settings
from ontzorgen.policy import Policy
from ontzorgen.unit_of_work import UnitOfWork

ISSUER = "https://login.rotterdam.example/realms/gemeente"
NOW = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [{**public, "kid": "key-1", "use": "sig", "alg": "RS256"}]})

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *_args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/certs"
    server.shutdown()


def token(
    subject: str, *, key: Any = KEY, audience: str = "ontzorgen", expires_in: int = 300
) -> str:
    claims = {
        "iss": ISSUER,
        "aud": audience,
        "sub": subject,
        "iat": datetime.now(UTC),
        "exp": datetime.now(UTC) + timedelta(seconds=expires_in),
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "key-1"})


@pytest.fixture
def client(engine: Engine, jwks_url: str) -> TestClient:
    municipality_id = services.create_municipality(
        UnitOfWork(engine), "0599", "Rotterdam", Policy()
    )
    users.add_user(
        UnitOfWork(engine),
        "w.devries",
        Role.INCOME_OFFICER,
        municipality_id=municipality_id,
        oidc_subject="f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
    )
    settings = Settings(oidc_issuer=ISSUER, oidc_audience="ontzorgen", oidc_jwks_url=jwks_url)
    return TestClient(create_app(engine, clock=lambda: NOW, settings=settings))


def me(client: TestClient, bearer: str) -> int:
    status: int = client.get("/v1/me", headers={"Authorization": f"Bearer {bearer}"}).status_code
    return status


def test_a_valid_provider_token_acts_as_the_local_user_of_its_subject(client: TestClient) -> None:
    response = client.get(
        "/v1/me",
        headers={"Authorization": f"Bearer {token('f81d4fae-7dec-11d0-a765-00a0c91e6bf6')}"},
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["role"]) == ("w.devries", "income-officer")


@pytest.mark.parametrize(
    "bearer",
    [
        pytest.param(lambda: token("someone-without-an-account"), id="unknown subject"),
        pytest.param(
            lambda: token("f81d4fae-7dec-11d0-a765-00a0c91e6bf6", key=OTHER_KEY), id="forged"
        ),
        pytest.param(
            lambda: token("f81d4fae-7dec-11d0-a765-00a0c91e6bf6", audience="elsewhere"),
            id="other audience",
        ),
        pytest.param(
            lambda: token("f81d4fae-7dec-11d0-a765-00a0c91e6bf6", expires_in=-60), id="expired"
        ),
        pytest.param(lambda: "not.a.jwt", id="garbage"),
    ],
)
def test_a_token_the_provider_did_not_sign_for_us_is_a_401(client: TestClient, bearer: Any) -> None:
    assert me(client, bearer()) == 401
