"""Published figures as files: ``analysis/figures/<source>.toml``, each figure a query (see
`analysis.queries`), the value the publication gives, its rounding and its citation.

A figure is reproduced when its query's ``take`` value of the group ``group`` (default ``all``),
multiplied by 100 when ``percent``, rounded to ``places`` decimals by `rules.rounded` (halves away
from zero), equals the published ``value`` exactly.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from upstander.analysis import rules
from upstander.analysis.queries import Query, Unit, Value

FIGURES = Path(__file__).parent / "figures"


class FiguresError(ValueError):
    """A figures file that cannot be used; the message names the file and the figure."""


@dataclass(frozen=True)
class Figure:
    name: str
    says: str  # the publication's words
    query: Query
    take: str
    group: str
    value: Decimal
    places: int
    percent: bool


@dataclass(frozen=True)
class FigureFile:
    source: str
    citation: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Checked:
    figure: Figure
    computed: Decimal | None  # None: the query gave no such value

    @property
    def matches(self) -> bool:
        return self.computed == self.figure.value


def figures_path(source: str) -> Path:
    return FIGURES / f"{source}.toml"


def load_figures(path: Path) -> FigureFile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise FiguresError(f"{path}: cannot be read ({error.strerror or error})") from error
    except tomllib.TOMLDecodeError as error:
        raise FiguresError(f"{path.name}: is not valid TOML ({error})") from error
    figures = tuple(_figure(path.name, index, raw) for index, raw in enumerate(data.get("figures", [])))
    if not figures:
        raise FiguresError(f"{path.name}: lists no [[figures]]")
    return FigureFile(str(data.get("source", path.stem)), str(data.get("citation", "")), figures)


def _figure(file: str, index: int, raw: dict[str, object]) -> Figure:
    where = f"{file}: figures[{index}] ({raw.get('name', 'unnamed')})"
    try:
        ranges = {name: (bounds[0], bounds[1]) for name, bounds in dict(raw.get("ranges", {})).items()}  # type: ignore[call-overload]
        query = Query(
            unit=Unit(str(raw["unit"])),
            only=dict(raw.get("only", {})),  # type: ignore[call-overload]
            ranges=ranges,
            known_person=bool(raw.get("known_person", False)),
            group_by=None if raw.get("group_by") is None else str(raw["group_by"]),
            numerator=None if raw.get("numerator") is None else dict(raw["numerator"]),  # type: ignore[call-overload]
            denominator=dict(raw.get("denominator", {})),  # type: ignore[call-overload]
            many=int(str(raw.get("many", 10))),
            top=Fraction(str(raw.get("top", "1/10"))),
        )
        return Figure(
            name=str(raw["name"]),
            says=str(raw.get("says", "")),
            query=query,
            take=str(raw["take"]),
            group=str(raw.get("group", "all")),
            value=Decimal(str(raw["value"])),
            places=int(str(raw.get("places", 0))),
            percent=bool(raw.get("percent", False)),
        )
    except KeyError as missing:
        raise FiguresError(f"{where}: {missing.args[0]} is missing") from None
    except (ValueError, TypeError, IndexError, InvalidOperation) as error:
        raise FiguresError(f"{where}: {error}") from None


def computed(figure: Figure, result: dict[object, dict[str, Value]]) -> Decimal | None:
    value = result.get(figure.group, {}).get(figure.take)
    if value is None or isinstance(value, dict):
        return None
    exact = Fraction(value) * (100 if figure.percent else 1)
    return rules.rounded(exact, figure.places)
