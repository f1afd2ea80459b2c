"""Policy packs: a jurisdiction's misconduct process as data (TOML), loaded into frozen dataclasses.

A pack names its states, the steps between them (who may take each, which fields it needs), the
severities, findings and sanctions, the forums and what each may impose, the kinds of closure, the
mandatory-referral criteria and the clocks. The engine in ``cases/engine/rules.py`` reads only this; a new
jurisdiction is a new pack, not new code. Every case records the pack id and version it runs under.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from pathlib import Path

from upstander.cases.policy.checks import check_policy
from upstander.cases.policy.model import (
    ActionSpec,
    AppealSpec,
    Calendar,
    ClockSpec,
    ClosureSpec,
    FindingSpec,
    ForumSpec,
    InvestigationMode,
    Period,
    Policy,
    ProgressReports,
    Referral,
    ReferralRule,
    SanctionSpec,
    SeveritySpec,
    StateSpec,
)
from upstander.cases.policy.reader import PolicyError, build_policy

__all__ = [
    "ActionSpec",
    "AppealSpec",
    "Calendar",
    "ClockSpec",
    "ClosureSpec",
    "FindingSpec",
    "ForumSpec",
    "InvestigationMode",
    "Period",
    "Policy",
    "PolicyError",
    "ProgressReports",
    "Referral",
    "ReferralRule",
    "SanctionSpec",
    "SeveritySpec",
    "StateSpec",
    "load_policy",
    "parse_policy",
    "policy_from_mapping",
]


def load_policy(path: Path) -> Policy:
    """Read and check a pack file; a mistake raises PolicyError naming the file and the bad key."""
    return parse_policy(path.read_text(encoding="utf-8"), source=str(path))


def parse_policy(text: str, *, source: str = "<policy>") -> Policy:
    return _parsed(text, source)


# A pack is frozen once read, and every build of the services (one per command, server and test)
# reads each installed pack: the same text read once per process is the same pack.
@functools.lru_cache(maxsize=32)
def _parsed(text: str, source: str) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{source}: not valid TOML: {error}") from error
    return policy_from_mapping(data, source=source)


def policy_from_mapping(data: Mapping[str, object], *, source: str = "<policy>") -> Policy:
    """Build and check a pack from already-parsed TOML (a dict of tables)."""
    policy = build_policy(data, source)
    check_policy(policy, source)
    return policy
