"""Who may do what, for whom: roles, the permissions each role holds, and the reach of each user.

The whole rulebook is data (``PERMISSIONS``) plus one function (``reaches``), so a policy officer
can read it and a test can walk it. Two questions decide every request:

1. does the user's role hold the permission? (an auditor holds no permission that changes anything;
   a newcomer holds only reading their own household);
2. does the user reach the thing asked for? An income officer and an auditor reach their own
   municipality and everything in it; a coach reaches the households of their own kredietbank's
   caseload, and the municipalities that kredietbank serves; a newcomer reaches only their own
   household. The creditor register is shared by the region and reached by every staff role.

Pure: no database, no HTTP.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from ontzorgen.errors import OntzorgenError


class Role(enum.StrEnum):
    INCOME_OFFICER = "income-officer"
    COACH = "coach"
    NEWCOMER = "newcomer"
    AUDITOR = "auditor"


class Permission(enum.StrEnum):
    READ_MUNICIPALITY = "read-municipality"
    CHANGE_POLICY = "change-policy"
    READ_KREDIETBANK = "read-kredietbank"
    READ_CREDITORS = "read-creditors"
    REGISTER_CREDITOR = "register-creditor"
    READ_HOUSEHOLDS = "read-households"  # the list of a municipality's households
    REGISTER_HOUSEHOLD = "register-household"
    READ_HOUSEHOLD = "read-household"  # one household: plan, ledger, statements, phase
    CHANGE_ARRANGEMENT = "change-arrangement"
    CHANGE_OBLIGATIONS = "change-obligations"
    RECORD_INCOME = "record-income"
    ALLOCATE = "allocate"
    RECORD_MILESTONE = "record-milestone"
    DECIDE_PHASE = "decide-phase"
    READ_SIGNALS = "read-signals"
    HANDLE_SIGNAL = "handle-signal"
    READ_RUNS = "read-runs"
    PREPARE_RUN = "prepare-run"
    APPROVE_RUN = "approve-run"
    EXECUTE_RUN = "execute-run"
    READ_STATEMENT_IMPORTS = "read-statement-imports"
    IMPORT_STATEMENT = "import-statement"
    MATCH_BY_HAND = "match-by-hand"
    READ_REPORTS = "read-reports"
    READ_AUDIT_LOG = "read-audit-log"


_P = Permission

#: The rulebook: which roles hold each permission. Reach (``reaches``) narrows it to their own.
PERMISSIONS: dict[Permission, frozenset[Role]] = {
    _P.READ_MUNICIPALITY: frozenset({Role.INCOME_OFFICER, Role.COACH, Role.AUDITOR}),
    _P.CHANGE_POLICY: frozenset({Role.INCOME_OFFICER}),
    _P.READ_KREDIETBANK: frozenset({Role.INCOME_OFFICER, Role.COACH, Role.AUDITOR}),
    _P.READ_CREDITORS: frozenset({Role.INCOME_OFFICER, Role.COACH, Role.AUDITOR}),
    _P.REGISTER_CREDITOR: frozenset({Role.INCOME_OFFICER}),
    _P.READ_HOUSEHOLDS: frozenset({Role.INCOME_OFFICER, Role.COACH, Role.AUDITOR}),
    _P.REGISTER_HOUSEHOLD: frozenset({Role.INCOME_OFFICER}),
    _P.READ_HOUSEHOLD: frozenset(Role),
    _P.CHANGE_ARRANGEMENT: frozenset({Role.INCOME_OFFICER}),
    # The budget plan is the coach's work; the income department records it from the decision.
    _P.CHANGE_OBLIGATIONS: frozenset({Role.INCOME_OFFICER, Role.COACH}),
    _P.RECORD_INCOME: frozenset({Role.INCOME_OFFICER}),
    _P.ALLOCATE: frozenset({Role.INCOME_OFFICER}),
    _P.RECORD_MILESTONE: frozenset({Role.COACH}),
    _P.DECIDE_PHASE: frozenset({Role.COACH}),
    _P.READ_SIGNALS: frozenset({Role.INCOME_OFFICER, Role.COACH, Role.AUDITOR}),
    _P.HANDLE_SIGNAL: frozenset({Role.INCOME_OFFICER, Role.COACH}),
    _P.READ_RUNS: frozenset({Role.INCOME_OFFICER, Role.AUDITOR}),
    _P.PREPARE_RUN: frozenset({Role.INCOME_OFFICER}),
    _P.APPROVE_RUN: frozenset({Role.INCOME_OFFICER}),
    _P.EXECUTE_RUN: frozenset({Role.INCOME_OFFICER}),
    _P.READ_STATEMENT_IMPORTS: frozenset({Role.INCOME_OFFICER, Role.AUDITOR}),
    _P.IMPORT_STATEMENT: frozenset({Role.INCOME_OFFICER}),
    _P.MATCH_BY_HAND: frozenset({Role.INCOME_OFFICER}),
    _P.READ_REPORTS: frozenset({Role.INCOME_OFFICER, Role.AUDITOR}),
    _P.READ_AUDIT_LOG: frozenset({Role.AUDITOR}),
}


class UserScopeInvalid(OntzorgenError):
    """A user was given the wrong kind of scope for their role."""

    def __init__(self, role: Role, needs: str) -> None:
        super().__init__(f"A user with role {role} needs {needs}, and nothing else.")
        self.role = role


@dataclass(frozen=True, slots=True)
class Principal:
    """The user behind a request, with the one scope their role has."""

    user_id: int
    name: str
    role: Role
    municipality_id: int | None = None
    kredietbank_id: int | None = None
    household_id: int | None = None

    def __post_init__(self) -> None:
        check_scope(self.role, self.municipality_id, self.kredietbank_id, self.household_id)


def check_scope(
    role: Role, municipality_id: int | None, kredietbank_id: int | None, household_id: int | None
) -> None:
    """Refuse a scope that does not fit the role: each role has exactly one kind of scope."""
    given = (municipality_id is not None, kredietbank_id is not None, household_id is not None)
    needs = {
        Role.INCOME_OFFICER: ((True, False, False), "a municipality"),
        Role.AUDITOR: ((True, False, False), "a municipality"),
        Role.COACH: ((False, True, False), "a kredietbank"),
        Role.NEWCOMER: ((False, False, True), "a household"),
    }[role]
    if given != needs[0]:
        raise UserScopeInvalid(role, needs[1])


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a thing belongs: its municipalities, the kredietbanken involved, its household."""

    municipality_ids: frozenset[int] = field(default_factory=frozenset)
    kredietbank_ids: frozenset[int] = field(default_factory=frozenset)
    household_id: int | None = None
    #: Shared by the whole region (the creditor register): every staff role reaches it.
    regional: bool = False

    @classmethod
    def of_household(
        cls, household_id: int, municipality_id: int, kredietbank_id: int | None
    ) -> Scope:
        kredietbanken = frozenset() if kredietbank_id is None else frozenset({kredietbank_id})
        return cls(frozenset({municipality_id}), kredietbanken, household_id)

    @classmethod
    def of_municipality(cls, municipality_id: int, served_by: frozenset[int]) -> Scope:
        return cls(frozenset({municipality_id}), served_by)

    @classmethod
    def of_kredietbank(cls, kredietbank_id: int, serves: frozenset[int]) -> Scope:
        return cls(serves, frozenset({kredietbank_id}))


REGION = Scope(regional=True)


def reaches(principal: Principal, scope: Scope) -> bool:
    """Does the user's own scope cover this thing?"""
    if principal.role is Role.NEWCOMER:
        return scope.household_id is not None and scope.household_id == principal.household_id
    if scope.regional:
        return True
    if principal.role is Role.COACH:
        # A household's kredietbank is the one whose caseload it is in (not every kredietbank of
        # its city); a municipality's are those that serve it.
        return principal.kredietbank_id in scope.kredietbank_ids
    return principal.municipality_id in scope.municipality_ids


def allowed(principal: Principal, permission: Permission, scope: Scope) -> bool:
    return principal.role in PERMISSIONS[permission] and reaches(principal, scope)
