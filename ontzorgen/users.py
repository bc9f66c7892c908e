"""Local accounts: users with a role, API tokens, password login with sessions, and throttling.

- Passwords and API tokens are stored as argon2 hashes only; the token is shown once, when issued.
- A token reads ``ontz_<id>_<secret>``: the id finds the row, argon2 checks the secret. A
  successful check is remembered in this process for ``TOKEN_CACHE_SECONDS`` (by SHA-256 of the
  token), because argon2 is slow on purpose and an API client sends its token with every request;
  revocation and expiry are read from the row on every request all the same.
- A session lives at most ``SESSION_HOURS_MAX`` and ends after ``SESSION_IDLE_MINUTES_MAX`` idle.
- After ``FAILED_LOGINS_PER_NAME_MAX`` failed logins for a name, or
  ``FAILED_LOGINS_PER_ADDRESS_MAX`` from one address, within ``THROTTLE_WINDOW``, logins are
  refused until the window has passed, even with the right password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ontzorgen.access import Principal, Role, check_scope
from ontzorgen.access_repository import TokenRecord
from ontzorgen.errors import OntzorgenError
from ontzorgen.unit_of_work import UnitOfWork

TOKEN_PREFIX = "ontz"  # noqa: S105  (a marker, not a secret)
TOKEN_CACHE_SECONDS = 300
TOKEN_CACHE_SIZE_MAX = 10_000
SESSION_HOURS_MAX = 8
SESSION_IDLE_MINUTES_MAX = 30
#: A session's last-seen time is written at most this often, not on every request.
SESSION_TOUCH_SECONDS = 60
THROTTLE_WINDOW = timedelta(minutes=15)
FAILED_LOGINS_PER_NAME_MAX = 5
FAILED_LOGINS_PER_ADDRESS_MAX = 20
PASSWORD_LENGTH_MIN = 12
NAME_LENGTH_MAX = 64

_hasher = PasswordHasher()  # argon2id, RFC 9106's second recommended profile (64 MiB, t=3)
# Verified against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def use_hasher(hasher: PasswordHasher) -> None:
    """Hash new secrets with other argon2 parameters (the test suite uses cheap ones). Stored
    hashes carry their own parameters, so existing secrets keep working."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash(secrets.token_urlsafe(16))


class UserExists(OntzorgenError):
    """A user with this name already exists."""

    def __init__(self, name: str) -> None:
        super().__init__(f"A user named {name!r} already exists. Choose another name.")
        self.name = name


class UnknownUser(OntzorgenError):
    """No user has this name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"No user is named {name!r}.")
        self.name = name


class PasswordTooShort(OntzorgenError):
    """A password shorter than the minimum was offered."""

    def __init__(self) -> None:
        super().__init__(f"A password needs at least {PASSWORD_LENGTH_MIN} characters.")


class InvalidUserName(OntzorgenError):
    """A user name that is empty, too long or has other characters than letters, digits . _ -."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"User name {name!r} is not valid: use 1 to {NAME_LENGTH_MAX} letters, digits, "
            "dots, dashes or underscores."
        )
        self.name = name


class LoginFailed(OntzorgenError):
    """The name or the password is wrong (which one is not told)."""

    def __init__(self) -> None:
        super().__init__("The name or the password is wrong.")


