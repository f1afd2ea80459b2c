"""Removing authors, dates, comments and other hidden details from documents, with mat2.

mat2 (the metadata anonymisation toolkit Tails ships) cleans PDF by rebuilding every page as a
picture of itself, so nothing hidden survives: no document information, no XMP, no annotations with
their authors, no text under a black box. Office and OpenDocument files lose their properties,
comments, tracked-change authors, revision ids, custom XML and printer settings.

It runs as a child process, never inside the server: it needs GObject introspection (Poppler,
Cairo) from the system's Python, and a parser of hostile documents belongs outside the process
that holds the keys. The child gets a private folder in memory (/dev/shm where there is one) that
is removed afterwards, an environment with none of the server's variables, an address-space limit
and a time limit.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from upstander.errors import InvalidInput, ServiceUnavailable
from upstander.reports.file_kinds import OOXML, DocumentKind, sniff

log = logging.getLogger("upstander.reports.documents")

NOT_CLEANED = (
    "The document {name!r} could not be cleaned of its hidden details (such as the author's name), so "
    "it was not stored. It may be damaged, protected by a password, or contain parts that cannot be "
    "cleaned. Please save it as a PDF and send that, or take a screenshot of it."
)
TRACKED_CHANGES = (
    "The document {name!r} has tracked changes, which carry the name of whoever made them. It was not "
    "stored. Please accept or reject the changes (in Word: Review, then Accept all), save it, and send "
    "it again."
)
CLEANER_MISSING = (
    "Documents cannot be accepted right now because the tool that cleans them is not installed on the "
    "server, so nothing was sent. Please send photos or screenshots instead, or try again later."
)
# A tracked insertion in WordprocessingML, whatever its namespace prefix (w:ins, not w:instrText).
TRACKED_INSERTION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?ins[\s/>]")
MAX_PART_BYTES = 64 * 1024 * 1024


def default_command() -> str | None:
    """mat2 from the tool environment `make install` builds beside this one, else from PATH."""
    beside = Path(sys.prefix) / "mat2" / "bin" / "mat2"
    if beside.is_file():
        return str(beside)
    return shutil.which("mat2")


def _private_folder() -> str | None:
    shm = Path("/dev/shm")  # noqa: S108 - memory-backed, so a reporter's file never reaches a disk
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def has_tracked_insertions(data: bytes) -> bool:
    """Whether a Word document's body holds tracked insertions.

    mat2 0.15 accepts a tracked insertion by moving its words to a position counted over the whole
    document rather than the paragraph, so they can come out in the wrong place: a statement with
    its sentences out of order is worse than a refusal, so such a document is refused.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            info = package.getinfo("word/document.xml")
            with package.open(info) as body:
                xml = body.read(MAX_PART_BYTES + 1)
    except (KeyError, zipfile.BadZipFile, OSError, RuntimeError, ValueError):
        return False  # not a readable package: mat2 refuses it in its turn
    return len(xml) > MAX_PART_BYTES or TRACKED_INSERTION.search(xml) is not None


class DocumentCleaner:
    """Runs mat2 on one document at a time, in a child process with its own limits."""

    def __init__(self, command: str | None, timeout_seconds: float, memory_mib: int) -> None:
        self.command = command
        self.timeout_seconds = timeout_seconds
        self.memory_mib = memory_mib
        self._prlimit = shutil.which("prlimit")  # util-linux: sets the child's limits, then runs it

    def clean(self, data: bytes, kind: DocumentKind, name: str) -> bytes:
        """The document rebuilt without its metadata; refused (422) when mat2 cannot clean it."""
        if self.command is None or self._prlimit is None:
            log.error("no mat2 or prlimit program: documents cannot be cleaned (see `make install`)")
            raise ServiceUnavailable(CLEANER_MISSING, code="document_cleaner_missing")
        if kind.media_type.startswith(OOXML + "wordprocessingml") and has_tracked_insertions(data):
            raise InvalidInput(TRACKED_CHANGES.format(name=name), fields={"files": "tracked changes"})
        with tempfile.TemporaryDirectory(prefix="upstander-clean-", dir=_private_folder()) as folder:
            path = Path(folder) / ("document" + kind.extension)
            path.write_bytes(data)
            try:
                finished = subprocess.run(  # noqa: S603 - a fixed program on a file name made here
                    [
                        self._prlimit,
                        f"--as={self.memory_mib * 1024 * 1024}",
                        f"--cpu={int(self.timeout_seconds) + 1}",
                        "--",
                        self.command,
                        "--inplace",
                        "--",
                        str(path),
                    ],
                    env={"PATH": "/usr/bin:/bin", "HOME": folder, "TMPDIR": folder, "LANG": "C.UTF-8"},
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    timeout=self.timeout_seconds,
                    check=False,
                )
            except subprocess.TimeoutExpired:
                log.warning("mat2 took longer than %ss on a %s; refused", self.timeout_seconds, kind.label)
                raise self._refused(name) from None
            except OSError as error:
                log.error("mat2 could not be started: %s", type(error).__name__)
                raise ServiceUnavailable(CLEANER_MISSING, code="document_cleaner_missing") from error
            cleaned = path.read_bytes() if path.is_file() else b""
        if finished.returncode != 0 or not cleaned or sniff(cleaned) != kind.media_type:
            # mat2's message names the part it could not clean; it holds no content of the file.
            log.warning(
                "mat2 refused a %s (exit %s): %s",
                kind.label,
                finished.returncode,
                finished.stderr.decode("utf-8", "replace")[-300:].strip(),
            )
            raise self._refused(name)
        return cleaned

    @staticmethod
    def _refused(name: str) -> InvalidInput:
        return InvalidInput(NOT_CLEANED.format(name=name), fields={"files": "document not cleaned"})
