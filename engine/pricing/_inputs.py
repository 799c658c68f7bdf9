"""Input handling shared by the pricing kernels (pricing stage, before any formula).

Turns scalars, lists and arrays into float64 arrays of one broadcast shape, and the
option right ("CE"/"PE", a ``Right`` enum value, or an array of them) into a boolean
``is_call`` array. A shape that cannot broadcast is a ``ValueError`` naming the
argument; element-wise problems (NaN, negative values) are left for the kernels,
which answer NaN for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
ArrayLike: TypeAlias = (
    float | int | Sequence[float] | npt.NDArray[np.floating] | npt.NDArray[np.integer]
)
RightLike: TypeAlias = str | Sequence[str] | npt.NDArray[np.str_] | npt.NDArray[np.object_]

_CALL_NAMES = frozenset({"CE", "C", "CALL"})
_PUT_NAMES = frozenset({"PE", "P", "PUT"})


def as_float(name: str, value: ArrayLike) -> FloatArray:
    """``value`` as a float64 array; a ``ValueError`` naming ``name`` if it is not numeric."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected numbers, got {value!r:.80}") from exc


def is_call_array(right: RightLike) -> BoolArray:
    """``True`` where ``right`` is a call ("CE"), ``False`` where a put ("PE").

    Accepts "CE"/"PE" (also "C"/"P"/"CALL"/"PUT", any case), a ``Right`` enum
    member, or an array of them. Anything else is a ``ValueError`` naming ``right``.
    """
    arr = np.asarray(right)
    if arr.dtype == np.bool_:
        return arr
    upper = np.char.upper(arr.astype(str))
    calls = np.isin(upper, list(_CALL_NAMES))
    puts = np.isin(upper, list(_PUT_NAMES))
    bad = ~(calls | puts)
    if np.any(bad):
        examples = sorted(set(np.atleast_1d(arr[bad]).astype(str).tolist()))[:5]
        raise ValueError(f"right: expected 'CE' or 'PE', got {examples}")
    return np.asarray(calls, dtype=np.bool_)


def broadcast(**arrays: npt.NDArray[Any]) -> list[npt.NDArray[Any]]:
    """Broadcast the named arrays to one shape; a ``ValueError`` names the first offender."""
    shape: tuple[int, ...] = ()
    for name, arr in arrays.items():
        try:
            shape = np.broadcast_shapes(shape, np.shape(arr))
        except ValueError:
            detail = ", ".join(f"{k}={np.shape(v)}" for k, v in arrays.items())
            raise ValueError(f"{name}: shape {np.shape(arr)} does not broadcast with "
                             f"the other arguments ({detail})") from None
    return [np.broadcast_to(np.asarray(a), shape) for a in arrays.values()]
