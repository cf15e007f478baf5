"""Ranking arithmetic: weighted totals, the trimmed mean, ties and the flagged spread."""

from __future__ import annotations

from fractions import Fraction

from marketplace.review import ranking as R

RUBRIC = [
    {"key": "c1", "name": "技术", "weight": 30},
    {"key": "c2", "name": "团队", "weight": 20},
    {"key": "c3", "name": "计划", "weight": 20},
    {"key": "c4", "name": "预算", "weight": 15},
    {"key": "c5", "name": "基础", "weight": 15},
]


def pts(a, b, c, d, e) -> dict:
    return {"c1": a, "c2": b, "c3": c, "c4": d, "c5": e}


def test_the_weighted_total_is_points_over_ten_times_the_weight():
    assert R.weighted_total(pts(10, 10, 10, 10, 10), RUBRIC) == 100
    # 7×3 + 8×2 + 6×2 + 9×1.5 + 5×1.5 = 21 + 16 + 12 + 13.5 + 7.5
    assert R.weighted_total(pts(7, 8, 6, 9, 5), RUBRIC) == 70


def test_five_experts_drop_the_highest_and_lowest():
    totals = {1: Fraction(90), 2: Fraction(80), 3: Fraction(70), 4: Fraction(75), 5: Fraction(30)}
    row = R.summarise(7, totals, not_qualified=False, margin=20)
    assert row["mean"] == 69 and row["trimmed"] == 75 and row["spread"] == 60
    # 30 is 39 below the mean of 69; 90 is 21 above it: both beyond the 20-point margin.
    assert row["flagged"] == (1, 5)


def test_under_five_experts_there_is_no_trimmed_mean():
    row = R.summarise(7, {1: Fraction(60), 2: Fraction(70), 3: Fraction(80)},
                      not_qualified=False, margin=20)  # fmt: skip
    assert row["trimmed"] is None and row["mean"] == 70 and row["flagged"] == ()


def test_ties_share_a_rank_and_are_shown():
    rows = [
        R.summarise(1, {1: Fraction(70), 2: Fraction(80), 3: Fraction(90)}, not_qualified=False,
                    margin=20),
        R.summarise(2, {1: Fraction(85), 2: Fraction(80), 3: Fraction(75)}, not_qualified=True,
                    margin=20),
        R.summarise(3, {1: Fraction(90), 2: Fraction(90), 3: Fraction(90)}, not_qualified=False,
                    margin=20),
    ]  # fmt: skip
    ranked = R.rank(rows)
    assert [(r.bid_id, r.rank, r.tie) for r in ranked] == [
        (3, 1, False),
        (1, 2, True),
        (2, 2, True),
    ]
    assert ranked[2].qualified is False and ranked[1].spread == 20
    assert ranked[0].totals == ((1, 90.0), (2, 90.0), (3, 90.0))


def test_fractions_never_split_a_tie():
    # 1/3-point differences in float would not add up exactly; fractions do.
    a = {1: R.weighted_total(pts(7, 7, 7, 7, 7), RUBRIC)}
    b = {1: Fraction(70)}
    ranked = R.rank([R.summarise(1, a, not_qualified=False, margin=20),
                     R.summarise(2, b, not_qualified=False, margin=20)])  # fmt: skip
    assert [r.rank for r in ranked] == [1, 1]
