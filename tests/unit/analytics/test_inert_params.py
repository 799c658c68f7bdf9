"""A swept parameter that changes no trade is named (issue 16: a sweep of WingWidthPts on an
iron fly whose wings are LegParameter rows gave 9 identical variants and no warning)."""

from __future__ import annotations

from engine.analytics.sweep import inert_params, sweep_param


def test_a_parameter_whose_values_give_identical_trades_is_named() -> None:
    lots = sweep_param("Lots", "1,2")
    wing = sweep_param("WingWidthPts", "200,300")
    # variants in grid order (Lots, WingWidthPts): the trades follow Lots only
    values = {0: (1, 200), 1: (1, 300), 2: (2, 200), 3: (2, 300)}
    trades = {0: (("d1", 100.0),), 1: (("d1", 100.0),), 2: (("d1", 200.0),),
              3: (("d1", 200.0),)}
    assert inert_params([lots, wing], values, trades) == ["WingWidthPts"]


def test_one_group_that_differs_keeps_the_parameter() -> None:
    lots = sweep_param("Lots", "1,2")
    wing = sweep_param("WingWidthPts", "200,300")
    values = {0: (1, 200), 1: (1, 300), 2: (2, 200), 3: (2, 300)}
    # at Lots 2 the wing changes the P&L: WingWidthPts acts, and Lots changes it everywhere
    trades = {0: (("d1", 100.0),), 1: (("d1", 100.0),), 2: (("d1", 200.0),),
              3: (("d1", 150.0),)}
    assert inert_params([lots, wing], values, trades) == []


def test_nothing_to_compare_names_nothing() -> None:
    wing = sweep_param("WingWidthPts", "200,300")
    # one variant ran (the other was invalid): no pair to compare
    assert inert_params([wing], {0: (200,)}, {0: ()}) == []
