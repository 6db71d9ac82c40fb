"""Geometry for the build-time ranking chart (the template draws the SVG from it)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from .model import Ranking

WIDTH = 320
"""viewBox width: the chart is drawn for the narrowest phone and scales up."""
HEIGHT = 220
"""viewBox height."""
LEFT, RIGHT, TOP, BOTTOM = 44, 24, 24, 36
"""Margins around the plot area: axis labels left, edition labels below."""


@dataclass(frozen=True)
class ChartPoint:
    """One edition on the chart."""

    x: float
    """Horizontal position in the viewBox."""
    y: float
    """Vertical position: rank 1 at the top."""
    edition: int
    """The edition's year."""
    rank: int
    """The rank."""
    of: int | None
    """How many were ranked."""


@dataclass(frozen=True)
class RankChart:
    """Everything the template needs to draw the chart."""

    width: int
    """viewBox width."""
    height: int
    """viewBox height."""
    points: tuple[ChartPoint, ...]
    """Editions, oldest first, left to right."""
    ticks: tuple[tuple[int, float], ...]
    """(rank, y) gridlines."""
    plot_left: float
    """Left edge of the plot area."""
    plot_right: float
    """Right edge of the plot area."""
    baseline: float
    """y of the edition labels."""

    @property
    def path(self) -> str:
        """The SVG path through the points."""
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points))


def _nice_ceiling(value: int) -> int:
    step = 10 if value <= 50 else 50 if value <= 250 else 100
    return max(step, math.ceil(value / step) * step)


def rank_chart(ranking: Ranking) -> RankChart:
    """Positions for each edition: x by edition order, y by rank, 1 (best) at the top."""
    worst = _nice_ceiling(max(e.rank for e in ranking.editions))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def y(rank: int) -> float:
        return TOP + (rank - 1) / (worst - 1) * plot_h

    count = len(ranking.editions)
    points = tuple(
        ChartPoint(LEFT + (plot_w * (i + 0.5) / count), y(e.rank), e.edition, e.rank, e.of)
        for i, e in enumerate(ranking.editions))
    step = max(1, worst // 4)
    ticks = tuple((rank, y(rank)) for rank in sorted({1, *range(step, worst + 1, step)}))
    return RankChart(WIDTH, HEIGHT, points, ticks, LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM + 22)
