"""Breakevens for cells and the server: iron fly (closed form) and calendar (root finding).

Excel-side wrapper over ``engine.breakeven`` (breakeven stage) for ``POST /v1/breakeven``,
``POSBT_IRONFLY_BE`` and ``POSBT_CALENDAR_BE``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import PosbtError


def breakevens(kind: str, params: Mapping[str, float | str]) -> dict[str, Any]:
    """``{"lower_pts": .., "upper_pts": ..}`` for ``kind`` ``ironfly`` or ``calendar``."""
    raise PosbtError("breakeven analysis is not available in this posbt version yet",
                     place=f"breakeven {kind}")
