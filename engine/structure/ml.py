"""ML method: levels from clustering swing points (KDE peaks, seeded k-means, or 1-D DBSCAN).

Structure stage, after ``Bars.before(at)``. The points are the prices of the swing highs and
lows (fractal rule, ``pivots.swing_points``) in the bars given. Three clusterers:

* KDE (recommended): ``scipy.stats.gaussian_kde`` with a bandwidth of ``bandwidth_pts``
  points, evaluated on a grid of bandwidth/10 steps; levels are the density's peaks
  (``scipy.signal.find_peaks``), strength = peak density / highest peak density. Why it is
  the better default: a level is where turning points pile up, which is exactly a mode of
  their density; the number of levels is found, not chosen; the bandwidth is in index
  points, so a user can reason about it; and it is deterministic.
* KMEANS: ``scipy.cluster.vq.kmeans2`` with k-means++ seeding from a fixed seed (so the same
  bars always give the same levels); k = min(``n_clusters``, distinct points). Levels are the
  centroids, strength = cluster size / largest cluster size. It must be told k and will split
  one real level into two (or merge two) when k is wrong; it is the config's default only
  because the plan lists it first.
* DBSCAN (1-D, written here since sklearn is not a dependency): a core point has at least
  ``min_samples`` points (itself included) within ``bandwidth_pts``; core points closer than
  ``bandwidth_pts`` chain into one cluster; every other point within ``bandwidth_pts`` of a core
  point joins the nearest core point's cluster (border), the rest is noise. Level = mean of
  the cluster, strength = size / largest size.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.cluster.vq import kmeans2
from scipy.signal import find_peaks
from scipy.stats import gaussian_kde

from engine.structure.kinds import MLModel
from engine.structure.params import MLParams
from engine.structure.pivots import swing_points
from engine.structure.types import Bars, FloatArray, SRKind, SRLevel, StructureInputError

_SEED = 20240607


def swing_prices(bars: Bars, left: int, right: int) -> FloatArray:
    """Prices of all swing highs and lows in ``bars``."""
    is_high, is_low = swing_points(bars.high, bars.low, left, right)
    return np.concatenate([bars.high[is_high], bars.low[is_low]])


def kde_peaks(points: FloatArray, bandwidth_pts: float) -> list[tuple[float, float]]:
    """(price, strength) of each density peak of ``points`` under a Gaussian KDE."""
    if np.ptp(points) == 0:
        return [(float(points[0]), 1.0)]
    kde = gaussian_kde(points, bw_method=bandwidth_pts / float(np.std(points, ddof=1)))
    step = bandwidth_pts / 10
    grid = np.arange(points.min() - 3 * bandwidth_pts, points.max() + 3 * bandwidth_pts + step, step)
    dens = kde(grid)
    peaks, _ = find_peaks(np.concatenate([[0.0], dens, [0.0]]))
    peaks = peaks - 1
    top = float(dens[peaks].max())
    return [(float(grid[p]), float(dens[p] / top)) for p in peaks]


def kmeans_levels(points: FloatArray, n_clusters: int) -> list[tuple[float, float]]:
    """(centroid, strength) of seeded k-means clusters of ``points``."""
    k = min(n_clusters, int(np.unique(points).size))
    if k <= 1:
        return [(float(points.mean()), 1.0)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # an empty cluster is dropped below
        centroids, labels = kmeans2(points.reshape(-1, 1), k, minit="++",
                                    seed=np.random.default_rng(_SEED))
    sizes = np.bincount(labels, minlength=k)
    top = float(sizes.max())
    return [(float(centroids[i, 0]), float(sizes[i] / top)) for i in range(k) if sizes[i] > 0]


def dbscan_levels(points: FloatArray, eps_pts: float, min_samples: int) -> list[tuple[float, float]]:
    """(mean, strength) of 1-D DBSCAN clusters of ``points`` (see module doc)."""
    xs = np.sort(points)
    counts = np.searchsorted(xs, xs + eps_pts, "right") - np.searchsorted(xs, xs - eps_pts, "left")
    core = xs[counts >= min_samples]
    if core.size == 0:
        return []
    cluster_of_core = np.concatenate([[0], np.cumsum(np.diff(core) > eps_pts)])
    # every point (core or border) joins the cluster of its nearest core point within eps
    pos = np.clip(np.searchsorted(core, xs), 1, core.size) - 1
    nxt = np.minimum(pos + 1, core.size - 1)
    nearest = np.where(np.abs(core[nxt] - xs) < np.abs(core[pos] - xs), nxt, pos)
    member = np.abs(core[nearest] - xs) <= eps_pts
    labels = cluster_of_core[nearest[member]]
    sizes = np.bincount(labels)
    sums = np.bincount(labels, weights=xs[member])
    top = float(sizes.max())
    return [(float(sums[i] / sizes[i]), float(sizes[i] / top)) for i in range(sizes.size)]


def ml_levels(bars: Bars, cfg: MLParams, left: int, right: int,
              reference_pts: float) -> list[SRLevel]:
    """Clustered swing levels; above ``reference_pts`` RESISTANCE, else SUPPORT."""
    points = swing_prices(bars, left, right)
    if points.size < 2:
        raise StructureInputError(
            f"ML clustering needs at least 2 swing points, found {points.size} in {len(bars)} bars",
            place="MLLookback")
    if cfg.model is MLModel.KDE:
        found = kde_peaks(points, cfg.bandwidth_pts)
    elif cfg.model is MLModel.KMEANS:
        found = kmeans_levels(points, cfg.n_clusters)
    else:
        found = dbscan_levels(points, cfg.bandwidth_pts, cfg.min_samples)
    return [SRLevel(price, SRKind.RESISTANCE if price > reference_pts else SRKind.SUPPORT,
                    strength, "ML", label=f"{cfg.model.value} cluster")
            for price, strength in found]
