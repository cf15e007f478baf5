"""Ranking arithmetic (pure: no database), so tests can check it number by number.

An expert's total for a bid is Σ points/10 × weight over the rubric (0–100). Per bid: the panel
mean, and with 5 or more experts the mean after dropping one highest and one lowest total
(去掉一个最高分和一个最低分); the spread is highest − lowest. Bids rank by the trimmed mean when
there is one, else the mean; equal values share a rank (1, 1, 3) and are marked as a tie —
never broken silently. Exact fractions are compared, so 0.1 + 0.2 never splits a tie.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

TRIM_FROM = 5  # experts needed before the highest and lowest are dropped


@dataclass(frozen=True)
class RankedBid:
    bid_id: int
    rank: int  # 1 = best; tied bids share a rank
    mean: float
    trimmed_mean: float | None  # None under 5 experts
    spread: float
    flagged_expert_ids: tuple[int, ...]  # total more than the margin away from the mean
    qualified: bool  # False when any expert's current score marks it not qualified
    tie: bool
    totals: tuple[tuple[int, float], ...] = ()  # (expert id, total) in expert-id order


def weighted_total(points: Mapping[str, int], rubric: Sequence[Mapping]) -> Fraction:
    """Σ points/10 × weight; a criterion without points counts 0."""
    return sum(
        (Fraction(int(points.get(c["key"], 0)), 10) * int(c["weight"]) for c in rubric),
        Fraction(0),
    )


def _2(value: Fraction) -> float:
    return round(float(value), 2)


def summarise(
    bid_id: int,
    totals: Mapping[int, Fraction],
    *,
    not_qualified: bool,
    margin: int,
) -> dict:
    """Mean, trimmed mean, spread and flagged experts of one bid's totals (expert → total)."""
    values = sorted(totals.values())
    mean = sum(values, Fraction(0)) / len(values)
    trimmed = (
        sum(values[1:-1], Fraction(0)) / (len(values) - 2) if len(values) >= TRIM_FROM else None
    )
    return {
        "bid_id": bid_id,
        "mean": mean,
        "trimmed": trimmed,
        "spread": values[-1] - values[0],
        "flagged": tuple(sorted(e for e, t in totals.items() if abs(t - mean) > margin)),
        "qualified": not not_qualified,
        "totals": tuple((e, _2(totals[e])) for e in sorted(totals)),
    }


def rank(summaries: list[dict]) -> list[RankedBid]:
    """Best first by trimmed mean (else mean); ties share a rank, then bid id for a fixed order."""

    def key(row: dict) -> Fraction:
        return row["trimmed"] if row["trimmed"] is not None else row["mean"]

    ordered = sorted(summaries, key=lambda r: (-key(r), r["bid_id"]))
    counts: dict[Fraction, int] = {}
    for row in ordered:
        counts[key(row)] = counts.get(key(row), 0) + 1
    out, previous, current_rank = [], None, 0
    for position, row in enumerate(ordered, start=1):
        if key(row) != previous:
            current_rank, previous = position, key(row)
        out.append(
            RankedBid(
                bid_id=row["bid_id"],
                rank=current_rank,
                mean=_2(row["mean"]),
                trimmed_mean=None if row["trimmed"] is None else _2(row["trimmed"]),
                spread=_2(row["spread"]),
                flagged_expert_ids=row["flagged"],
                qualified=row["qualified"],
                tie=counts[key(row)] > 1,
                totals=row["totals"],
            )
        )
    return out
