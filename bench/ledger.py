"""Where every benchmark writes its figure: one JSON line per measure in bench/results/<bench>.jsonl.

Each line holds the figure, the baseline measured in the same run, their ratio, and enough about
the run (time, commit, load average) to read a series of lines later."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, as a developer runs it
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def record(
    bench: str,
    measure: str,
    figure: float,
    unit: str,
    baseline: float,
    baseline_name: str,
    ratio: float,
    **details: Any,
) -> Path:
    """Append one measure's line; the ratio is given by the caller, who knows which way is better."""
    RESULTS.mkdir(exist_ok=True)
    line = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "bench": bench,
        "measure": measure,
        "figure": figure,
        "unit": unit,
        "baseline": baseline,
        "baseline_name": baseline_name,
        "ratio": ratio,
        **details,
    }
    path = RESULTS / f"{bench}.jsonl"
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line, sort_keys=True) + "\n")
    return path
