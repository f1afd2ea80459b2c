"""The figures the Invisible Institute published from the Chicago records (the shared data's
README), reproduced from an import of those records through `analysis/figures/cpdp-chicago.toml`.

The records are read in place from the shared data directory (the ``shared_data_dir`` setting);
without them the test is skipped and says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from upstander.analysis import figures, service
from upstander.config import Settings
from upstander.imports.mapping import find_mapping, load_mapping
from upstander.imports.service import import_source
from upstander.services import Services

MAPPING = find_mapping("cpdp-chicago")


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def chicago() -> Path:
    folder = Settings().shared_data_dir / (load_mapping(MAPPING).folder or "")
    if not folder.is_dir():
        pytest.skip(f"the Chicago records are not here ({folder}); they are read in place, never copied")
    return folder


def test_every_published_chicago_figure_is_reproduced(chicago: Path, services: Services) -> None:
    report = import_source(services.database, MAPPING, chicago)
    assert report.refused_rows == 0
    sheet = figures.load_figures(figures.figures_path("cpdp-chicago"))

    with services.database.transaction() as session:
        checked = service.check_figures(session, sheet)

    assert len(checked) == 12
    assert {item.figure.name: str(item.computed) for item in checked} == {
        item.figure.name: str(item.figure.value) for item in checked
    }
