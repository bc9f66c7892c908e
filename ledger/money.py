"""Money as whole euro cents.

Invariant: an amount is always an ``int`` number of cents. Floats, Decimals and bools are refused
at construction, so no rounding can ever creep into a balance. Amounts may be negative (a balance
can be); a posting separately insists on a positive amount.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import AmountNotWholeCents, AmountOutOfRange

#: The largest amount the ledger accepts in one posting or balance: 10 billion euro. Far above any
#: municipal budget, and far enough below 2**63 that sums of many postings cannot overflow a bigint.
AMOUNT_CENTS_MAX = 1_000_000_000_000


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount of euro in whole cents."""

    cents: int

    def __post_init__(self) -> None:
        # bool is a subclass of int; True euro cents is a bug, not an amount.
        if type(self.cents) is not int:
            raise AmountNotWholeCents(self.cents)
        if abs(self.cents) > AMOUNT_CENTS_MAX:
            raise AmountOutOfRange(self.cents, AMOUNT_CENTS_MAX)

    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    def __add__(self, other: Money) -> Money:
        return Money(self.cents + other.cents)

    def __sub__(self, other: Money) -> Money:
        return Money(self.cents - other.cents)

    def __neg__(self) -> Money:
        return Money(-self.cents)

    def is_positive(self) -> bool:
        return self.cents > 0

    def split(self, part_count: int) -> tuple[Money, ...]:
        """Split into ``part_count`` parts that differ by at most one cent and add up exactly.

        The earlier parts get the spare cents, so money held back for a later date is never short.
        """
        if part_count < 1:
            raise ValueError(f"Cannot split into {part_count} parts; give at least one.")
        whole, spare = divmod(self.cents, part_count)
        return tuple(Money(whole + (1 if index < spare else 0)) for index in range(part_count))

    def percentage(self, percent: int) -> Money:
        """``percent`` % of this amount, rounded half up to whole cents (integer arithmetic)."""
        return Money((self.cents * percent * 2 + 100) // 200)

    def scaled(self, numerator: int, denominator: int) -> Money:
        """This amount times ``numerator / denominator``, rounded half up to whole cents."""
        if denominator <= 0 or numerator < 0:
            raise ValueError(f"Cannot scale by {numerator}/{denominator}.")
        return Money((self.cents * numerator * 2 + denominator) // (2 * denominator))

    def __str__(self) -> str:
        """Format as a plain decimal string with two decimals, the way the API shows money."""
        sign = "-" if self.cents < 0 else ""
        whole, fraction = divmod(abs(self.cents), 100)
        return f"{sign}{whole}.{fraction:02d}"

    @classmethod
    def parse(cls, text: str) -> Money:
        """Read a decimal string such as ``"650.00"`` or ``"-3.5"`` exactly, without floats."""
        stripped = text.strip()
        negative = stripped.startswith("-")
        body = stripped.lstrip("+-")
        whole, _, fraction = body.partition(".")
        if not whole.isdigit() or (fraction and (not fraction.isdigit() or len(fraction) > 2)):
            raise AmountNotWholeCents(text)
        cents = int(whole) * 100 + int(fraction.ljust(2, "0") or "0")
        return cls(-cents if negative else cents)
