"""``ontzorgen users add|token|password``: local accounts for the embedded default.

``users add`` prints the new account's bearer token once (only its argon2 hash is stored); with
``--password`` it also asks for a password for the pages (or reads ``ONTZORGEN_NEW_PASSWORD``).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from ledger.database import make_engine
from ontzorgen import users
from ontzorgen.access import Role
from ontzorgen.config import load_settings
from ontzorgen.errors import OntzorgenError
from ontzorgen.unit_of_work import UnitOfWork


def _uow() -> UnitOfWork:
    return UnitOfWork(make_engine(load_settings().database_url))


def _municipality_id(code_or_id: str) -> int:
    with _uow() as uow:
        found = uow.repository.municipality_id_by_code(code_or_id)
    if found is not None:
        return int(found)
    if code_or_id.isdigit():
        return int(code_or_id)
    raise OntzorgenError(f"No municipality has code {code_or_id!r}.")


def _password(arguments: argparse.Namespace) -> str | None:
    if not arguments.password:
        return None
    from_environment = os.environ.get("ONTZORGEN_NEW_PASSWORD")
    if from_environment:
        return from_environment
    first = getpass.getpass("Password (12 characters or more): ")
    if getpass.getpass("Once more: ") != first:
        raise OntzorgenError("The two passwords differ; nothing was created.")
    return first


def _add(arguments: argparse.Namespace) -> int:
    try:
        principal = users.add_user(
            _uow(),
            arguments.name,
            Role(arguments.role),
            municipality_id=(
                None if arguments.municipality is None else _municipality_id(arguments.municipality)
            ),
            kredietbank_id=arguments.kredietbank,
            household_id=arguments.household,
            password=_password(arguments),
        )
        token = users.issue_token(_uow(), principal.name)
    except OntzorgenError as error:
        print(f"No user was added: {error}", file=sys.stderr)
        return 1
    print(f"user {principal.name} ({principal.role}) added with id {principal.user_id}")
    print("API token (shown once; send it as 'Authorization: Bearer <token>'):")
    print(token)
    return 0


def _token(arguments: argparse.Namespace) -> int:
    try:
        token = users.issue_token(_uow(), arguments.name)
    except OntzorgenError as error:
        print(f"No token was issued: {error}", file=sys.stderr)
        return 1
    print(token)
    return 0


def _set_password(arguments: argparse.Namespace) -> int:
    arguments.password = True
    try:
        password = _password(arguments)
        assert password is not None
        users.set_password(_uow(), arguments.name, password)
    except OntzorgenError as error:
        print(f"The password was not changed: {error}", file=sys.stderr)
        return 1
    print(f"password of {arguments.name} changed")
    return 0


def add_user_commands(commands: Any) -> None:
    group = commands.add_parser("users", help="local user accounts").add_subparsers(
        dest="users_command", required=True
    )
    add = group.add_parser(
        "add", help="add a user with a role and its scope; prints a bearer token for the API"
    )
    add.add_argument("name", help="login name: letters, digits, dots, dashes, underscores")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    scope = add.add_mutually_exclusive_group(required=True)
    scope.add_argument("--municipality", help="code or id (income-officer, auditor)")
    scope.add_argument("--kredietbank", type=int, help="id (coach)")
    scope.add_argument("--household", type=int, help="id (newcomer)")
    add.add_argument(
        "--password", action="store_true", help="also set a password to log in to the pages"
    )
    add.set_defaults(handler=_add)

    token = group.add_parser("token", help="issue another bearer token for a user")
    token.add_argument("name")
    token.set_defaults(handler=_token)

    password = group.add_parser("password", help="set a user's password for the pages")
    password.add_argument("name")
    password.set_defaults(handler=_set_password)