class LoginThrottled(OntzorgenError):
    """Too many failed logins for this name or from this address; wait and try again."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"Too many failed logins. Try again in {max(1, retry_after_seconds // 60)} minute(s)."
        )
        self.retry_after_seconds = retry_after_seconds


class NotAuthenticated(OntzorgenError):
    """The token or session is missing, unknown, expired, revoked, or its user is disabled."""

    def __init__(self, why: str) -> None:
        super().__init__(why)


@dataclass(frozen=True, slots=True)
class Session:
    secret: str  # goes in the cookie; only its SHA-256 is stored
    csrf_token: str
    principal: Principal
    expires_at: datetime


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _valid_name(name: str) -> bool:
    return (
        0 < len(name) <= NAME_LENGTH_MAX
        and all(character.isalnum() or character in "._-" for character in name)
        and name.isascii()
    )


def add_user(
    uow: UnitOfWork,
    name: str,
    role: Role,
    *,
    municipality_id: int | None = None,
    kredietbank_id: int | None = None,
    household_id: int | None = None,
    password: str | None = None,
    oidc_subject: str | None = None,
) -> Principal:
    """Create a local account; its scope must fit the role and exist."""
    if not _valid_name(name):
        raise InvalidUserName(name)
    check_scope(role, municipality_id, kredietbank_id, household_id)
    if password is not None and len(password) < PASSWORD_LENGTH_MIN:
        raise PasswordTooShort()
    with uow:
        if uow.access.user_by_name(name) is not None:
            raise UserExists(name)
        # The scope must exist: the lookups raise the domain's own Unknown... errors.
        if municipality_id is not None:
            uow.repository.get_municipality(municipality_id)
        if kredietbank_id is not None:
            uow.repository.get_kredietbank(kredietbank_id)
        if household_id is not None:
            uow.repository.get_household(household_id)
        user_id = uow.access.add_user(
            name,
            role,
            municipality_id=municipality_id,
            kredietbank_id=kredietbank_id,
            household_id=household_id,
            password_hash=None if password is None else _hasher.hash(password),
            oidc_subject=oidc_subject,
        )
        uow.commit()
    return Principal(user_id, name, role, municipality_id, kredietbank_id, household_id)


def set_password(uow: UnitOfWork, name: str, password: str) -> None:
    if len(password) < PASSWORD_LENGTH_MIN:
        raise PasswordTooShort()
    with uow:
        user = uow.access.user_by_name(name)
        if user is None:
            raise UnknownUser(name)
        uow.access.set_password_hash(user.principal.user_id, _hasher.hash(password))
        uow.commit()


def issue_token(uow: UnitOfWork, name: str, *, expires_at: datetime | None = None) -> str:
    """A new bearer token for the user; returned once, stored only as its argon2 hash."""
    secret = secrets.token_urlsafe(32)
    with uow:
        user = uow.access.user_by_name(name)
        if user is None:
            raise UnknownUser(name)
        token_id = uow.access.add_token(user.principal.user_id, _hasher.hash(secret), expires_at)
        uow.commit()
    return f"{TOKEN_PREFIX}_{token_id}_{secret}"


def revoke_token(uow: UnitOfWork, token: str) -> None:
    token_id = _token_id(token)
    if token_id is None:
        raise NotAuthenticated("This is not an ontzorgen API token.")
    with uow:
        uow.access.revoke_token(token_id)
        uow.commit()


def _token_id(token: str) -> int | None:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1].isdigit():
        return None
    return int(parts[1])


class _VerifiedTokens:
    """Tokens whose argon2 check passed recently in this process, by SHA-256 of the token."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}

    def knows(self, digest: str) -> bool:
        with self._lock:
            until = self._until.get(digest)
            return until is not None and until > time.monotonic()

    def remember(self, digest: str) -> None:
        with self._lock:
            if len(self._until) >= TOKEN_CACHE_SIZE_MAX:
                now = time.monotonic()
                self._until = {key: until for key, until in self._until.items() if until > now}
                if len(self._until) >= TOKEN_CACHE_SIZE_MAX:
                    self._until.clear()
            self._until[digest] = time.monotonic() + TOKEN_CACHE_SECONDS


_verified_tokens = _VerifiedTokens()


def token_id_of(token: str) -> int:
    """The id part of ``ontz_<id>_<secret>``; a token of another shape is refused."""
    token_id = _token_id(token)
    if token_id is None:
        raise NotAuthenticated("The bearer token is not an ontzorgen API token.")
    return token_id


