"""What an import run did with each file: rows read, imported, already there, merged, skipped and
refused, with the reasons in plain words and the line numbers of the rows concerned."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from upstander.imports.rows import Problem

# Enough line numbers to find and fix the rows, however many rows share one reason.
LINES_KEPT_PER_REASON = 50


@dataclass
class ReasonTally:
    """Rows that share one reason: how many, and the first few with their own message."""

    rows: int = 0
    lines: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line: int, message: str) -> None:
        self.rows += 1
        if len(self.lines) < LINES_KEPT_PER_REASON:
            self.lines.append((line, message))


@dataclass
class FileReport:
    """One CSV file. ``line`` numbers count the header as line 1, as an editor shows them.

    * ``imported`` — rows written by this run (in a dry run: rows that would be written);
    * ``already_there`` — rows an earlier run wrote (a re-run skips them, so it resumes);
    * ``merged`` — rows repeating an earlier row's key, merged into it (see the mapping);
    * ``skipped`` — rows the mapping says to pass over, by reason (not an error);
    * ``refused`` — rows that cannot be read, by reason; one row may give several reasons.
    """

    file: str
    target: str
    read: int = 0
    imported: int = 0
    already_there: int = 0
    merged: int = 0
    refused_rows: int = 0
    skipped: dict[str, ReasonTally] = field(default_factory=dict)
    refused: dict[str, ReasonTally] = field(default_factory=dict)
    notes: dict[str, int] = field(default_factory=dict)

    def refuse(self, line: int, problems: Iterable[Problem]) -> None:
        self.refused_rows += 1
        for problem in dict.fromkeys(problems):  # two fields read from one bad cell give one problem
            self.refused.setdefault(problem.reason, ReasonTally()).add(line, problem.message)

    def skip(self, line: int, problem: Problem) -> None:
        self.skipped.setdefault(problem.reason, ReasonTally()).add(line, problem.message)

    def note(self, what: str, count: int = 1) -> None:
        self.notes[what] = self.notes.get(what, 0) + count

    @property
    def skipped_rows(self) -> int:
        return sum(tally.rows for tally in self.skipped.values())

    def counts(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "table": self.target,
            "read": self.read,
            "imported": self.imported,
            "already_there": self.already_there,
            "merged": self.merged,
            "skipped": self.skipped_rows,
            "refused": self.refused_rows,
            "refused_reasons": {reason: tally.rows for reason, tally in self.refused.items()},
            **({"notes": dict(self.notes)} if self.notes else {}),
        }


@dataclass
class ImportReport:
    source: str
    title: str
    mapping: Path
    data_dir: Path
    dry_run: bool
    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def refused_rows(self) -> int:
        return sum(report.refused_rows for report in self.files)

    @property
    def imported(self) -> int:
        return sum(report.imported for report in self.files)

    def file(self, name: str) -> FileReport:
        return next(report for report in self.files if report.file == name)

    def summary(self) -> dict[str, Any]:
        """The counts the audit log keeps for the run (no row content)."""
        return {
            "source": self.source,
            "mapping": self.mapping.name,
            "data_dir": str(self.data_dir),
            "seconds": round(self.seconds, 1),
            "files": [report.counts() for report in self.files],
        }
