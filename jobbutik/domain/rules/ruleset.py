"""Rule sets with validity dates (DESIGN §4), the deadlines computed from them, and the
category proposal at the first conversation.

The bundled `default.toml` holds the rule sets; a municipality's override file (same shape) can
change any value of any set, add sets and change the local closing days. Both files are checked
strictly: an unknown key or a value of the wrong type is an error naming the key and the file.
"""

from __future__ import annotations

import bisect
import calendar as _stdcalendar
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Final

from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _
from jobbutik.domain.rules.calendar import DEFAULT_CLOSING_DAYS, Calendar

__all__ = [
    "AKTIVITETSPARAT",
    "DEFAULT_CATEGORY",
    "YOUTH_CATEGORY",
    "Proposal",
    "RuleBook",
    "RuleSet",
    "RulesError",
    "category_needs_reason",
    "load_rulebook",
    "override_needs_reason",
    "parse_rules",
    "propose_category",
]

DEFAULT_CATEGORY: Final = "jobparat"
YOUTH_CATEGORY: Final = "åbenlyst uddannelsesparat"
AKTIVITETSPARAT: Final = "aktivitetsparat"
BUNDLED_NAME: Final = "default.toml"


class RulesError(ValueError, JobbutikError):
    """A rule file is missing, unreadable or invalid; the message names the file and the key."""


@dataclass(frozen=True)
class RuleSet:
    name: str
    valid_from: date
    categories: tuple[str, ...]
    youth_age_limit: int
    first_conversation_max_days: int
    provisional_review_months: int
    cv_deadline_days: int
    cv_categories: tuple[str, ...]
    activation_start_max_days: int
    nytteindsats_warn_weeks: int | None  # None: no warning
    referral_apply_by_working_days: int
    referral_follow_up_working_days: int
    aktivitetsparat_needs_reason: bool

    def cv_required(self, category: str) -> bool:
        """Whether a citizen in `category` must have a CV on Jobnet by the CV deadline."""
        return category in self.cv_categories


