"""Authentication, sessions, throttling, and the audit log, through the HTTP edge."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from ontzorgen.access_tables import audit_log
from tests.api_world import ApiWorld, make_api_world


@pytest.fixture
def world(engine: Engine) -> ApiWorld:
    return make_api_world(engine)


def test_an_officer_reads_a_household_of_their_own_municipality_only(world: ApiWorld) -> None:
    own = world.client.get(
        f"/v1/households/{world.own.household_id}", headers=world.as_user("officer")
    )
    foreign = world.client.get(
        f"/v1/households/{world.foreign.household_id}", headers=world.as_user("officer")
    )
    assert own.status_code == 200
    assert own.json()["name"] == "Huishouden Haile"
    assert foreign.status_code == 403
    assert foreign.headers["content-type"] == "application/problem+json"


def test_a_newcomer_reads_their_own_household_and_no_other(world: ApiWorld) -> None:
    headers = world.as_user("newcomer")
    assert (
        world.client.get(f"/v1/households/{world.own.household_id}", headers=headers).status_code
        == 200
    )
    other = world.client.get(f"/v1/households/{world.foreign.household_id}", headers=headers)
    assert other.status_code == 403


def test_without_credentials_every_route_is_a_401_problem(world: ApiWorld) -> None:
    response = world.client.get(f"/v1/households/{world.own.household_id}")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "token",
    ["ontz_1_wrong", "ontz_999_x", "not-a-token", ""],
)
def test_a_wrong_token_is_a_401(world: ApiWorld, token: str) -> None:
    response = world.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_an_unknown_household_is_a_404_for_someone_who_may_read_households(
    world: ApiWorld,
) -> None:
    response = world.client.get("/v1/households/999999", headers=world.as_user("officer"))
    assert response.status_code == 404


def test_a_session_login_sets_a_cookie_and_changes_need_the_csrf_token(world: ApiWorld) -> None:
    client = world.client
    response = client.post(
        "/v1/sessions", json={"name": "officer", "password": "officer-wachtwoord"}
    )
    assert response.status_code == 201
    assert "ontzorgen_session" in response.cookies
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    csrf = response.json()["csrfToken"]
    assert client.get("/v1/me").json()["name"] == "officer"
    assert client.delete("/v1/sessions/current").status_code == 403  # no CSRF token
    assert client.delete("/v1/sessions/current", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.clear()
    assert client.get("/v1/me").status_code == 401


def test_logins_are_throttled_after_five_failures_even_with_the_right_password(
    world: ApiWorld,
) -> None:
    for _ in range(5):
        wrong = world.client.post("/v1/sessions", json={"name": "coach", "password": "raden?"})
        assert wrong.status_code == 401
    right = world.client.post(
        "/v1/sessions", json={"name": "coach", "password": "coach-wachtwoord"}
    )
    assert right.status_code == 429
    assert int(right.headers["Retry-After"]) > 0


def test_reads_changes_and_refusals_of_household_data_land_in_the_audit_log(
    world: ApiWorld,
) -> None:
    world.client.get(f"/v1/households/{world.own.household_id}", headers=world.as_user("coach"))
    world.client.get(
        f"/v1/households/{world.own.household_id}", headers=world.as_user("coach-utrecht")
    )
    with world.engine.connect() as connection:
        rows = connection.execute(
            select(
                audit_log.c.user_name,
                audit_log.c.action,
                audit_log.c.household_id,
                audit_log.c.status_code,
                audit_log.c.remote_address,
            )
            .where(audit_log.c.path == f"/v1/households/{world.own.household_id}")
            .order_by(audit_log.c.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("coach", "read", world.own.household_id, 200, "testclient"),
        ("coach-utrecht", "denied", world.own.household_id, 403, "testclient"),
    ]


def test_the_audit_log_refuses_updates_and_deletes(world: ApiWorld) -> None:
    world.client.get("/v1/me", headers=world.as_user("officer"))
    for statement in ("UPDATE audit_log SET user_name = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), world.engine.begin() as connection:
            connection.execute(text(statement))


def test_a_session_ends_after_thirty_idle_minutes_and_after_eight_hours(engine: Engine) -> None:
    from datetime import timedelta

    from fastapi.testclient import TestClient

    from api.app import create_app
    from ontzorgen.config import Settings
    from tests.api_world import NOW

    world = make_api_world(engine)
    clock = [NOW]
    client = TestClient(create_app(engine, clock=lambda: clock[0], settings=Settings()))

    def log_in() -> None:
        client.cookies.clear()
        response = client.post(
            "/v1/sessions", json={"name": "auditor", "password": "auditor-wachtwoord"}
        )
        assert response.status_code == 201

    log_in()
    clock[0] = NOW + timedelta(minutes=29)
    assert client.get("/v1/me").status_code == 200  # and this request counts as activity
    clock[0] = NOW + timedelta(minutes=58)
    assert client.get("/v1/me").status_code == 200
    clock[0] = NOW + timedelta(minutes=89)
    assert client.get("/v1/me").status_code == 401

    clock[0] = NOW + timedelta(hours=10)
    log_in()
    for minutes in range(25, 8 * 60, 25):
        clock[0] = NOW + timedelta(hours=10, minutes=minutes)
        assert client.get("/v1/me").status_code == 200
    clock[0] = NOW + timedelta(hours=18, minutes=1)
    assert client.get("/v1/me").status_code == 401
    assert world.own.household_id > 0


def test_a_revoked_or_expired_token_no_longer_opens_anything(world: ApiWorld) -> None:
    from datetime import timedelta

    from ontzorgen import users
    from tests.api_world import NOW

    headers = world.as_user("officer")
    assert world.client.get("/v1/me", headers=headers).status_code == 200
    users.revoke_token(world.uow(), headers["Authorization"].removeprefix("Bearer "))
    assert world.client.get("/v1/me", headers=headers).status_code == 401

    expired = users.issue_token(world.uow(), "coach", expires_at=NOW - timedelta(seconds=1))
    response = world.client.get("/v1/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_an_altered_token_secret_is_refused_even_after_the_real_one_was_verified(
    world: ApiWorld,
) -> None:
    token = world.own.tokens["newcomer"]
    assert (
        world.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = world.client.get("/v1/me", headers={"Authorization": f"Bearer {altered}"})
    assert response.status_code == 401
