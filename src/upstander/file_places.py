"""Where in a file read from TOML or JSON a validation error points, said as a person finds it there.

Shared by the readers of policy packs and of import mappings, both pydantic models over a file a
person wrote: the error names the place ("states.received.label"), not pydantic's path through
its union branches.
"""

from __future__ import annotations


def place_in(data: object, loc: tuple[int | str, ...], keyed: bool) -> list[int | str]:
    """The path into the file of an error's location, without the union branches pydantic names;
    `keyed` for an error about a key itself (missing or unknown), which is kept at the end."""
    place: list[int | str] = []
    for part in loc:
        found = (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and part < len(data)
        )
        if found:
            data = data[part]  # type: ignore[index]
            place.append(part)
        elif keyed and part == loc[-1]:
            place.append(part)
        elif not isinstance(data, dict | list):
            break
    return place


def written(place: list[int | str]) -> str:
    """`["states", "received", "owed", 0]` as `states.received.owed[0]`."""
    text = ""
    for part in place:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "top level"
