"""The words reports use for stored values (statuses, reasons, kinds), translated when shown."""

from __future__ import annotations

from jobbutik.domain.i18n import _

_STATUS = {
    "waiting": "waiting",
    "in_conversation": "in conversation",
    "done": "visited",
    "no_show": "no-show",
    "withdrawn": "turned at the door",
}
_REASON = {"job": "job", "education": "education", "other": "other"}
_KIND = {
    "referral": "Job referral",
    "cv_deadline": "CV deadline",
    "activation_start": "Activation start",
    "category_review": "Category review",
    "nytteindsats_end": "End of nytteindsats",
}
_BENEFIT = {"kontanthjaelp": "kontanthjælp", "uddannelseshjaelp": "uddannelseshjælp"}


def status(value: str) -> str:
    return _(_STATUS.get(value, value))


def withdrawal_reason(value: str) -> str:
    return _(_REASON.get(value, value))


def follow_up_kind(value: str) -> str:
    return _(_KIND.get(value, value))


def benefit(value: str) -> str:
    return _BENEFIT.get(value, value)


def category(value: str) -> str:
    """Categories are Danish legal terms: shown as stored."""
    return value


def _catalog() -> tuple[str, ...]:  # pragma: no cover - never called
    """The msgids above, written out so a catalog extractor finds them."""
    return (
        _("waiting"),
        _("in conversation"),
        _("visited"),
        _("no-show"),
        _("turned at the door"),
        _("job"),
        _("education"),
        _("other"),
        _("Job referral"),
        _("CV deadline"),
        _("Activation start"),
        _("Category review"),
        _("End of nytteindsats"),
    )
