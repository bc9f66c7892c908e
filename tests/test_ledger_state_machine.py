"""The ledger behaves like a plain-Python model of itself, step by step, on SQLite and PostgreSQL.

A hypothesis state machine opens accounts, posts entries and batches, reverses entries, replays
idempotency keys (with the same and with other content) and tries invalid posts, in random order
and on random booking dates. Beside the real ``LedgerStore`` it keeps a model in plain ints which
says, for every operation, what must come out: which entries are written (and which answers are
the ids of entries written before), or exactly which error, with which details, and nothing written.

What it proves, after every step of every run:
- every account's balance, posting count and last booking date equal the model's;
- the store holds exactly the model's entries and postings, and ``check_ledger`` passes;
- a refused operation changes nothing: entry count, posting count and every balance stay as they
  were (each refusal is checked with a snapshot before and after);
- a replayed key returns the first entry's id and writes nothing, and a known key with other
  content is refused with ``IdempotencyConflict``;
- a batch is all or nothing, and its first broken rule is the error the caller gets;
- balances at past dates, account histories and entries read back as the model has them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar

from hypothesis import HealthCheck, assume, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Connection, Engine, text

from ledger.check import check_ledger
from ledger.database import run_in_transaction
from ledger.errors import (
    AccountCodeTaken,
    AccountOverdrawn,
    AmountNotWholeCents,
    BookingDateBeforeLastPosting,
    EntryAlreadyReversed,
    IdempotencyConflict,
    LedgerError,
    PostingAmountNotPositive,
    ReversalNotReversible,
    TooFewPostings,
    UnbalancedEntry,
    UnknownAccount,
    UnknownEntry,
)
from ledger.model import AccountId, AccountKind, Direction, EntryId, NewEntry, Posting
from ledger.money import Money
from ledger.store import LedgerStore
from tests.databases import Backend

START = date(2026, 1, 1)
ACCOUNTS_MAX = 8
DEBIT_NORMAL_KINDS = frozenset({AccountKind.ASSET, AccountKind.EXPENSE})

MACHINE_SETTINGS = settings(
    max_examples=30,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- the model: the ledger's rules in plain ints ------------------------------------------------


def balance_change(kind: AccountKind, direction: Direction, cents: int) -> int:
    """Asset and expense accounts grow with debits; the other kinds grow with credits."""
    grows_with = Direction.DEBIT if kind in DEBIT_NORMAL_KINDS else Direction.CREDIT
    return cents if direction is grows_with else -cents


ModelPosting = tuple[AccountId, Direction, int]


@dataclass(frozen=True)
class ModelEntry:
    booked_on: date
    postings: tuple[ModelPosting, ...]
    description: str
    key: str | None
    reverses: EntryId | None = None

    @classmethod
    def of(cls, entry: NewEntry) -> ModelEntry:
        return cls(
            entry.booked_on,
            tuple((p.account_id, p.direction, p.amount.cents) for p in entry.postings),
            entry.description,
            entry.idempotency_key,
        )

    def as_new_entry(self, postings_order: Sequence[ModelPosting] | None = None) -> NewEntry:
        assert self.reverses is None, "a reversal is posted with LedgerStore.reverse"
        return NewEntry(
            self.booked_on,
            tuple(
                Posting(account_id, direction, Money(cents))
                for account_id, direction, cents in (postings_order or self.postings)
            ),
            self.description,
            self.key,
        )

    def content(self) -> tuple[object, ...]:
        """What a replayed key is compared on: everything but the key; posting order aside."""
        return (self.booked_on, self.description, sorted_postings(self.postings), self.reverses)


def sorted_postings(postings: Sequence[ModelPosting]) -> list[tuple[int, str, int]]:
    return sorted((account_id, direction.value, cents) for account_id, direction, cents in postings)


@dataclass(frozen=True)
class HistoryLine:
    entry_id: EntryId
    booked_on: date
    direction: Direction
    cents: int
    balance_after: int


@dataclass
class ModelAccount:
    code: str
    kind: AccountKind
    negative_forbidden: bool
    balance: int = 0
    last_booked_on: date | None = None
    history: list[HistoryLine] = field(default_factory=list)

    def balance_on(self, on: date) -> int:
        earlier = [line for line in self.history if line.booked_on <= on]
        return earlier[-1].balance_after if earlier else 0


@dataclass
class Expected:
    """An error the store must raise, with the attribute values it must carry."""

    error: type[LedgerError]
    attributes: dict[str, object]

    def matches(self, raised: LedgerError) -> bool:
        return type(raised) is self.error and all(
            getattr(raised, name) == value for name, value in self.attributes.items()
        )


def expect(error: type[LedgerError], **attributes: object) -> Expected:
    return Expected(error, attributes)


@dataclass(frozen=True)
class Refused:
    """The operation must fail with one of these errors (more than one only where order is free)."""

    any_of: tuple[Expected, ...]


@dataclass(frozen=True)
class Written:
    """The item is written as the ``slot``-th new entry of its batch (repeats share a slot)."""

    slot: int


@dataclass(frozen=True)
class Replayed:
    """The item's key is known with the same content: the store answers with the known entry."""

    entry_id: EntryId


