"""VOLUME method: a volume profile from bars (POC, value area, high- and low-volume nodes).

Structure stage, after ``Bars.before(at)``. Bins are ``bin_size_pts`` wide and aligned to
multiples of the bin size. Each bar spreads its weight uniformly over its [low, high] range:
a bin gets weight x (overlap of the bar's range with the bin) / (bar range); a bar with
high == low puts all of it into its bin.

Weights: the bars' own volume when present (``VolumeSource.SPOT``); else a caller-given
per-bar volume such as the summed option volume of the same timestamps (``OPTIONS``); else
one unit per bar, i.e. time at price (``TPO``). The result says which was used.

Point of control (POC): the bin with the most weight (ties: the one nearest the weighted
mean price). Value area: the standard expansion from the POC (CBOT Market Profile): look at
the two bins above and the two bins below the area so far, add the pair with more weight
(ties go up), and repeat until the area holds ``value_area_frac`` of the total; near an edge
the pair shrinks to what is left. VAH is the top of the highest bin in the area, VAL the bottom
of the lowest. High-volume nodes: local maxima with weight >= ``hvn_threshold`` x the mean bin
weight; low-volume nodes: local minima with weight <= ``lvn_threshold`` x the mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.structure.params import VolumeParams
from engine.structure.types import Bars, FloatArray, SRKind, SRLevel, StructureInputError, VolumeSource


@dataclass(frozen=True)
class VolumeProfile:
    """Bins (lower edges), their weights, and the profile's landmarks (bin indices)."""

    edges_pts: FloatArray  # lower edge of each bin
    bin_size_pts: float
    weights: FloatArray
    source: VolumeSource
    poc_index: int
    va_low_index: int
    va_high_index: int

    @property
    def poc_pts(self) -> float:
        """Centre of the point-of-control bin."""
        return float(self.edges_pts[self.poc_index] + self.bin_size_pts / 2)

    @property
    def vah_pts(self) -> float:
        """Top edge of the value area."""
        return float(self.edges_pts[self.va_high_index] + self.bin_size_pts)

    @property
    def val_pts(self) -> float:
        """Bottom edge of the value area."""
        return float(self.edges_pts[self.va_low_index])


def _bar_weights(bars: Bars, other_volume: FloatArray | None) -> tuple[FloatArray, VolumeSource]:
    if bars.volume is not None and np.nansum(bars.volume) > 0:
        return np.nan_to_num(bars.volume, nan=0.0), VolumeSource.SPOT
    if other_volume is not None and other_volume.size == len(bars) and np.nansum(other_volume) > 0:
        return np.nan_to_num(other_volume, nan=0.0), VolumeSource.OPTIONS
    return np.ones(len(bars)), VolumeSource.TPO


def histogram(low: FloatArray, high: FloatArray, weight: FloatArray,
              bin_size_pts: float) -> tuple[FloatArray, FloatArray]:
    """(lower edges, weights): each bar's weight spread uniformly over [low, high]."""
    first = np.floor(low.min() / bin_size_pts)
    n_bins = int(np.floor(high.max() / bin_size_pts) - first) + 1
    edges = (first + np.arange(n_bins)) * bin_size_pts
    lo_bin = (np.floor(low / bin_size_pts) - first).astype(np.int64)
    hi_bin = (np.floor(high / bin_size_pts) - first).astype(np.int64)
    span = high - low
    out = np.zeros(n_bins)
    point = span <= 0
    np.add.at(out, lo_bin[point], weight[point])
    # Ranged bars: walk the (few) bin offsets a bar covers, all bars at once per offset.
    rb = ~point
    lo_r, hi_r, lo_b, hi_b, w_r, s_r = low[rb], high[rb], lo_bin[rb], hi_bin[rb], weight[rb], span[rb]
    for k in range(int((hi_b - lo_b).max()) + 1 if rb.any() else 0):
        b = lo_b + k
        live = b <= hi_b
        bin_lo = edges[b[live]]
        overlap = np.minimum(hi_r[live], bin_lo + bin_size_pts) - np.maximum(lo_r[live], bin_lo)
        np.add.at(out, b[live], w_r[live] * np.clip(overlap, 0.0, None) / s_r[live])
    return edges, out


