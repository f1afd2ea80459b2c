"""At most two files are decoded or cleaned at once in a process; a third waits, then gets a 503."""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from upstander.reports import attachments
from upstander.reports.attachments import FileCleaner
from upstander.reports.cleaning_gate import CleaningBusy, CleaningGate
from upstander.reports.document_cleaning import DocumentCleaner
from upstander.reports.file_kinds import DocumentKind
from upstander.reports.rules import FileInput


class Overlap:
    """Counts how many fake cleanings run at the same moment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.done = 0

    def work(self) -> None:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)  # long enough for every other thread to arrive at the gate meanwhile
        with self._lock:
            self.running -= 1
            self.done += 1


class SlowDocuments(DocumentCleaner):
    def __init__(self, overlap: Overlap) -> None:
        super().__init__(None, 1, 256)
        self.overlap = overlap

    def clean(self, data: bytes, kind: DocumentKind, name: str) -> bytes:
        self.overlap.work()
        return data


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(out, format="PNG")
    return out.getvalue()


def test_a_third_caller_waits_for_a_slot_then_is_told_to_retry() -> None:
    gate = CleaningGate(slots=2, wait_seconds=0.05)
    with gate.slot(), gate.slot():
        with pytest.raises(CleaningBusy) as busy, gate.slot():
            pytest.fail("a third slot was given while two were held")
        assert busy.value.status == 503
        assert busy.value.retry_after_seconds == 1
        assert "try again in a minute" in busy.value.detail
    with gate.slot():
        pass  # free again once the two are released


def test_a_waiting_caller_gets_the_slot_as_soon_as_one_is_freed() -> None:
    gate = CleaningGate(slots=1, wait_seconds=5)
    entered = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with gate.slot():
            entered.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert entered.wait(5)
    threading.Timer(0.05, release.set).start()
    with gate.slot():
        pass
    holder.join(5)


def test_no_more_than_two_images_and_documents_are_cleaned_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    overlap = Overlap()
    real_strip = attachments.strip_image_metadata

    def slow_strip(data: bytes, name: str = "image") -> tuple[bytes, str] | None:
        overlap.work()
        return real_strip(data, name)

    monkeypatch.setattr(attachments, "strip_image_metadata", slow_strip)
    cleaner = FileCleaner(CleaningGate(slots=2, wait_seconds=30), SlowDocuments(overlap))
    files = [FileInput(f"photo{i}.png", "image/png", png()) for i in range(4)] + [
        FileInput(f"statement{i}.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n") for i in range(4)
    ]
    with ThreadPoolExecutor(max_workers=len(files)) as pool:
        cleaned = list(pool.map(cleaner.clean, files))

    assert overlap.done == len(files)
    assert overlap.most == 2
    assert [file.content_type for file in cleaned] == ["image/png"] * 4 + ["application/pdf"] * 4


def test_a_gate_needs_a_slot() -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        CleaningGate(slots=0, wait_seconds=1)
