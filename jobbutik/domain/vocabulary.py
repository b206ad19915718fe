"""Every stored value with its one label.

Each StrEnum below names the legal values of a column exactly as the database stores them (plain
strings: no data migration when a label changes) and gives each value ONE label, an English msgid
translated when shown (`.label`). Screens, services, reports and the demo import the values and
labels from here rather than spelling them out. Standard library only, so the first screen can
import it before SQLAlchemy is loaded.

Labels are written to stand alone (a table cell, a radio button, a report row): sentence case.
Danish legal terms (jobparat, kontanthjælp, nytteindsats …) stay Danish in every language.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from jobbutik.domain.i18n import N_, _


class Vocabulary(StrEnum):
    """A stored value (the enum's value) with its label (an English msgid)."""

    _value_: str
    msgid: str

    # `msgid` has a default only for the type checker: `Cls(value)` (a lookup) reaches here in
    # its eyes; members are always declared with both.
    def __new__(cls, value: str, msgid: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.msgid = msgid
        return member

    @property
    def label(self) -> str:
        """The label in the current language."""
        return _(self.msgid)

    @classmethod
    def label_of(cls, value: str | None) -> str:
        """The label of a stored value; a value this program does not know is shown as stored
        (it cannot be older data: values never change, but a newer version may add one)."""
        if value is None:
            return ""
        try:
            return cls(value).label
        except ValueError:
            return value

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(member.value for member in cls)


# --- People -----------------------------------------------------------------------------------


class Role(Vocabulary):
    RECEPTION = "reception", N_("Reception")
    CONSULTANT = "consultant", N_("Consultant")
    SUPERVISOR = "supervisor", N_("Supervisor")
    ADMIN = "admin", N_("Admin")


class Permission(Vocabulary):
    """What a role allows (jobbutik.domain.permissions); not stored, named in refusals."""

    REGISTER = "register", N_("Register arrivals")
    SEARCH = "search", N_("Search citizens")
    READ_CITIZEN = "read_citizen", N_("Read a citizen's case")
    VISIT = "visit", N_("Hold visitation conversations")
    FOLLOW_UP = "follow_up", N_("Follow up")
    HEARINGS = "hearings", N_("See possible sanctions and partshøringer")
    REASSIGN = "reassign", N_("Reassign follow-ups")
    RELEASE_CLAIM = "release_claim", N_("Release another desk's conversation")
    MANAGE_OPENINGS = "manage_openings", N_("Manage companies and jobs")
    MANAGE_SITES = "manage_sites", N_("Manage activation sites")
    REPORTS = "reports", N_("Reports")
    IMPORT = "import", N_("Import")
    EXPORT = "export", N_("Export")
    MANAGE_STAFF = "manage_staff", N_("Manage staff")
    AUDIT = "audit", N_("Read the audit log")
    BACKUP = "backup", N_("Back up and restore")
    RETENTION = "retention", N_("Delete old cases")


# --- Arrival and request ----------------------------------------------------------------------


class Benefit(Vocabulary):
    KONTANTHJAELP = "kontanthjaelp", N_("Kontanthjælp")
    UDDANNELSESHJAELP = "uddannelseshjaelp", N_("Uddannelseshjælp")


class RequestStatus(Vocabulary):
    """Request.status: where an arrival is on the day's board."""

    WAITING = "waiting", N_("Waiting")
    IN_CONVERSATION = "in_conversation", N_("In conversation")
    DONE = "done", N_("Visited")
    NO_SHOW = "no_show", N_("No-show")
    WITHDRAWN = "withdrawn", N_("Turned at the door")


class WithdrawalReason(Vocabulary):
    """Withdrawal.reason: why the citizen withdrew the application at the door."""

    JOB = "job", N_("Job")
    EDUCATION = "education", N_("Education")
    OTHER = "other", N_("Other reason")


# --- Visitation -------------------------------------------------------------------------------


class Category(Vocabulary):
    JOBPARAT = "jobparat", N_("Jobparat")
    AKTIVITETSPARAT = "aktivitetsparat", N_("Aktivitetsparat")
    UDDANNELSESPARAT = "uddannelsesparat", N_("Uddannelsesparat")
    AABENLYST_UDDANNELSESPARAT = "åbenlyst uddannelsesparat", N_("Åbenlyst uddannelsesparat")


class DigitalSkills(Vocabulary):
    """Visitation.digital_skills ("" when not asked)."""

    GOOD = "good", N_("Good")
    SOME = "some", N_("Some")
    NONE = "none", N_("None")


# --- Activation -------------------------------------------------------------------------------


class SiteKind(Vocabulary):
    NYTTEINDSATS = "nytteindsats", N_("Nytteindsats")
    COURSE = "course", N_("Course")  # clarifying course at a private provider (anden aktør)
    INTERNSHIP = "internship", N_("Internship")  # company internship (virksomhedspraktik)


class ActivationStatus(Vocabulary):
    PLANNED = "planned", N_("Planned")
    STARTED = "started", N_("Started")
    NO_SHOW = "no_show", N_("No-show")
    ENDED = "ended", N_("Ended")
    ENDED_EARLY = "ended_early", N_("Ended early")


class ActivationOutcome(Vocabulary):
    """Activation.outcome: what an ended activation ended in."""

    EMPLOYED = "employed", N_("Job")
    EDUCATION = "education", N_("Education")
    STOPPED = "stopped", N_("Stopped (other reason)")


# --- Companies and jobs -----------------------------------------------------------------------


class Agreement(Vocabulary):
    """Company.agreement: what the company has agreed to do for the jobcentre's citizens."""

    NONE = "none", N_("None")
    TRAINS = "trains", N_("Trains")
    HIRES = "hires", N_("Hires")
    BOTH = "both", N_("Trains and hires")


class OpeningStatus(Vocabulary):
    OPEN = "open", N_("Open")
    FILLED = "filled", N_("Filled")
    CLOSED = "closed", N_("Closed")


class DanishLevel(Vocabulary):
    """JobOpening.danish_level: the Danish the job needs."""

    NOT_NEEDED = "", N_("Not needed")
    SOME = "some", N_("Some")
    GOOD = "good", N_("Good")
    FLUENT = "fluent", N_("Fluent")


class ReferralOutcome(Vocabulary):
    """Referral.outcome, and FollowUp.outcome of a referral's follow-up."""

    APPLIED = "applied", N_("Applied")
    INTERVIEW = "interview", N_("Interview")
    HIRED = "hired", N_("Hired")
    REJECTED = "rejected", N_("Rejected")
    NOT_APPLIED_GOOD_REASON = "not_applied_good_reason", N_("Did not apply, with good reason")
    # Neutral words: whether a reason is good enough is what the partshøring decides.
    NOT_APPLIED_NO_REASON = "not_applied_no_reason", N_("Did not apply – reason not given")
    # The employer offered the job and the citizen said no (not the employer rejecting them).
    REFUSED_OFFER = "refused_offer", N_("Refused a job offer")


# --- Follow-ups -------------------------------------------------------------------------------


class FollowUpKind(Vocabulary):
    REFERRAL = "referral", N_("Job referral")
    CV_DEADLINE = "cv_deadline", N_("CV deadline")
    ACTIVATION_START = "activation_start", N_("Activation start")
    # The final visitation of a provisional uddannelsesparat citizen (bek. § 6 stk. 3); the
    # stored value keeps its first name.
    CATEGORY_REVIEW = "category_review", N_("Final visitation")
    NYTTEINDSATS_END = "nytteindsats_end", N_("End of nytteindsats period")
    DURABILITY = "durability", N_("Still in work?")


class FollowUpOutcome(Vocabulary):
    """FollowUp.outcome of the kinds other than a referral (those store a ReferralOutcome)."""

    STARTED = "started", N_("Started")
    DID_NOT_SHOW = "did_not_show", N_("Did not show")
    ENDED_EARLY = "ended_early", N_("Ended early")
    CV_DONE = "cv_done", N_("CV is on Jobnet")
    CV_MISSING = "cv_missing", N_("CV still missing")
    REVIEWED = "reviewed", N_("Finally visited")
    CONTINUES = "continues", N_("Continues")
    ENDED = "ended", N_("Ended")
    # Closed by the program: the follow-up lost its purpose because its activation ended.
    ACTIVATION_ENDED = "activation_ended", N_("Activation ended")
    # Closed on request after a hire: a referral follow-up the citizen's new job makes pointless.
    HIRED_ELSEWHERE = "hired_elsewhere", N_("Closed: hired elsewhere")
    # The durability follow-up six months after a job outcome.
    STILL_IN_WORK = "still_in_work", N_("Still in work")
    NO_LONGER_IN_WORK = "no_longer_in_work", N_("No longer in work")


def follow_up_outcome_label(value: str | None) -> str:
    """The label of any FollowUp.outcome (a referral's outcome or one of the others)."""
    if value in ReferralOutcome.values():
        return ReferralOutcome.label_of(value)
    return FollowUpOutcome.label_of(value)


# --- Possible sanctions -----------------------------------------------------------------------


class HearingEvent(Vocabulary):
    """Hearing.event: what happened that may lead to a sanction (a flag, never a decision)."""

    NOT_APPLIED = "not_applied", N_("Did not apply – reason not given")
    REFUSED_OFFER = "refused_offer", N_("Refused a job offer")
    NO_SHOW_CONVERSATION = "no_show_conversation", N_("Did not come to the job conversation")
    ABSENT_ACTIVATION = "absent_activation", N_("Absent from the activation")
    CV_MISSING = "cv_missing", N_("CV not on Jobnet by the deadline")


class HearingStatus(Vocabulary):
    """Hearing.status: the life cycle of a possible-sanction flag."""

    AWAITING = "awaiting", N_("Awaiting partshøring")
    SENT = "sent", N_("Partshøring sent")
    DECIDED = "decided", N_("Decided")


class HearingDecision(Vocabulary):
    """Hearing.decision, once decided (by a person, outside this program's rules)."""

    SANCTION = "sanction", N_("Sanction")
    NO_SANCTION = "no_sanction", N_("No sanction")


# --- Audit log --------------------------------------------------------------------------------


class AuditAction(Vocabulary):
    """AuditEntry.action, labelled as the citizen's access log reads it."""

    READ = "read", N_("Looked up")
    SEARCH = "search", N_("Searched for")
    CREATE = "create", N_("Registered")
    UPDATE = "update", N_("Changed")
    DELETE = "delete", N_("Deleted or anonymised")
    EXPORT = "export", N_("Exported")
    PRINT = "print", N_("Printed")
    IMPORT = "import", N_("Imported")
    # On screen in a list (search results, the Today board, the follow-up list), not opened.
    SHOWN = "shown", N_("Shown in a list")


class AuditEntity(Vocabulary):
    """AuditEntry.entity: what was used, labelled as the citizen's access log reads it."""

    CITIZEN = "citizen", N_("Personal details")
    CITIZEN_HISTORY = "citizen_history", N_("Case history")
    REQUEST = "request", N_("Application (request)")
    VISITATION = "visitation", N_("Visitation conversation")
    ACTIVATION = "activation", N_("Activation")
    FOLLOW_UP = "follow_up", N_("Follow-up")
    FOLLOW_UP_LIST = "follow_up_list", N_("Follow-up list")
    HEARING = "hearing", N_("Possible sanction (partshøring)")
    HEARING_LIST = "hearing_list", N_("List of partshøringer")
    WITHDRAWAL = "withdrawal", N_("Turned at the door")
    REPORT = "report", N_("Report")
    RECEIPT = "receipt", N_("Receipt")
    AUDIT = "audit", N_("Audit log (access request)")
    TODAY_BOARD = "today_board", N_("Today's arrivals")
    SEARCH_RESULTS = "search_results", N_("Search results")
    COMPANY = "company", N_("Company")
    COMPANY_HISTORY = "company_history", N_("Company history")
    JOB_OPENING = "job_opening", N_("Job opening")
    ACTIVATION_SITE = "activation_site", N_("Activation site")
    STAFF = "staff", N_("Staff")
    BACKUP = "backup", N_("Backup")
    RETENTION = "retention", N_("Deletion of old cases")
    DATABASE = "database", N_("Database")


class AuditPurpose(Vocabulary):
    """AuditEntry.purpose, when the use names one ("" otherwise: case work)."""

    REGISTRATION = "registration", N_("Registration")
    VISITATION = "visitation", N_("Visitation")
    ACCESS_REQUEST = "access request", N_("Access request")
    BACKUP = "backup", N_("Backup")
    RESTORE = "restore", N_("Restore")
    RETENTION = "retention", N_("Deletion of old cases")
    RETENTION_REVIEW = "retention review", N_("Review of old cases")