def value_area(weights: FloatArray, poc: int, frac: float) -> tuple[int, int]:
    """(low, high) bin indices of the value area grown from ``poc`` by two-bin pairs."""
    target = frac * float(weights.sum())
    lo = hi = poc
    total = float(weights[poc])
    n = weights.size
    while total < target - 1e-12 and (lo > 0 or hi < n - 1):
        up = float(weights[hi + 1: min(hi + 3, n)].sum())
        down = float(weights[max(lo - 2, 0): lo].sum())
        if (up >= down and hi < n - 1) or lo == 0:
            hi = min(hi + 2, n - 1)
            total += up
        else:
            lo = max(lo - 2, 0)
            total += down
    return lo, hi


def volume_profile(bars: Bars, bin_size_pts: float, value_area_frac: float = 0.7,
                   other_volume: FloatArray | None = None) -> VolumeProfile:
    """The profile of ``bars`` (see module doc for the weights, POC and value area rules)."""
    bars.require(1, "volume profile")
    if not bin_size_pts > 0 or not 0 < value_area_frac <= 1:
        raise StructureInputError("bin size must be > 0 and value area in (0, 1]",
                                  place="VolumeBinSizePts/ValueAreaFrac")
    weight, source = _bar_weights(bars, other_volume)
    edges, w = histogram(bars.low, bars.high, weight, bin_size_pts)
    centres = edges + bin_size_pts / 2
    mean_price = float(np.dot(centres, w) / w.sum())
    top = np.flatnonzero(w >= w.max() * (1 - 1e-12))
    poc = int(top[np.argmin(np.abs(centres[top] - mean_price))])
    lo, hi = value_area(w, poc, value_area_frac)
    return VolumeProfile(edges, float(bin_size_pts), w, source, poc, lo, hi)


def _local_extrema(w: FloatArray) -> tuple[np.ndarray, np.ndarray]:
    padded = np.concatenate([[-np.inf], w, [-np.inf]])
    maxima = np.flatnonzero((w > padded[:-2]) & (w >= padded[2:]))
    padded_hi = np.concatenate([[np.inf], w, [np.inf]])
    minima = np.flatnonzero((w < padded_hi[:-2]) & (w <= padded_hi[2:]))
    return maxima, minima


def profile_levels(profile: VolumeProfile, cfg: VolumeParams) -> list[SRLevel]:
    """POC, VAH, VAL, HVN and LVN levels of ``profile``; labels name the volume source."""
    w, size = profile.weights, profile.bin_size_pts
    src = profile.source.value
    top = float(w.max())
    out = [
        SRLevel(profile.poc_pts, SRKind.POC, 1.0, "VOLUME", label=f"POC ({src})",
                zone=(profile.poc_pts - size / 2, profile.poc_pts + size / 2)),
        SRLevel(profile.vah_pts, SRKind.VAH, 0.8, "VOLUME", label=f"VAH ({src})"),
        SRLevel(profile.val_pts, SRKind.VAL, 0.8, "VOLUME", label=f"VAL ({src})"),
    ]
    mean_w = float(w.mean())
    maxima, minima = _local_extrema(w)
    for i in maxima:
        if i != profile.poc_index and w[i] >= cfg.hvn_threshold * mean_w:
            centre = float(profile.edges_pts[i] + size / 2)
            out.append(SRLevel(centre, SRKind.HVN, float(w[i] / top), "VOLUME",
                               label=f"HVN ({src})", zone=(centre - size / 2, centre + size / 2)))
    for i in minima:
        if 0 < i < w.size - 1 and w[i] <= cfg.lvn_threshold * mean_w:
            centre = float(profile.edges_pts[i] + size / 2)
            out.append(SRLevel(centre, SRKind.LVN, 0.2, "VOLUME", label=f"LVN ({src})"))
    return out
