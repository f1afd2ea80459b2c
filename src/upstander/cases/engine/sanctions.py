"""Which forum a case may go to, what that forum may find, and which sanctions it may impose."""

from __future__ import annotations

from upstander.cases.engine.state import CaseState
from upstander.cases.engine.vocabulary import either, sentence, with_article
from upstander.cases.policy.packs import FindingSpec, ForumSpec, Policy, SanctionSpec


def allowed_severities(forum: ForumSpec, state: CaseState) -> frozenset[str]:
    """The severities this forum hears for this officer: former officers and warnings change them."""
    if state.former_officer:
        return forum.former_officer_severities
    if state.final_written_warning_in_force:
        return forum.severities_if_final_warning_in_force
    return forum.severities


def forum_refusal(policy: Policy, state: CaseState, forum: ForumSpec) -> str | None:
    """Why the case cannot go to this forum now, or None.

    Misconduct goes to a misconduct meeting, gross misconduct to a misconduct hearing, and misconduct
    goes to a hearing instead when a final written warning was in force at the severity assessment
    (Police (Conduct) Regulations 2020, regs 23 and 42(5)). Against a former officer only gross
    misconduct proceeds, and only to a hearing (reg. 4 and Schedule 1).
    """
    if state.status not in forum.from_states:
        where = either(policy.state_label(s) for s in sorted(forum.from_states))
        return f"A case can be referred to {with_article(forum.label)} only when it is {where}."
    allowed = allowed_severities(forum, state)
    if state.severity in allowed:
        return None
    severity = policy.severity_label(state.severity)
    others = [
        f.label
        for f in policy.forums.values()
        if f.id != forum.id
        and state.severity in allowed_severities(f, state)
        and state.status in f.from_states
    ]
    instead = f" It can go to {either(with_article(o) for o in others)} instead." if others else ""
    if state.former_officer:
        if not allowed:
            return f"{sentence(with_article(forum.label))} cannot be held for a former officer.{instead}"
        return (
            f"Against a former officer only {either(policy.severity_label(s) for s in sorted(allowed))} "
            f"can go to {with_article(forum.label)}; this case is {severity}.{instead}"
        )
    if state.final_written_warning_in_force and state.severity in forum.severities:
        return (
            f"The officer had a final written warning in force at the severity assessment, so {severity} "
            f"cannot go to {with_article(forum.label)}.{instead}"
        )
    needs = either(policy.severity_label(s) for s in sorted(allowed)) or "no case"
    return f"{sentence(with_article(forum.label))} is for {needs}; this case is {severity}.{instead}"


def eligible_forums(policy: Policy, state: CaseState) -> tuple[ForumSpec, ...]:
    return tuple(forum for forum in policy.forums.values() if forum_refusal(policy, state, forum) is None)


def finding_refusal(policy: Policy, forum: ForumSpec, finding: FindingSpec) -> str | None:
    """A meeting decides misconduct only; it cannot find gross misconduct (reg. 23)."""
    ceiling = policy.findings[forum.max_finding]
    if finding.rank > ceiling.rank:
        return f"{sentence(with_article(forum.label))} cannot find {finding.label}; the most it can find is {ceiling.label}."
    return None


def highest_finding(policy: Policy, state: CaseState) -> FindingSpec | None:
    specs = [policy.findings[f.finding] for f in state.findings if f.finding in policy.findings]
    return max(specs, key=lambda spec: spec.rank, default=None)


def _fits_finding(sanction: SanctionSpec, state: CaseState, finding: str | None) -> bool:
    if state.former_officer:
        return finding in sanction.former_officer_findings
    if finding in sanction.findings:
        return True
    return state.final_written_warning_in_force and finding in sanction.findings_if_final_warning_in_force


def sanction_refusal(
    policy: Policy, state: CaseState, forum: ForumSpec, sanction: SanctionSpec
) -> str | None:
    """Why this outcome cannot be given, or None.

    A meeting may give at most a final written warning; a hearing may reduce in rank or dismiss without
    notice for gross misconduct, or for misconduct when a final written warning was in force (Police
    (Conduct) Regulations 2020, reg. 42(2), (3) and (5)). A former officer's only disciplinary outcome is
    a finding that they would have been dismissed (Police Appeals Tribunals Rules 2020, rule 3(1)).
    """
    ceiling = policy.sanctions[forum.max_sanction]
    if sanction.id not in forum.sanctions:
        if sanction.rank > ceiling.rank:
            return f"{sentence(with_article(forum.label))} cannot impose {sanction.label}: the most it can impose is {ceiling.label}."
        return f"{sentence(sanction.label)} is not an outcome {with_article(forum.label)} can give."
    highest = highest_finding(policy, state)
    finding_id = highest.id if highest else None
    if _fits_finding(sanction, state, finding_id):
        return None
    options = either(s.label for s in available_sanctions(policy, state, forum))
    finding = highest.label if highest else "no finding"
    who = "a former officer" if state.former_officer else "the officer"
    return (
        f"{sentence(sanction.label)} cannot follow a finding of {finding} for {who}; "
        f"the outcome can be {options or 'none of those available'}."
    )


def available_sanctions(policy: Policy, state: CaseState, forum: ForumSpec) -> tuple[SanctionSpec, ...]:
    highest = highest_finding(policy, state)
    finding_id = highest.id if highest else None
    return tuple(
        policy.sanctions[s] for s in forum.sanctions if _fits_finding(policy.sanctions[s], state, finding_id)
    )
