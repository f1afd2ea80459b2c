"""Every installed policy pack, by id and version: a case is always read with the pack it opened under."""

from __future__ import annotations

from pathlib import Path

from upstander.cases.policy.packs import Policy, load_policy
from upstander.errors import NotFound

DEFAULT_PACK = "england-wales"


class PolicyRegistry:
    """Every pack in the policies folder, by id and version: a case is always read with its own."""

    def __init__(self, directory: Path) -> None:
        self._packs: dict[tuple[str, str], Policy] = {}
        for path in sorted(directory.glob("*.toml")):
            policy = load_policy(path)
            self._packs[(policy.id, policy.version)] = policy

    def get(self, pack_id: str, version: str) -> Policy:
        policy = self._packs.get((pack_id, version))
        if policy is None:
            raise NotFound(f"The policy pack {pack_id} {version} is not installed.")
        return policy

    def installed(self) -> list[Policy]:
        return list(self._packs.values())

    def current(self, pack_id: str = DEFAULT_PACK) -> Policy:
        versions = sorted(v for (i, v) in self._packs if i == pack_id)
        if not versions:
            raise NotFound(f"No policy pack {pack_id} is installed.")
        return self._packs[(pack_id, versions[-1])]
