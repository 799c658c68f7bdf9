"""Adjustment types as plug-ins (strategy stage): the ``Adjustment`` protocol and its registry.

An adjustment type is one module that defines a subclass of ``AdjustmentType`` and registers
it with ``@register``; the simulation asks ``adjustment_for(rule.action)`` and never branches
on a type. A type says:

- when it fires: ``default_triggers`` (the trigger kinds a rule of this type uses when it
  names none), ``price_move_mask`` (the direction a PRICE_MOVE counts in), ``extra_trigger``
  (a mask of its own, ANDed in, such as a delta band) and ``extra_constraints``;
- what it trades: ``chain_expiries`` (the chains it may read) and ``plan`` (legs to close and
  to open, pure, from the chain at the bar; ``SelectionError`` to skip with a reason);
- its own parameters: ``params_from_config`` (a dataclass of its module, from its config
  model; ``params_of`` reads it back) and, for a type that buys tranches, ``scalp_firings``;
- what it records and keeps: ``exhausted`` (a reason it cannot fire again), ``on_blocked``
  and ``on_applied`` (its per-rule state after a blocked or applied attempt) and whether an
  applied adjustment moves the position's reference spot.

The shared trigger kinds (PRICE_MOVE, TIME_DECAY, GREEK, ...) live once in ``triggers``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, TypeVar

import numpy as np

from engine.config.models.adjustments import AdjustmentRuleBase
from engine.domain.structures import Leg, Right
from engine.errors import PosbtError
from engine.strategy.adjustments.rules import AdjRule, Trig
from engine.strategy.adjustments.state import RuleState, SegmentView
from engine.strategy.selection import ChainSlice, SelectionError, select_strike

Mask = np.ndarray


@dataclass(frozen=True)
class AdjustmentPlan:
    """Legs to close (indices into the open legs), legs to open, and held legs to resize:
    (index into the open legs, signed lots to trade on it: + buy, - sell)."""

    close: tuple[int, ...]
    open: tuple[Leg, ...]
    note: str = ""
    resize: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Market:
    """What an action may look at: spot, move direction, chains, listed expiries, strike step,
    lot sizes and MaxLots. ``lot_size`` is the first held leg's; ``leg_lot_sizes`` gives each
    held leg's (aligned with the legs ``plan`` gets) and ``expiry_lot_sizes`` each loaded
    expiry's at the bar, the size a leg opened there trades at (an expiry or a leg they do not
    name trades at ``lot_size``: one lot size for all)."""

    at: dt.datetime
    spot: float
    direction: int                      # +1 spot above the reference, -1 below
    chains: dict[dt.date, ChainSlice]
    listed: Sequence[tuple[dt.date, str]]
    strike_step: float
    lot_size: int
    position_delta_inr: float
    levels: tuple[float, ...] = ()      # support/resistance prices for SR_BASED targets
    leg_lot_sizes: tuple[int, ...] = ()  # units per lot of each held leg
    expiry_lot_sizes: Mapping[dt.date, int] = field(default_factory=dict)
    max_lots: int | None = None          # MaxLots of the risk limits (None: no cap)

    def held_units(self, j: int, leg: Leg) -> int:
        """Units (unsigned) of held leg ``j``: its lots x its lot size."""
        return leg.lots * (self.leg_lot_sizes[j] if self.leg_lot_sizes else self.lot_size)

    def lot_of(self, expiry: dt.date) -> int:
        """Units per lot of a leg opened on ``expiry`` at the bar."""
        return self.expiry_lot_sizes.get(expiry, self.lot_size)


class Adjustment(Protocol):
    """What the simulation asks of an adjustment type."""

    kind: ClassVar[str]
    moves_reference: ClassVar[bool]
    has_tranches: ClassVar[bool]
    breakeven_side: ClassVar[int]

    def default_triggers(self, rule: AdjRule) -> frozenset[Trig]: ...
    def price_move_mask(self, move_pts: np.ndarray, threshold_pts: float, state: RuleState) -> Mask: ...
    def extra_trigger(self, rule: AdjRule, view: SegmentView) -> Mask | None: ...
    def extra_constraints(self, rule: AdjRule, view: SegmentView, state: RuleState
                          ) -> list[tuple[Mask, str]]: ...
    def chain_expiries(self, held: Sequence[dt.date], listed: Sequence[tuple[dt.date, str]],
                       on: dt.date) -> list[dt.date]: ...
    def plan(self, rule: AdjRule, legs: Sequence[Leg], m: Market, state: RuleState) -> AdjustmentPlan: ...
    def params_from_config(self, cfg: AdjustmentRuleBase) -> object | None: ...
    def scalp_firings(self, rule: AdjRule, state: RuleState, legs: Sequence[Leg],
                      bought_pts: Callable[[str], float], closes: np.ndarray, view: SegmentView
                      ) -> list[tuple[int, int]]: ...
    def exhausted(self, rule: AdjRule, state: RuleState) -> str | None: ...
    def on_blocked(self, rule: AdjRule, state: RuleState, direction: int) -> str | None: ...
    def on_applied(self, rule: AdjRule, state: RuleState, direction: int) -> None: ...


class AdjustmentType:
    """Defaults for an adjustment type: a PRICE_MOVE either way, the held expiries' chains,
    no extra mask or constraint, and an applied adjustment moves the reference spot."""

    kind: ClassVar[str] = ""
    moves_reference: ClassVar[bool] = True
    # the breakeven a BREAKEVEN trigger watches: +1 the upper, -1 the lower, 0 either (a roll
    # toward one side answers a threat on that side only)
    breakeven_side: ClassVar[int] = 0
    has_tranches: ClassVar[bool] = False   # REVERSE_BUY-style parts with scalps

    def default_triggers(self, rule: AdjRule) -> frozenset[Trig]:
        """PRICE_MOVE when the rule names no trigger."""
        return frozenset({Trig.PRICE_MOVE})

    def price_move_mask(self, move_pts: np.ndarray, threshold_pts: float, state: RuleState) -> Mask:
        """A move of ``threshold_pts`` either way from the reference spot."""
        return np.asarray(np.abs(move_pts) >= threshold_pts)

    def extra_trigger(self, rule: AdjRule, view: SegmentView) -> Mask | None:
        """No mask of its own."""
        return None

    def extra_constraints(self, rule: AdjRule, view: SegmentView, state: RuleState
                          ) -> list[tuple[Mask, str]]:
        """No constraint of its own."""
        return []

    def chain_expiries(self, held: Sequence[dt.date], listed: Sequence[tuple[dt.date, str]],
                       on: dt.date) -> list[dt.date]:
        """The chains of the expiries the position holds."""
        return sorted(set(held))

    def plan(self, rule: AdjRule, legs: Sequence[Leg], m: Market, state: RuleState) -> AdjustmentPlan:
        """The trades; every type defines its own."""
        raise NotImplementedError(f"{type(self).__name__}.plan")

    def params_from_config(self, cfg: AdjustmentRuleBase) -> object | None:
        """The type's own parameters from its config model (None: it has none)."""
        return None

    def scalp_firings(self, rule: AdjRule, state: RuleState, legs: Sequence[Leg],
                      bought_pts: Callable[[str], float], closes: np.ndarray, view: SegmentView
                      ) -> list[tuple[int, int]]:
        """(segment bar, leg index) where a leg the type bought should be sold back; none."""
        return []

    def exhausted(self, rule: AdjRule, state: RuleState) -> str | None:
        """Never exhausted (MaxTimesPerPosition is checked by the simulation)."""
        return None

    def on_blocked(self, rule: AdjRule, state: RuleState, direction: int) -> str | None:
        """Nothing to note; the simulation counts blocked attempts."""
        return None

    def on_applied(self, rule: AdjRule, state: RuleState, direction: int) -> None:
        """No state of its own."""