@dataclass(frozen=True)
class Accepted:
    outcomes: tuple[Written | Replayed, ...]
    new_entries: tuple[ModelEntry, ...]


Prediction = Accepted | Refused


@dataclass
class _RunningAccount:
    balance: int
    last_booked_on: date | None
    failed: bool = False


class LedgerModel:
    """What the ledger must hold, and what it must answer to each operation."""

    def __init__(self) -> None:
        self.accounts: dict[AccountId, ModelAccount] = {}
        self.entries: dict[EntryId, ModelEntry] = {}
        self.keys: dict[str, EntryId] = {}
        self.reversed_by: dict[EntryId, EntryId] = {}

    @property
    def posting_count(self) -> int:
        return sum(len(entry.postings) for entry in self.entries.values())

    def reversal_of(self, entry_id: EntryId) -> ModelEntry:
        """The mirror image of an entry, as ``LedgerStore.reverse`` builds it by default."""
        original = self.entries[entry_id]
        return ModelEntry(
            booked_on=original.booked_on,
            postings=tuple((a, d.opposite(), cents) for a, d, cents in original.postings),
            description=f"Reversal of entry {entry_id}",
            key=None,
            reverses=entry_id,
        )

    def predict(
        self, items: Sequence[ModelEntry], *, any_account_order: bool = False
    ) -> Prediction:
        """The outcome of posting ``items`` as one all-or-nothing batch.

        The rules in the order the ledger applies them: every account exists; every known key comes
        with its known content; a reversal targets a plain entry not reversed yet; and, posting by
        posting in order, no booking date goes back and no protected account goes below zero.
        ``any_account_order``: the store may apply the postings of different accounts in any order
        (a reversal), so any account's first broken rule is an acceptable error.
        """
        unknown = sorted({p[0] for item in items for p in item.postings} - set(self.accounts))
        if unknown:
            return Refused(tuple(expect(UnknownAccount, account_id=a) for a in unknown))

        outcomes: list[Written | Replayed] = []
        to_write: list[ModelEntry] = []
        slot_of_key: dict[str, int] = {}
        for item in items:
            if item.key is not None and item.key in self.keys:
                known_id = self.keys[item.key]
                if self.entries[known_id].content() != item.content():
                    return Refused((expect(IdempotencyConflict, entry_id=known_id),))
                outcomes.append(Replayed(known_id))
            elif item.key is not None and item.key in slot_of_key:
                slot = slot_of_key[item.key]
                if to_write[slot].content() != item.content():
                    return Refused((expect(IdempotencyConflict, entry_id=None),))
                outcomes.append(Written(slot))
            else:
                if item.key is not None:
                    slot_of_key[item.key] = len(to_write)
                outcomes.append(Written(len(to_write)))
                to_write.append(item)

        for item in to_write:
            if item.reverses is None:
                continue
            if self.entries[item.reverses].reverses is not None:
                return Refused((expect(ReversalNotReversible, entry_id=item.reverses),))
            if item.reverses in self.reversed_by:
                already = self.reversed_by[item.reverses]
                return Refused(
                    (
                        expect(
                            EntryAlreadyReversed,
                            entry_id=item.reverses,
                            reversal_entry_id=already,
                        ),
                    )
                )

        failures = self._posting_failures(to_write)
        if failures:
            return Refused(tuple(failures) if any_account_order else (failures[0],))
        return Accepted(tuple(outcomes), tuple(to_write))

    def _posting_failures(self, to_write: Sequence[ModelEntry]) -> list[Expected]:
        """Each account's first broken rule, in the order of the postings that break them."""
        running = {
            account_id: _RunningAccount(account.balance, account.last_booked_on)
            for account_id, account in self.accounts.items()
        }
        failures: list[Expected] = []
        for item in to_write:
            for account_id, direction, cents in item.postings:
                state = running[account_id]
                if state.failed:
                    continue
                kind = self.accounts[account_id].kind
                new_balance = state.balance + balance_change(kind, direction, cents)
                if state.last_booked_on is not None and item.booked_on < state.last_booked_on:
                    state.failed = True
                    failures.append(
                        expect(
                            BookingDateBeforeLastPosting,
                            account_id=account_id,
                            booked_on=item.booked_on,
                            last_booked_on=state.last_booked_on,
                        )
                    )
                elif self.accounts[account_id].negative_forbidden and new_balance < 0:
                    state.failed = True
                    failures.append(
                        expect(
                            AccountOverdrawn,
                            account_id=account_id,
                            balance_cents=state.balance,
                            posting_cents=cents,
                        )
                    )
                else:
                    state.balance, state.last_booked_on = new_balance, item.booked_on
        return failures

    def commit(self, accepted: Accepted, returned_ids: Sequence[EntryId]) -> None:
        """Check the ids the store returned against the prediction, then record the new entries."""
        assert len(returned_ids) == len(accepted.outcomes)
        new_ids: dict[int, EntryId] = {}
        for outcome, entry_id in zip(accepted.outcomes, returned_ids, strict=True):
            if isinstance(outcome, Replayed):
                assert entry_id == outcome.entry_id, "a replayed key must answer the first entry"
            elif outcome.slot in new_ids:
                assert entry_id == new_ids[outcome.slot], "a repeated key must share its entry"
            else:
                assert entry_id not in self.entries, f"entry id {entry_id} handed out twice"
                assert entry_id not in new_ids.values(), f"entry id {entry_id} handed out twice"
                new_ids[outcome.slot] = entry_id
        for slot, entry in enumerate(accepted.new_entries):
            self._record(new_ids[slot], entry)

    def _record(self, entry_id: EntryId, entry: ModelEntry) -> None:
        self.entries[entry_id] = entry
        if entry.key is not None:
            self.keys[entry.key] = entry_id
        if entry.reverses is not None:
            self.reversed_by[entry.reverses] = entry_id
        for account_id, direction, cents in entry.postings:
            account = self.accounts[account_id]
            account.balance += balance_change(account.kind, direction, cents)
            account.last_booked_on = entry.booked_on
            account.history.append(
                HistoryLine(entry_id, entry.booked_on, direction, cents, account.balance)
            )


