"""The whole-store invariant check: the ledger's audit of itself.

Each rule is one SQL query over the whole store that returns the ids breaking it; the check runs all
of them and cannot skip any. The rules:
- the signed balances of all accounts sum to zero (debits equal credits across the ledger);
- every account's balance and posting count equal what its postings add up to;
- every account's running balances chain from zero without gaps in the sequence and without booking
  dates going back;
- no account that forbids a negative balance holds, or ever held, one;
- every entry has at least two postings and balances;
- every reversal points at one existing, non-reversal entry and mirrors it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, text

#: How many offending ids a rule reports; the count of the rest is still given.
EXAMPLES_PER_RULE_MAX = 10

# Positive for debits, negative for credits.
_SIGNED = "CASE WHEN p.direction = 'D' THEN p.amount_cents ELSE -p.amount_cents END"
# +1 for accounts whose balance grows with debits, -1 for those whose balance grows with credits.
_NORMAL_SIGN = "CASE WHEN a.kind IN ('asset', 'expense') THEN 1 ELSE -1 END"

_RULES: dict[str, str] = {
    "balances_sum_to_zero": f"""
        SELECT total.signed_cents AS id FROM (
            SELECT coalesce(sum({_NORMAL_SIGN} * a.balance_cents), 0) AS signed_cents
            FROM ledger_accounts a
        ) total WHERE total.signed_cents <> 0
    """,
    "balance_equals_postings": f"""
        SELECT a.id FROM ledger_accounts a
        LEFT JOIN (
            SELECT p.account_id, sum({_SIGNED}) AS signed_cents, count(*) AS posting_count
            FROM ledger_postings p GROUP BY p.account_id
        ) s ON s.account_id = a.id
        WHERE a.balance_cents <> {_NORMAL_SIGN} * coalesce(s.signed_cents, 0)
           OR a.posting_count <> coalesce(s.posting_count, 0)
    """,
    "running_balances_chain": f"""
        SELECT chained.account_id AS id FROM (
            SELECT p.account_id, p.account_seq, p.booked_on, p.balance_after_cents,
                   {_NORMAL_SIGN} * {_SIGNED} AS change_cents,
                   row_number() OVER w AS expected_seq,
                   lag(p.balance_after_cents, 1, 0) OVER w AS before_cents,
                   lag(p.booked_on) OVER w AS previous_booked_on
            FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
            WINDOW w AS (PARTITION BY p.account_id ORDER BY p.account_seq)
        ) chained
        WHERE chained.account_seq <> chained.expected_seq
           OR chained.balance_after_cents <> chained.before_cents + chained.change_cents
           OR chained.booked_on < chained.previous_booked_on
        GROUP BY chained.account_id
    """,
    "no_forbidden_negative_balance": """
        SELECT a.id FROM ledger_accounts a
        WHERE a.negative_forbidden AND (
            a.balance_cents < 0
            OR EXISTS (SELECT 1 FROM ledger_postings p
                       WHERE p.account_id = a.id AND p.balance_after_cents < 0)
        )
    """,
    "entries_balance": f"""
        SELECT e.id FROM ledger_entries e
        LEFT JOIN ledger_postings p ON p.entry_id = e.id
        GROUP BY e.id
        HAVING count(p.entry_id) < 2 OR coalesce(sum({_SIGNED}), 0) <> 0
    """,
    "postings_belong_to_entries": """
        SELECT DISTINCT p.entry_id AS id FROM ledger_postings p
        LEFT JOIN ledger_entries e ON e.id = p.entry_id
        WHERE e.id IS NULL
    """,
    "reversals_mirror_one_entry": f"""
        SELECT r.id FROM ledger_entries r
        LEFT JOIN ledger_entries o ON o.id = r.reverses_entry_id
        WHERE r.reverses_entry_id IS NOT NULL AND (
            o.id IS NULL
            OR o.reverses_entry_id IS NOT NULL
            OR EXISTS (
                SELECT p.account_id, sum({_SIGNED}) FROM ledger_postings p
                WHERE p.entry_id = o.id GROUP BY p.account_id
                EXCEPT
                SELECT p.account_id, -sum({_SIGNED}) FROM ledger_postings p
                WHERE p.entry_id = r.id GROUP BY p.account_id
            )
            OR EXISTS (
                SELECT p.account_id, -sum({_SIGNED}) FROM ledger_postings p
                WHERE p.entry_id = r.id GROUP BY p.account_id
                EXCEPT
                SELECT p.account_id, sum({_SIGNED}) FROM ledger_postings p
                WHERE p.entry_id = o.id GROUP BY p.account_id
            )
        )
    """,
}

RULE_NAMES = tuple(_RULES)


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: str
    violation_count: int
    example_ids: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.violation_count == 0


@dataclass(frozen=True, slots=True)
class CheckReport:
    account_count: int
    entry_count: int
    posting_count: int
    rules: tuple[RuleResult, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(rule.passed for rule in self.rules)

    def summary(self) -> str:
        lines = [
            f"ledger check: {self.account_count} accounts, {self.entry_count} entries, "
            f"{self.posting_count} postings"
        ]
        for rule in self.rules:
            if rule.passed:
                lines.append(f"  ok    {rule.rule}")
            else:
                examples = ", ".join(rule.example_ids)
                lines.append(
                    f"  FAIL  {rule.rule}: {rule.violation_count} violation(s), e.g. {examples}"
                )
        lines.append("ledger check passed" if self.passed else "ledger check FAILED")
        return "\n".join(lines)


def check_ledger(connection: Connection) -> CheckReport:
    """Run every invariant rule over the whole store and report what each found."""
    counts = connection.execute(
        text(
            "SELECT (SELECT count(*) FROM ledger_accounts), (SELECT count(*) FROM ledger_entries), "
            "(SELECT count(*) FROM ledger_postings)"
        )
    ).one()
    results = []
    for name, query in _RULES.items():
        ids = [str(row[0]) for row in connection.execute(text(query))]
        results.append(RuleResult(name, len(ids), tuple(ids[:EXAMPLES_PER_RULE_MAX])))
    return CheckReport(
        account_count=counts[0],
        entry_count=counts[1],
        posting_count=counts[2],
        rules=tuple(results),
    )
