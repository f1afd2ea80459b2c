"""Every mapped table, imported in one place for migrations and `alembic check`."""

from upstander.accounts.models import (
    Enrolment,
    OrgKey,
    OrgKeyGrant,
    RateLimitWindow,
    User,
    UserRole,
    WebSession,
)
from upstander.audit.models import AuditCheckpoint, AuditEntry, AuditHead
from upstander.cases.holds.models import LegalHold
from upstander.cases.models import Allegation, Case, CaseEvent, Complainant, Complaint
from upstander.db import Base
from upstander.notify.models import Notification, NotificationChoice
from upstander.org.lists_models import AdvisoryListEntry, BarredListEntry
from upstander.org.models import OrgUnit, Person
from upstander.patterns.escrow.models import EscrowedReport, EscrowKeyPin, EscrowMatchEntry
from upstander.patterns.models import InterventionFlag, SubjectLink
from upstander.reports.models import (
    Attachment,
    CaseKeyGrant,
    IdempotencyRecord,
    Installation,
    Message,
    Note,
    Report,
    ReportKeyGrant,
    ReportSubject,
    RetiredReportKey,
)
from upstander.retention.models import RetentionErasure
from upstander.safeguarding.models import Posting, PostingChange, SeparationOrder
from upstander.store.key_fingerprints import KeyFingerprint

metadata = Base.metadata

__all__ = [
    "AdvisoryListEntry",
    "Allegation",
    "Attachment",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditHead",
    "BarredListEntry",
    "Case",
    "CaseEvent",
    "CaseKeyGrant",
    "Complainant",
    "Complaint",
    "Enrolment",
    "EscrowKeyPin",
    "EscrowMatchEntry",
    "EscrowedReport",
    "IdempotencyRecord",
    "Installation",
    "InterventionFlag",
    "KeyFingerprint",
    "LegalHold",
    "Message",
    "Note",
    "Notification",
    "NotificationChoice",
    "OrgKey",
    "OrgKeyGrant",
    "OrgUnit",
    "Person",
    "Posting",
    "PostingChange",
    "RateLimitWindow",
    "Report",
    "ReportKeyGrant",
    "ReportSubject",
    "RetentionErasure",
    "RetiredReportKey",
    "SeparationOrder",
    "SubjectLink",
    "User",
    "UserRole",
    "WebSession",
    "metadata",
]
