"""Plain-Python statistics, so the sample needs no compiled package."""

from __future__ import annotations

import csv
import io
import math
from typing import Iterable


def mean(values: Iterable[float]) -> float:
    items = [float(v) for v in values]
    if not items:
        raise ValueError("mean() of an empty sequence")
    return sum(items) / len(items)


def summarize(csv_text: str, column: str) -> dict[str, float]:
    """Count, mean and standard deviation of one numeric column of CSV text."""
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    values = [float(row[column]) for row in rows]
    average = mean(values)
    spread = math.sqrt(sum((v - average) ** 2 for v in values) / len(values))
    return {"count": len(values), "mean": round(average, 3), "std": round(spread, 3)}