# -- reading the store --------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    entry_count: int
    posting_count: int
    accounts: tuple[tuple[int, int, int, date | None], ...]  # id, balance, postings, last date


def read_snapshot(connection: Connection) -> Snapshot:
    counts = connection.execute(
        text("SELECT (SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM ledger_postings)")
    ).one()
    rows = connection.execute(
        text(
            "SELECT id, balance_cents, posting_count, last_booked_on FROM ledger_accounts "
            "ORDER BY id"
        )
    ).all()
    return Snapshot(
        counts[0],
        counts[1],
        tuple((row[0], row[1], row[2], as_date(row[3])) for row in rows),
    )


def as_date(value: Any) -> date | None:
    """SQLite hands a date back as text when read with a plain SQL query."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def model_snapshot(model: LedgerModel) -> Snapshot:
    return Snapshot(
        len(model.entries),
        model.posting_count,
        tuple(
            (account_id, account.balance, len(account.history), account.last_booked_on)
            for account_id, account in sorted(model.accounts.items())
        ),
    )


# -- strategies ----------------------------------------------------------------------------------

AMOUNTS = st.integers(1, 10_000)
# Texts that are hard to carry through COPY text format and array literals: tabs, newlines,
# backslashes, quotes, braces, commas and the word NULL. (PostgreSQL text cannot hold NUL.)
AWKWARD_TEXTS = st.sampled_from(("NULL", "\\N", '"', "\\", "{a,b}", " ", "\t", "\r\n", "\\."))
TEXTS = AWKWARD_TEXTS | st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12
)
DESCRIPTIONS = st.just("") | TEXTS
KEYS = TEXTS.filter(bool)
DAYS_BACK = st.sampled_from((0,) * 10 + (1, 7, 40))


@st.composite
def balanced_postings(
    draw: st.DrawFn, accounts: Mapping[AccountId, ModelAccount]
) -> tuple[Posting, ...]:
    """Two to six postings that balance by construction: random legs, then one that evens them.

    A leg on a protected account mostly goes to the side that grows it, and the evening leg to an
    account it cannot overdraw, where there is one: most entries pass, and those that overdraw do
    so by a leg or two, the way a real mistake does.
    """
    account_ids = sorted(accounts)
    legs: list[Posting] = []
    for _ in range(draw(st.integers(1, 5), label="legs")):
        account = draw(st.sampled_from(account_ids), label="account")
        side = draw(likely_sides(accounts[account]), label="side")
        legs.append(Posting(account, side, Money(draw(AMOUNTS, label="cents"))))
    net = sum(signed_cents(leg) for leg in legs)
    if net != 0:
        side = Direction.CREDIT if net > 0 else Direction.DEBIT
        safe = [a for a in account_ids if safe_side(accounts[a]) in (None, side)] or account_ids
        evening_leg = Posting(draw(st.sampled_from(safe), label="account"), side, Money(abs(net)))
        legs.insert(draw(st.integers(0, len(legs)), label="position"), evening_leg)
    return tuple(legs)


def safe_side(account: ModelAccount) -> Direction | None:
    """The side on which a leg can never overdraw the account; None when both sides are safe."""
    if not account.negative_forbidden:
        return None
    return Direction.DEBIT if account.kind in DEBIT_NORMAL_KINDS else Direction.CREDIT


def likely_sides(account: ModelAccount) -> st.SearchStrategy[Direction]:
    grows = safe_side(account)
    if grows is None:
        return st.sampled_from(Direction)
    return st.sampled_from((grows, grows, grows, grows.opposite()))


def signed_cents(posting: Posting) -> int:
    cents = posting.amount.cents
    return cents if posting.direction is Direction.DEBIT else -cents


# -- the machine ---------------------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    """Drives a real ledger and the model side by side; subclasses name the database to use."""

    backend: ClassVar[Backend]

    def __init__(self) -> None:
        super().__init__()
        self.engine: Engine = self.backend.fresh()
        self.model = LedgerModel()
        self.today = START
        self.serial = 0

    # -- helpers ---------------------------------------------------------------------------------

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def snapshot(self) -> Snapshot:
        with self.engine.connect() as connection:
            return read_snapshot(connection)

    def account_ids(self) -> list[AccountId]:
        return sorted(self.model.accounts)

    def draw_booking_date(self, data: st.DataObject) -> date:
        return self.today - timedelta(days=data.draw(DAYS_BACK, label="days back"))

    def draw_key(self, data: st.DataObject) -> str | None:
        """No key, or a key not used so far (a known key is tried by the replay rules)."""
        if not data.draw(st.booleans(), label="with an idempotency key"):
            return None
        key = data.draw(KEYS, label="key")
        return key if key not in self.model.keys else f"{key}-{self.next_serial()}"

    def draw_new_entry(self, data: st.DataObject) -> NewEntry:
        return NewEntry(
            booked_on=self.draw_booking_date(data),
            postings=data.draw(balanced_postings(self.model.accounts), label="postings"),
            description=data.draw(DESCRIPTIONS, label="description"),
            idempotency_key=self.draw_key(data),
        )

    def run_and_compare(
        self, operation: str, work: Callable[[LedgerStore], list[EntryId]], prediction: Prediction
    ) -> list[EntryId] | None:
        """Run ``work`` in a transaction and hold its outcome against the model's prediction.

        A refusal must be the predicted error and leave the store exactly as it was; a success
        must hand out the predicted ids, and the model then records what was written.
        """
        before = self.snapshot()
        try:
            returned = run_in_transaction(self.engine, lambda c: work(LedgerStore(c)))
        except LedgerError as raised:
            assert isinstance(prediction, Refused), (
                f"the store refused with {raised!r}, the model expected {prediction}"
            )
            assert any(expected.matches(raised) for expected in prediction.any_of), (
                f"the store refused with {raised!r}, the model expected one of {prediction.any_of}"
            )
            assert self.snapshot() == before, "a refused operation changed the store"
            event(f"{operation}: refused with {type(raised).__name__}")
            return None
        assert isinstance(prediction, Accepted), (
            f"the store accepted what the model refuses with {prediction.any_of}"
        )
        self.model.commit(prediction, returned)
        event(f"{operation}: {len(prediction.new_entries)} of {len(returned)} written")
        return returned

    def assert_refused_without_change(
        self, error: type[LedgerError], attempt: Callable[[], object]
    ) -> LedgerError:
        before = self.snapshot()
        try:
            attempt()
        except error as raised:
            assert self.snapshot() == before, "a refused operation changed the store"
            return raised
        raise AssertionError(f"expected {error.__name__}, nothing was raised")

    # -- accounts --------------------------------------------------------------------------------

    @initialize(more=st.lists(st.tuples(st.sampled_from(AccountKind), st.booleans()), max_size=3))
    def open_a_bank_account_and_a_few_more(self, more: list[tuple[AccountKind, bool]]) -> None:
        """Every run starts with accounts, so that no run is spent on an empty ledger."""
        self.open_an_account(AccountKind.ASSET, negative_forbidden=False)
        for kind, negative_forbidden in more:
            self.open_an_account(kind, negative_forbidden)

    @precondition(lambda self: len(self.model.accounts) < ACCOUNTS_MAX)
    @rule(kind=st.sampled_from(AccountKind), negative_forbidden=st.booleans())
    def open_an_account(self, kind: AccountKind, negative_forbidden: bool) -> None:
        code = f"account-{self.next_serial()}"
        account_id = run_in_transaction(
            self.engine,
            lambda c: LedgerStore(c).open_account(
                code, code.title(), kind, negative_forbidden=negative_forbidden
            ),
        )
        assert account_id not in self.model.accounts
        self.model.accounts[account_id] = ModelAccount(code, kind, negative_forbidden)

    @precondition(lambda self: bool(self.model.accounts))
    @rule(data=st.data())
    def opening_an_account_with_a_taken_code_is_refused(self, data: st.DataObject) -> None:
        account_id = data.draw(st.sampled_from(self.account_ids()), label="account")
        taken = self.model.accounts[account_id].code
        self.assert_refused_without_change(
            AccountCodeTaken,
            lambda: run_in_transaction(
                self.engine,
                lambda c: LedgerStore(c).open_account(
                    taken, "Again", AccountKind.ASSET, negative_forbidden=False
                ),
            ),
        )

    # -- posting ---------------------------------------------------------------------------------

    @precondition(lambda self: bool(self.model.accounts))
    @rule(data=st.data())
    def post_an_entry(self, data: st.DataObject) -> None:
        entry = self.draw_new_entry(data)
        prediction = self.model.predict([ModelEntry.of(entry)])
        self.run_and_compare("post", lambda store: [store.post(entry)], prediction)

    @precondition(
        lambda self: (
            any(a.negative_forbidden for a in self.model.accounts.values())
            and not all(a.negative_forbidden for a in self.model.accounts.values())
        )
    )
    @rule(data=st.data())
    def move_money_into_or_out_of_a_protected_account(self, data: st.DataObject) -> None:
        """Fund a protected account from a free one, or take out about all it holds.

        Random entries rarely hit a protected balance exactly; this rule goes for the edge: taking
        out the whole balance is fine, one cent more is an overdraft.
        """
        accounts = self.model.accounts
        protected = data.draw(
            st.sampled_from([a for a in self.account_ids() if accounts[a].negative_forbidden]),
            label="protected account",
        )
        free = data.draw(
            st.sampled_from([a for a in self.account_ids() if not accounts[a].negative_forbidden]),
            label="free account",
        )
        funding = data.draw(st.booleans(), label="funding")
        balance = accounts[protected].balance
        if funding:
            cents = data.draw(AMOUNTS, label="cents")
        else:
            cents = max(1, balance + data.draw(st.sampled_from((-1, 0, 0, 1)), label="offset"))
        into_protected = balance_change(accounts[protected].kind, Direction.DEBIT, cents) > 0
        protected_side = Direction.DEBIT if into_protected == funding else Direction.CREDIT
        legs = [
            Posting(protected, protected_side, Money(cents)),
            Posting(free, protected_side.opposite(), Money(cents)),
        ]
        entry = NewEntry(
            self.today,
            tuple(data.draw(st.permutations(legs), label="posting order")),
            "funding" if funding else "withdrawal",
            self.draw_key(data),
        )
        prediction = self.model.predict([ModelEntry.of(entry)])
        self.run_and_compare(
            "move money of a protected account",
            lambda store: [store.post(entry)],
            prediction,
        )

    @precondition(lambda self: bool(self.model.accounts))
    @rule(data=st.data())
    def post_a_batch(self, data: st.DataObject) -> None:
        """One to five entries in one transaction: new ones, replays of known keys, repeats of a
        key from earlier in the batch, and now and then a key reused with other content."""
        batch: list[NewEntry] = []
        for _ in range(data.draw(st.integers(1, 5), label="batch size")):
            known_plain_keys = [
                key for key, entry_id in self.model.keys.items() if not self.is_reversal(entry_id)
            ]
            keyed_in_batch = {e.idempotency_key: e for e in batch if e.idempotency_key is not None}
            choice = data.draw(
                st.sampled_from(("new", "new", "new", "replay", "repeat", "conflict")),
                label="item",
            )
            if choice == "replay" and known_plain_keys:
                key = data.draw(st.sampled_from(known_plain_keys), label="replayed key")
                batch.append(self.same_content(data, self.model.entries[self.model.keys[key]]))
            elif choice == "repeat" and keyed_in_batch:
                key = data.draw(st.sampled_from(sorted(keyed_in_batch)), label="repeated key")
                batch.append(self.same_content(data, ModelEntry.of(keyed_in_batch[key])))
            elif choice == "conflict" and (keyed_in_batch or self.model.keys):
                keys = sorted(set(keyed_in_batch) | set(self.model.keys))
                key = data.draw(st.sampled_from(keys), label="reused key")
                if key in keyed_in_batch:
                    first = ModelEntry.of(keyed_in_batch[key])
                else:
                    first = self.model.entries[self.model.keys[key]]
                batch.append(self.with_other_content(data, first))
            else:
                batch.append(self.draw_new_entry(data))
        prediction = self.model.predict([ModelEntry.of(entry) for entry in batch])
        self.run_and_compare("batch", lambda store: store.post_batch(batch), prediction)

    def is_reversal(self, entry_id: EntryId) -> bool:
        return self.model.entries[entry_id].reverses is not None

    def same_content(self, data: st.DataObject, entry: ModelEntry) -> NewEntry:
        """The entry again, postings shuffled: posting order is no part of an entry's content."""
        shuffled = data.draw(st.permutations(entry.postings), label="posting order")
        return entry.as_new_entry(shuffled)

    # -- reversing -------------------------------------------------------------------------------

    @precondition(lambda self: bool(self.model.entries))
    @rule(data=st.data())
    def reverse_an_entry(self, data: st.DataObject) -> None:
        """Any entry, so reversals and entries reversed before are tried too."""
        entry_id = data.draw(st.sampled_from(sorted(self.model.entries)), label="entry")
        booked_on = self.draw_booking_date(data)
        description = data.draw(st.none() | DESCRIPTIONS, label="description")
        key = self.draw_key(data)
        default = self.model.reversal_of(entry_id)
        reversal = ModelEntry(
            booked_on,
            default.postings,
            default.description if description is None else description,
            key,
            entry_id,
        )
        prediction = self.model.predict([reversal], any_account_order=True)
        self.run_and_compare(
            "reverse",
            lambda store: [
                store.reverse(entry_id, booked_on, description=description, idempotency_key=key)
            ],
            prediction,
        )

    # -- replaying keys --------------------------------------------------------------------------

    @precondition(lambda self: bool(self.model.keys))
    @rule(data=st.data())
    def replay_a_key_with_the_same_content(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.model.keys)), label="key")
        first_id = self.model.keys[key]
        first = self.model.entries[first_id]
        before = self.snapshot()
        if first.reverses is not None:
            original = first.reverses

            def replay(store: LedgerStore) -> list[EntryId]:
                return [
                    store.reverse(
                        original,
                        first.booked_on,
                        description=first.description,
                        idempotency_key=key,
                    )
                ]

            prediction = self.model.predict([first], any_account_order=True)
        else:
            entry = self.same_content(data, first)

            def replay(store: LedgerStore) -> list[EntryId]:
                return [store.post(entry)]

            prediction = self.model.predict([ModelEntry.of(entry)])
        assert prediction == Accepted((Replayed(first_id),), ())
        assert self.run_and_compare("replay", replay, prediction) == [first_id]
        assert self.snapshot() == before, "a replay changed the store"

    @precondition(lambda self: bool(self.model.keys))
    @rule(data=st.data())
    def replay_a_key_with_other_content(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.model.keys)), label="key")
        first_id = self.model.keys[key]
        other = self.with_other_content(data, self.model.entries[first_id])
        prediction = self.model.predict([ModelEntry.of(other)])
        assert prediction == Refused((expect(IdempotencyConflict, entry_id=first_id),))
        self.run_and_compare(
            "replay with other content", lambda store: [store.post(other)], prediction
        )

    def with_other_content(self, data: st.DataObject, first: ModelEntry) -> NewEntry:
        """The entry under the same key with one thing changed, so that a content check which
        overlooks that one thing lets it through. A reversal's key on a plain entry is other
        content even unchanged: a plain entry reverses nothing."""
        change = data.draw(
            st.sampled_from(("description", "date", "amounts", "postings")), label="change"
        )
        postings = tuple(Posting(a, d, Money(cents)) for a, d, cents in first.postings)
        booked_on, description = first.booked_on, first.description
        if change == "description":
            description += "?"
        elif change == "date":
            booked_on += timedelta(days=data.draw(st.sampled_from((-1, 1)), label="shift"))
        elif change == "amounts":
            postings = tuple(
                Posting(p.account_id, p.direction, p.amount + p.amount) for p in postings
            )
        else:
            postings = data.draw(balanced_postings(self.model.accounts), label="postings")
        other = NewEntry(booked_on, postings, description, first.key)
        assume(ModelEntry.of(other).content() != first.content())
        return other

    # -- invalid posts ---------------------------------------------------------------------------

    @precondition(lambda self: bool(self.model.accounts))
    @rule(data=st.data(), extra_cents=AMOUNTS)
    def an_unbalanced_entry_cannot_be_built(self, data: st.DataObject, extra_cents: int) -> None:
        postings = list(data.draw(balanced_postings(self.model.accounts), label="postings"))
        first = postings[0]
        postings[0] = Posting(
            first.account_id, first.direction, Money(first.amount.cents + extra_cents)
        )
        debits = sum(p.amount.cents for p in postings if p.direction is Direction.DEBIT)
        credits = sum(p.amount.cents for p in postings if p.direction is Direction.CREDIT)
        raised = self.assert_refused_without_change(
            UnbalancedEntry, lambda: NewEntry(self.today, tuple(postings))
        )
        assert isinstance(raised, UnbalancedEntry)
        assert (raised.debit_cents, raised.credit_cents) == (debits, credits)

    @precondition(lambda self: bool(self.model.accounts))
    @rule(data=st.data(), amount=st.floats(allow_nan=False, allow_infinity=False))
    def a_float_amount_is_refused(self, data: st.DataObject, amount: float) -> None:
        account_id = data.draw(st.sampled_from(self.account_ids()), label="account")
        direction = data.draw(st.sampled_from(Direction), label="direction")
        float_amount: Any = amount  # what a careless caller passes; the types would not allow it
        self.assert_refused_without_change(AmountNotWholeCents, lambda: Money(float_amount))
        self.assert_refused_without_change(
            AmountNotWholeCents, lambda: Posting(account_id, direction, float_amount)
        )

    @precondition(lambda self: bool(self.model.accounts))
    @rule(data=st.data(), cents=st.integers(-1_000_000, 0))
    def a_zero_or_negative_amount_is_refused(self, data: st.DataObject, cents: int) -> None:
        account_id = data.draw(st.sampled_from(self.account_ids()), label="account")
        direction = data.draw(st.sampled_from(Direction), label="direction")
        raised = self.assert_refused_without_change(
            PostingAmountNotPositive, lambda: Posting(account_id, direction, Money(cents))
        )
        assert isinstance(raised, PostingAmountNotPositive)
        assert (raised.account_id, raised.cents) == (account_id, cents)

    @precondition(lambda self: bool(self.model.accounts))
    @rule(data=st.data())
    def an_entry_with_fewer_than_two_postings_is_refused(self, data: st.DataObject) -> None:
        postings = data.draw(balanced_postings(self.model.accounts), label="postings")
        kept = postings[: data.draw(st.integers(0, 1), label="postings kept")]
        raised = self.assert_refused_without_change(
            TooFewPostings, lambda: NewEntry(self.today, kept)
        )
        assert isinstance(raised, TooFewPostings)
        assert raised.posting_count == len(kept)

    @precondition(lambda self: bool(self.model.accounts))
    @rule(data=st.data())
    def a_post_to_an_unknown_account_is_refused(self, data: st.DataObject) -> None:
        entry = self.draw_new_entry(data)
        unknown = AccountId(
            max(self.model.accounts) + data.draw(st.integers(1, 1000), label="beyond the last id")
        )
        at = data.draw(st.integers(0, len(entry.postings) - 1), label="replaced posting")
        postings = list(entry.postings)
        postings[at] = Posting(unknown, postings[at].direction, postings[at].amount)
        bad = NewEntry(entry.booked_on, tuple(postings), entry.description, entry.idempotency_key)
        in_batch = data.draw(st.booleans(), label="inside a batch")
        batch = [self.draw_new_entry(data), bad] if in_batch else [bad]
        prediction = self.model.predict([ModelEntry.of(e) for e in batch])
        assert prediction == Refused((expect(UnknownAccount, account_id=unknown),))
        self.run_and_compare(
            "post to an unknown account",
            lambda store: store.post_batch(batch),
            prediction,
        )

    @rule(offset=st.integers(1, 1000))
    def reversing_an_unknown_entry_is_refused(self, offset: int) -> None:
        unknown = EntryId(max(self.model.entries, default=0) + offset)
        raised = self.assert_refused_without_change(
            UnknownEntry,
            lambda: run_in_transaction(
                self.engine, lambda c: LedgerStore(c).reverse(unknown, self.today)
            ),
        )
        assert isinstance(raised, UnknownEntry) and raised.entry_id == unknown

    # -- time and reading back -------------------------------------------------------------------

    @rule(days=st.integers(1, 31))
    def a_few_days_pass(self, days: int) -> None:
        self.today += timedelta(days=days)

    @precondition(lambda self: bool(self.model.accounts))
    @rule(data=st.data())
    def accounts_read_back_as_modelled(self, data: st.DataObject) -> None:
        account_id = data.draw(st.sampled_from(self.account_ids()), label="account")
        days = data.draw(st.integers(-3, (self.today - START).days + 3), label="days from start")
        on = START + timedelta(days=days)
        account = self.model.accounts[account_id]
        with self.engine.connect() as connection:
            store = LedgerStore(connection)
            stored = store.get_account(account_id)
            assert store.balance(account_id).cents == account.balance
            assert store.balance_on(account_id, on).cents == account.balance_on(on)
            history = store.history(account_id, limit=1000)
        assert (stored.code, stored.kind, stored.negative_forbidden, stored.posting_count) == (
            account.code,
            account.kind,
            account.negative_forbidden,
            len(account.history),
        )
        assert [
            (
                line.account_seq,
                line.entry_id,
                line.booked_on,
                line.direction,
                line.amount.cents,
                line.balance_after.cents,
            )
            for line in history
        ] == [
            (seq, line.entry_id, line.booked_on, line.direction, line.cents, line.balance_after)
            for seq, line in enumerate(account.history, start=1)
        ]

    @precondition(lambda self: bool(self.model.entries))
    @rule(data=st.data())
    def entries_read_back_as_modelled(self, data: st.DataObject) -> None:
        entry_id = data.draw(st.sampled_from(sorted(self.model.entries)), label="entry")
        modelled = self.model.entries[entry_id]
        with self.engine.connect() as connection:
            store = LedgerStore(connection)
            stored = store.get_entry(entry_id)
            reversal = store.reversal_of(entry_id)
        assert stored.entry_id == entry_id
        assert stored.booked_on == modelled.booked_on
        assert stored.description == modelled.description
        assert stored.idempotency_key == modelled.key
        assert stored.reverses_entry_id == modelled.reverses
        stored_postings = [(p.account_id, p.direction, p.amount.cents) for p in stored.postings]
        assert sorted_postings(stored_postings) == sorted_postings(modelled.postings)
        assert reversal == self.model.reversed_by.get(entry_id)

    # -- after every step ------------------------------------------------------------------------

    @invariant()
    def the_store_agrees_with_the_model(self) -> None:
        with self.engine.connect() as connection:
            report = check_ledger(connection)
            assert report.passed, report.summary()
            assert report.account_count == len(self.model.accounts)
            assert report.entry_count == len(self.model.entries)
            assert report.posting_count == self.model.posting_count
            # Every account's balance, posting count and last booking date, in one query.
            assert read_snapshot(connection) == model_snapshot(self.model)


def test_the_ledger_behaves_like_its_model(backend: Backend) -> None:
    class LedgerOnThisBackend(LedgerMachine):
        pass

    LedgerOnThisBackend.backend = backend
    run_state_machine_as_test(LedgerOnThisBackend, settings=MACHINE_SETTINGS)
