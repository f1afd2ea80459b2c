"""Peak memory of cleaning an uploaded image, against a small photo measured in the same run.

A PNG's file size says nothing about its pixels: a mostly uniform 7740×7740 picture (60 million
pixels, under the old 60-megapixel ceiling) compresses to about 227 KiB, and decoding it took about
680 MB. Each case runs in a fresh Python process, so one case's memory cannot hide another's:

- ``small photo``: a 1600×1200 JPEG, the baseline;
- ``7740×7740 PNG``: the attack, one upload;
- ``7740×7740 PNG ×3``: three such uploads at once (three threads, as three requests would be);
- ``8160×6144 PNG``: the largest phone photo the new ceiling takes (a 50 MP camera), once and ×3.

For each it prints the process's peak resident memory (``ru_maxrss``, which counts Pillow's pixel
buffers) and Python's own peak (``tracemalloc``, which does not), the growth over the process's
memory before cleaning, and that growth as a multiple of the baseline's. It asserts nothing about
memory or time.

    .venv/bin/python bench/upload_memory.py                     # the code in this checkout
    .venv/bin/python bench/upload_memory.py --source /tmp/old   # another checkout's src/, e.g.
        git archive <commit> src | tar -x -C /tmp/old
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import tracemalloc
from pathlib import Path
from typing import Any

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger

CASES: dict[str, tuple[str, int]] = {
    "small photo (1600×1200 JPEG)": ("photo.jpg", 1),
    "7740×7740 PNG": ("attack.png", 1),
    "7740×7740 PNG ×3 at once": ("attack.png", 3),
    "8160×6144 PNG (50 MP)": ("phone50.png", 1),
    "8160×6144 PNG ×3 at once": ("phone50.png", 3),
}
BASELINE = "small photo (1600×1200 JPEG)"


def mostly_uniform_png(width: int, height: int) -> bytes:
    image = Image.new("RGB", (width, height), (182, 190, 201))
    # A few details, as a real picture of a wall or a sky would have, bring it to ~227 KiB.
    image.paste(Image.effect_noise((120, 120), 40).convert("RGB"), (width // 3, height // 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def small_photo() -> bytes:
    image = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    image.paste(Image.effect_noise((400, 300), 60).convert("RGB"), (100, 100))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def make_samples(folder: Path) -> dict[str, int]:
    samples = {
        "photo.jpg": small_photo(),
        "attack.png": mostly_uniform_png(7740, 7740),
        "phone50.png": mostly_uniform_png(8160, 6144),
    }
    for name, data in samples.items():
        (folder / name).write_bytes(data)
    return {name: len(data) for name, data in samples.items()}


def reset_peak_rss() -> bool:
    """Start the peak over (Linux 4.0+), so that the imports' own peak is not counted."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_bytes() -> int:
    """The peak resident memory since the last reset (VmHWM), else since the process began."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def current_rss_bytes() -> int:
    resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def child(path: Path, copies: int, data_dir: Path) -> dict[str, Any]:
    """Runs in a fresh process: clean `copies` uploads of one file at once, report the peaks."""
    from upstander.errors import DomainError
    from upstander.reports import attachments
    from upstander.reports.rules import FileInput

    try:  # the code of this change: one cleaner per process, with its gate
        from upstander.config import Settings
        from upstander.reports.attachments import FileCleaner

        clean = FileCleaner.from_settings(Settings(data_dir=data_dir)).clean
    except ImportError:  # the code before it: a module function, no gate
        from upstander.reports.attachments import clean_file as clean

    data = path.read_bytes()
    outcomes: list[str] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            cleaned = clean(FileInput(path.name, "image/png", data))
            outcome = f"stored ({len(cleaned.data) // 1024} KiB)"
        except DomainError as error:
            outcome = f"refused {error.status}"
        with lock:
            outcomes.append(outcome)

    before = current_rss_bytes()
    reset = reset_peak_rss()
    tracemalloc.start()
    threads = [threading.Thread(target=one) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _current, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "before": before,
        "peak": peak_rss_bytes(),
        "python_peak": python_peak,
        "outcomes": sorted(set(outcomes)),
        "module": attachments.__file__,
        "peak_reset": reset,
    }


def run_case(source: Path, folder: Path, file_name: str, copies: int) -> dict[str, Any]:
    environment = {**os.environ, "PYTHONPATH": str(source / "src")}
    finished = subprocess.run(  # noqa: S603 - this same script, in a fresh interpreter
        [sys.executable, __file__, "--child", str(folder / file_name), "--copies", str(copies)],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    return result


def mib(value: float) -> str:
    return f"{value / 1_048_576:,.0f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--source", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--copies", type=int, default=1, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        with tempfile.TemporaryDirectory() as data_dir:
            print(json.dumps(child(arguments.child, arguments.copies, Path(data_dir))))
        return 0

    with tempfile.TemporaryDirectory(prefix="upload-memory-") as folder_name:
        folder = Path(folder_name)
        sizes = make_samples(folder)
        print(f"code under test: {arguments.source / 'src'}")
        print("samples: " + ", ".join(f"{name} {size / 1024:,.0f} KiB" for name, size in sizes.items()))
        results = {
            label: run_case(arguments.source, folder, name, copies) for label, (name, copies) in CASES.items()
        }
    print(f"cleaning code loaded from: {results[BASELINE]['module']}")
    if not results[BASELINE]["peak_reset"]:
        print("(the peak could not be reset: it includes the imports' own peak)")

    baseline = results[BASELINE]["peak"] - results[BASELINE]["before"]
    print()
    print(f"{'case':<30} {'peak RSS':>10} {'growth':>10} {'× baseline':>11} {'Python peak':>12}  outcome")
    for label, result in results.items():
        growth = result["peak"] - result["before"]
        print(
            f"{label:<30} {mib(result['peak']):>10} {mib(growth):>10} {growth / max(baseline, 1):>10.1f}× "
            f"{mib(result['python_peak']):>12}  {', '.join(result['outcomes'])}"
        )
    print()
    print("growth = peak resident memory minus the process's resident memory before cleaning;")
    print("Python peak = tracemalloc's peak, which leaves out Pillow's pixel buffers.")
    for label, result in results.items():
        if label == BASELINE:
            continue
        growth = result["peak"] - result["before"]
        ledger.record(
            "upload_memory",
            label,
            growth,
            "bytes of resident memory growth",
            baseline,
            BASELINE,
            round(growth / max(baseline, 1), 3),
            outcomes=result["outcomes"],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
