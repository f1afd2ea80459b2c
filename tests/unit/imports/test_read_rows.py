"""The import reads each row of a file as csv.DictReader would give it, line numbers included: a
short row's missing cells are None, a long row's extra cells are kept under None, a blank line is
no row, and a quoted cell may hold a line break."""

from __future__ import annotations

import csv
from pathlib import Path

from upstander.imports.service import _read

TEXT = 'cr_id,UID,finding\n1,7,SU\n2,8\n\n3,9,NS,extra,more\n"4",10,"two\nlines"\n5,11,\n'


def test_rows_are_read_as_csv_dictreader_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "accused.csv"
    path.write_text(TEXT, encoding="utf-8")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        expected = [(reader.line_num, row) for row in reader]

    assert list(_read(path)) == expected
    assert [line for line, _ in expected] == [2, 3, 5, 7, 8]
    assert expected[1][1] == {"cr_id": "2", "UID": "8", "finding": None}
    assert expected[2][1][None] == ["extra", "more"]