ADJUSTMENTS: dict[str, Adjustment] = {}

A = TypeVar("A", bound=type[AdjustmentType])
P = TypeVar("P")


def params_of(rule: AdjRule, cls: type[P]) -> P:
    """The rule's ``cls`` parameters; the type's defaults (``cls()``) when it carries none."""
    if rule.params is None:
        return cls()
    if not isinstance(rule.params, cls):
        raise TypeError(f"rule {rule.rule_id}: {rule.action} takes {cls.__name__}, "
                        f"got {type(rule.params).__name__}")
    return rule.params


def register(cls: A) -> A:
    """Class decorator: make ``cls`` the adjustment type for its ``kind``."""
    if not cls.kind:
        raise TypeError(f"{cls.__name__} has no kind")
    ADJUSTMENTS[cls.kind] = cls()
    return cls


def unregister(kind: str) -> None:
    """Remove a registered type (tests that register a toy type clean up with it)."""
    ADJUSTMENTS.pop(kind, None)


def adjustment_for(kind: str) -> Adjustment:
    """The registered type of ``kind``; a clear error naming the known types otherwise."""
    try:
        return ADJUSTMENTS[str(kind)]
    except KeyError:
        known = ", ".join(sorted(ADJUSTMENTS))
        raise PosbtError(f"unknown adjustment type {kind!r} (known: {known})",
                         place="AdjustmentRules (RuleType)") from None


# helpers the built-in types share


def quoted(chain: ChainSlice | None, strike: float, right: Right, what: str) -> None:
    """Raise ``SelectionError`` when ``chain`` has no quote for the strike."""
    if chain is None or chain.price(strike, right) is None:
        raise SelectionError(f"{what}: no quote for {strike:g} {right.value}")


def target_strike(rule: AdjRule, m: Market, expiry: dt.date, right: Right) -> float:
    """The rule's target strike in the chain of ``expiry`` at the bar."""
    chain = m.chains.get(expiry)
    if chain is None:
        raise SelectionError(f"no chain for expiry {expiry}")
    return select_strike(chain, right, rule.target_strike, m.spot, m.strike_step, m.levels)