def verify_token(record: TokenRecord | None, token: str, *, now: datetime) -> Principal:
    """Who the token (as read from the database, just now) belongs to, if it is valid: not
    revoked, not expired, its user not disabled, and its secret the one hashed (argon2, or a
    match with a check that passed in this process less than ``TOKEN_CACHE_SECONDS`` ago)."""
    if record is None or record.revoked:
        raise NotAuthenticated("The bearer token is unknown or revoked.")
    if record.expires_at is not None and record.expires_at <= now:
        raise NotAuthenticated("The bearer token has expired. Ask for a new one.")
    if record.user.disabled:
        raise NotAuthenticated("This account is disabled.")
    secret = token.split("_", 2)[2]
    digest = _sha256(f"{record.token_id}:{record.secret_hash}:{secret}")
    if not _verified_tokens.knows(digest):
        try:
            _hasher.verify(record.secret_hash, secret)
        except (VerificationError, InvalidHashError):
            raise NotAuthenticated("The bearer token is unknown or revoked.") from None
        _verified_tokens.remember(digest)
    return record.user.principal


def login(
    uow: UnitOfWork, name: str, password: str, *, remote_address: str, now: datetime
) -> Session:
    """Check the password and open a session; throttled per name and per address."""
    with uow:
        since = now - THROTTLE_WINDOW
        by_name, by_address = uow.access.failed_logins_since(
            since, name=name[:NAME_LENGTH_MAX], remote_address=remote_address
        )
        if by_name >= FAILED_LOGINS_PER_NAME_MAX or by_address >= FAILED_LOGINS_PER_ADDRESS_MAX:
            raise LoginThrottled(int(THROTTLE_WINDOW.total_seconds()))
        user = uow.access.user_by_name(name) if _valid_name(name) else None
        password_hash = user.password_hash if user is not None else None
        try:
            _hasher.verify(password_hash or _DUMMY_HASH, password)
            succeeded = user is not None and password_hash is not None and not user.disabled
        except (VerificationError, InvalidHashError):
            succeeded = False
        uow.access.add_login_attempt(name[:NAME_LENGTH_MAX], remote_address, succeeded)
        if not succeeded or user is None:
            uow.commit()
            raise LoginFailed()
        session = Session(
            secret=secrets.token_urlsafe(32),
            csrf_token=secrets.token_urlsafe(32),
            principal=user.principal,
            expires_at=now + timedelta(hours=SESSION_HOURS_MAX),
        )
        uow.access.add_session(
            _sha256(session.secret), user.principal.user_id, session.csrf_token, session.expires_at
        )
        uow.commit()
    return session


def authenticate_session(uow: UnitOfWork, secret: str, *, now: datetime) -> Session:
    digest = _sha256(secret)
    with uow:
        record = uow.access.session(digest)
        if record is None or record.ended:
            raise NotAuthenticated("You are not logged in.")
        idle_until = record.last_seen_at + timedelta(minutes=SESSION_IDLE_MINUTES_MAX)
        if record.expires_at <= now or idle_until <= now:
            raise NotAuthenticated("Your session has expired. Log in again.")
        if record.user.disabled:
            raise NotAuthenticated("This account is disabled.")
        if (now - record.last_seen_at).total_seconds() >= SESSION_TOUCH_SECONDS:
            uow.access.touch_session(digest)
            uow.commit()
    return Session(secret, record.csrf_token, record.user.principal, record.expires_at)


def logout(uow: UnitOfWork, secret: str) -> None:
    with uow:
        uow.access.end_session(_sha256(secret))
        uow.commit()


def csrf_matches(session: Session, offered: str | None) -> bool:
    return offered is not None and hmac.compare_digest(session.csrf_token, offered)


def principal_for_subject(uow: UnitOfWork, subject: str) -> Principal:
    """The local user an OpenID Connect ``sub`` claim belongs to: roles are kept here, not there."""
    with uow:
        user = uow.access.user_by_oidc_subject(subject)
    if user is None or user.disabled:
        raise NotAuthenticated("This OpenID Connect account has no ontzorgen user.")
    return user.principal