def _add_months(d: date, months: int) -> date:
    """`d` plus whole months; the day is clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    year, month0 = divmod(d.month - 1 + months, 12)
    year += d.year
    last = _stdcalendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last))


class RuleBook:
    """All rule sets plus the calendar; every deadline uses the set in force on the given day and
    is moved forward to a working day when it lands on a closed day."""

    def __init__(self, rulesets: Sequence[RuleSet], calendar: Calendar) -> None:
        if not rulesets:
            raise RulesError(_("There must be at least one rule set."))
        self.rulesets: tuple[RuleSet, ...] = tuple(sorted(rulesets, key=lambda r: r.valid_from))
        self.calendar = calendar
        self._starts = [r.valid_from for r in self.rulesets]

    def __repr__(self) -> str:
        sets = ", ".join(f"{r.name}@{r.valid_from.isoformat()}" for r in self.rulesets)
        return f"RuleBook([{sets}], {self.calendar!r})"

    def in_force(self, day: date) -> RuleSet:
        """The set with the latest `valid_from` on or before `day`; before the first set starts,
        the first set."""
        index = bisect.bisect_right(self._starts, day) - 1
        return self.rulesets[max(index, 0)]

    # -- deadlines ------------------------------------------------------------------------------

    def cv_deadline(self, registered_on: date) -> date:
        days = self.in_force(registered_on).cv_deadline_days
        return self.calendar.roll_forward(registered_on + timedelta(days=days))

    def apply_by(self, referred_on: date) -> date:
        n = self.in_force(referred_on).referral_apply_by_working_days
        return self.calendar.add_working_days(referred_on, n)

    def referral_follow_up(self, referred_on: date) -> date:
        n = self.in_force(referred_on).referral_follow_up_working_days
        return self.calendar.add_working_days(referred_on, n)

    def category_review(self, visited_on: date) -> date:
        months = self.in_force(visited_on).provisional_review_months
        return self.calendar.roll_forward(_add_months(visited_on, months))

    def latest_activation_start(self, visited_on: date) -> date:
        days = self.in_force(visited_on).activation_start_max_days
        return self.calendar.roll_forward(visited_on + timedelta(days=days))

    def default_activation_start(self, visited_on: date) -> date:
        """The next working day after the visit, but never later than the latest start."""
        return min(
            self.calendar.next_working_day(visited_on), self.latest_activation_start(visited_on)
        )

    def latest_first_conversation(self, requested_on: date) -> date:
        days = self.in_force(requested_on).first_conversation_max_days
        return self.calendar.roll_forward(requested_on + timedelta(days=days))

    def visitation_slot(self, requested_on: date, consultant_free: bool) -> date:
        """The same day if a consultant is free and the Jobbutik is open, else the next working
        day."""
        if consultant_free and self.calendar.is_working_day(requested_on):
            return requested_on
        return self.calendar.next_working_day(requested_on)

    def nytteindsats_warning(self, start: date) -> date | None:
        """When to warn about a long nytteindsats at one workplace; None when the rule is off."""
        weeks = self.in_force(start).nytteindsats_warn_weeks
        if not weeks:
            return None
        return self.calendar.roll_forward(start + timedelta(weeks=weeks))


# -- category proposal ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    category: str
    youth_track: bool
    reasons: tuple[str, ...]  # translated sentences explaining the proposal
    # The proposal rests on a question not asked yet (education, under the age limit): it is
    # provisional, and the conversation cannot be saved until the question is answered.
    asks_education: bool = False


def propose_category(rules: RuleSet, age: int, has_vocational_education: bool | None) -> Proposal:
    """The category to propose at the first conversation; the consultant may choose another
    (with a reason, see `override_needs_reason`).

    `has_vocational_education` None means not asked. Under the age limit the track depends on
    it (bek. om en aktiv beskæftigelsesindsats § 1), so "not asked" is never read as "no": the
    education track is proposed provisionally and the proposal says to ask."""
    limit = rules.youth_age_limit
    if age < limit and has_vocational_education is None:
        return Proposal(
            category=YOUTH_CATEGORY,
            youth_track=True,
            reasons=(
                _(
                    "Aged {age}, under {limit}: ask whether the citizen has a vocational "
                    "education. Without one the education track applies; with one it does not."
                ).format(age=age, limit=limit),
                _("Provisional proposal until that is answered: {category}.").format(
                    category=YOUTH_CATEGORY
                ),
            ),
            asks_education=True,
        )
    if age < limit and not has_vocational_education:
        return Proposal(
            category=YOUTH_CATEGORY,
            youth_track=True,
            reasons=(
                _(
                    "Aged {age}, under {limit}, and without a vocational education: the education "
                    "track applies (guidance towards education and an education injunction)."
                ).format(limit=limit, age=age),
                _("Proposed category: {category}.").format(category=YOUTH_CATEGORY),
            ),
        )
    if age < limit:
        why = _("Has a vocational education, so the youth education track does not apply.")
    else:
        why = _("Aged {age}, which is {limit} or over: the youth education track does not apply.")
        why = why.format(age=age, limit=limit)
    return Proposal(
        category=DEFAULT_CATEGORY,
        youth_track=False,
        reasons=(why, _("Proposed category: {category}.").format(category=DEFAULT_CATEGORY)),
    )


def override_needs_reason(proposed: str | Proposal, chosen: str) -> bool:
    """Any departure from the proposed category must be explained in writing."""
    category = proposed.category if isinstance(proposed, Proposal) else proposed
    return chosen != category


def category_needs_reason(rules: RuleSet, chosen: str) -> bool:
    """Aktivitetsparat at the first conversation needs a written reason when the rule says so."""
    return rules.aktivitetsparat_needs_reason and chosen == AKTIVITETSPARAT


# -- loading and validation ----------------------------------------------------------------------

_INT_KEYS: Final = (
    "youth_age_limit",
    "first_conversation_max_days",
    "provisional_review_months",
    "cv_deadline_days",
    "activation_start_max_days",
    "nytteindsats_warn_weeks",
    "referral_apply_by_working_days",
    "referral_follow_up_working_days",
)
_LIST_KEYS: Final = ("categories", "cv_categories")
_BOOL_KEYS: Final = ("aktivitetsparat_needs_reason",)
_RULESET_KEYS: Final = frozenset(f.name for f in fields(RuleSet)) - {"name"}
_OPTIONAL_KEYS: Final = frozenset({"nytteindsats_warn_weeks"})
_CALENDAR_KEYS: Final = frozenset({"closing_days", "extra_closing_dates"})
_TOP_KEYS: Final = frozenset({"calendar", "rulesets"})


def _error(source: str, key: str, problem: str) -> RulesError:
    return RulesError(
        _("Rule file {file}: {key}: {problem}").format(file=source, key=key, problem=problem)
    )


def _check_table(value: object, source: str, key: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _error(source, key, _("expected a table ([{key}]).").format(key=key))
    return value


def _check_keys(table: Mapping[str, Any], allowed: frozenset[str], source: str, where: str) -> None:
    for key in table:
        if key not in allowed:
            full = f"{where}.{key}" if where else key
            raise _error(
                source,
                full,
                _("unknown key; allowed here: {allowed}.").format(
                    allowed=", ".join(sorted(allowed))
                ),
            )


def _to_date(value: object, source: str, key: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _error(source, key, _("expected a date like 2025-07-01."))


def _to_int(value: object, source: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _error(source, key, _("expected a whole number."))
    if value < 0:
        raise _error(source, key, _("must not be negative."))
    return value


def _to_str_tuple(value: object, source: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _error(source, key, _('expected a list of names, like ["jobparat"].'))
    items = tuple(v.strip() for v in value)
    if len(set(items)) != len(items):
        raise _error(source, key, _("a name is listed twice."))
    return items


def _month_day(value: object, source: str, key: str) -> tuple[int, int]:
    if isinstance(value, str) and len(value) == 5 and value[2] == "-":
        try:
            d = date.fromisoformat(f"2000-{value}")  # a leap year, so "02-29" is allowed
        except ValueError:
            pass
        else:
            return d.month, d.day
    raise _error(
        source, key, _('expected a month and day like "12-24"; got {value!r}.').format(value=value)
    )


def _convert_value(key: str, value: object, source: str, where: str) -> object:
    full = f"{where}.{key}"
    if key == "valid_from":
        return _to_date(value, source, full)
    if key in _INT_KEYS:
        return _to_int(value, source, full)
    if key in _LIST_KEYS:
        return _to_str_tuple(value, source, full)
    if key in _BOOL_KEYS:
        if not isinstance(value, bool):
            raise _error(source, full, _("expected true or false."))
        return value
    raise AssertionError(key)  # pragma: no cover - keys are checked first


def _merge(
    data: Mapping[str, Any],
    source: str,
    sets: dict[str, dict[str, object]],
    calendar: dict[str, object],
) -> None:
    """Check one parsed rule file and merge it into `sets` / `calendar` (later files win)."""
    _check_keys(data, _TOP_KEYS, source, "")
    if "calendar" in data:
        table = _check_table(data["calendar"], source, "calendar")
        _check_keys(table, _CALENDAR_KEYS, source, "calendar")
        if "closing_days" in table:
            raw = table["closing_days"]
            if not isinstance(raw, list):
                raise _error(source, "calendar.closing_days", _('expected a list like ["12-24"].'))
            calendar["closing_days"] = [_month_day(v, source, "calendar.closing_days") for v in raw]
        if "extra_closing_dates" in table:
            raw = table["extra_closing_dates"]
            if not isinstance(raw, list):
                raise _error(source, "calendar.extra_closing_dates", _("expected a list of dates."))
            calendar["extra_closing_dates"] = [
                _to_date(v, source, "calendar.extra_closing_dates") for v in raw
            ]
    if "rulesets" in data:
        rulesets = _check_table(data["rulesets"], source, "rulesets")
        for name, raw_set in rulesets.items():
            where = f"rulesets.{name}"
            table = _check_table(raw_set, source, where)
            _check_keys(table, _RULESET_KEYS, source, where)
            target = sets.setdefault(name, {})
            target["__source__"] = source  # the last file to touch a set is named in its errors
            for key, value in table.items():
                target[key] = _convert_value(key, value, source, where)


def _build_ruleset(name: str, values: Mapping[str, object]) -> RuleSet:
    source = str(values["__source__"])
    where = f"rulesets.{name}"
    missing = sorted(_RULESET_KEYS - _OPTIONAL_KEYS - values.keys())
    if missing:
        raise _error(source, where, _("missing keys: {keys}.").format(keys=", ".join(missing)))
    v: dict[str, Any] = dict(values)
    categories: tuple[str, ...] = v["categories"]
    for required in (DEFAULT_CATEGORY, YOUTH_CATEGORY):
        if required not in categories:
            raise _error(
                source,
                f"{where}.categories",
                _('must include "{category}" (the category the proposal uses).').format(
                    category=required
                ),
            )
    unknown = [c for c in v["cv_categories"] if c not in categories]
    if unknown:
        raise _error(
            source,
            f"{where}.cv_categories",
            _("not in categories: {names}.").format(names=", ".join(unknown)),
        )
    if v["youth_age_limit"] == 0:
        raise _error(source, f"{where}.youth_age_limit", _("must be greater than 0."))
    return RuleSet(
        name=name,
        valid_from=v["valid_from"],
        categories=categories,
        youth_age_limit=v["youth_age_limit"],
        first_conversation_max_days=v["first_conversation_max_days"],
        provisional_review_months=v["provisional_review_months"],
        cv_deadline_days=v["cv_deadline_days"],
        cv_categories=v["cv_categories"],
        activation_start_max_days=v["activation_start_max_days"],
        nytteindsats_warn_weeks=v.get("nytteindsats_warn_weeks") or None,
        referral_apply_by_working_days=v["referral_apply_by_working_days"],
        referral_follow_up_working_days=v["referral_follow_up_working_days"],
        aktivitetsparat_needs_reason=v["aktivitetsparat_needs_reason"],
    )


def _parse_toml(text: str, source: str) -> Mapping[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(
            _("Rule file {file} is not valid TOML: {problem}").format(file=source, problem=exc)
        ) from None


def parse_rules(files: Sequence[tuple[str, str]]) -> RuleBook:
    """Build a RuleBook from (source name, TOML text) pairs; later files override earlier ones."""
    sets: dict[str, dict[str, object]] = {}
    calendar: dict[str, object] = {}
    for source, text in files:
        _merge(_parse_toml(text, source), source, sets, calendar)
    rulesets = [_build_ruleset(name, values) for name, values in sets.items()]
    by_start: dict[date, str] = {}
    for rs in rulesets:
        if rs.valid_from in by_start:
            raise RulesError(
                _("Rule sets {first} and {second} both start on {date}.").format(
                    first=by_start[rs.valid_from], second=rs.name, date=rs.valid_from.isoformat()
                )
            )
        by_start[rs.valid_from] = rs.name
    closing: Any = calendar.get("closing_days", DEFAULT_CLOSING_DAYS)
    extra: Any = calendar.get("extra_closing_dates", ())
    return RuleBook(rulesets, Calendar(closing_days=closing, extra_closing_dates=extra))


def load_rulebook(override: Path | None = None) -> RuleBook:
    """The bundled rule sets, with the municipality's `override` file applied on top."""
    bundled = resources.files(__package__ or "jobbutik.domain.rules").joinpath(BUNDLED_NAME)
    files = [(f"jobbutik/domain/rules/{BUNDLED_NAME}", bundled.read_text(encoding="utf-8"))]
    if override is not None:
        try:
            text = Path(override).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise RulesError(_("Rule file {file} does not exist.").format(file=override)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RulesError(
                _("Rule file {file} cannot be read: {problem}").format(file=override, problem=exc)
            ) from None
        files.append((str(override), text))
    return parse_rules(files)
