"""Rule sets with validity dates (DESIGN §4), the deadlines computed from them, the target
groups and the category proposal at the first conversation.

Two bundled files: `rulesets.toml` holds the law's values, dated, each with its source (a value
not yet confirmed by a passed act is marked pending); `local.toml` holds the municipality's own
choices (Herlev's values) and has the shape of a municipality's rule file, which can change
those local values and nothing else. Both are checked strictly: an unknown key, a law value in a
local file or a value of the wrong type is an error naming the key and the file.

Deadlines: one the jobcentre must meet (the first job conversation, the final visitation, the
activation start, a hearing's decision) moves BACK to the last open day when it lands on a closed
day — a legal limit never stretches; one the citizen must meet (the CV, applying for a job) moves
FORWARD to the next open day.
"""

from __future__ import annotations

import bisect
import calendar as _stdcalendar
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

from jobbutik.domain.errors import JobbutikError
from jobbutik.domain.i18n import _, language
from jobbutik.domain.rules.calendar import DEFAULT_CLOSING_DAYS, Calendar
from jobbutik.domain.vocabulary import Benefit, Category, HearingEvent

__all__ = [
    "AKTIVITETSPARAT",
    "DUTIES",
    "DUTY_OF_EVENT",
    "PROVISIONAL_CATEGORY",
    "Proposal",
    "RuleBook",
    "RuleSet",
    "RuleValue",
    "RulesError",
    "TargetGroup",
    "add_months",
    "category_needs_reason",
    "category_refusal",
    "load_rulebook",
    "override_needs_reason",
    "parse_rules",
    "propose_category",
    "target_group",
]

AKTIVITETSPARAT: Final = Category.AKTIVITETSPARAT.value
# The category a young person not found åbenlyst uddannelsesparat or aktivitetsparat has for the
# first months, until the final visitation (bek. § 6 stk. 3).
PROVISIONAL_CATEGORY: Final = Category.UDDANNELSESPARAT.value
LAW_FILE: Final = "rulesets.toml"
LOCAL_FILE: Final = "local.toml"

# The duties a category may carry, and the event that breaks each: a possible-sanction flag is
# raised only where the category at the time of the event carried the duty.
DUTIES: Final = (
    "apply_for_jobs",
    "accept_job_offer",
    "attend_conversation",
    "attend_activation",
    "cv_on_jobnet",
)
DUTY_OF_EVENT: Final[Mapping[str, str]] = {
    HearingEvent.NOT_APPLIED: "apply_for_jobs",
    HearingEvent.REFUSED_OFFER: "accept_job_offer",
    HearingEvent.NO_SHOW_CONVERSATION: "attend_conversation",
    HearingEvent.ABSENT_ACTIVATION: "attend_activation",
    HearingEvent.CV_MISSING: "cv_on_jobnet",
}

Kind = Literal["law", "local"]


class RulesError(ValueError, JobbutikError):
    """A rule file is missing, unreadable or invalid; the message names the file and the key."""


@dataclass(frozen=True)
class RuleValue:
    """One value of a rule set as `jobbutik rules show` prints it."""

    key: str
    value: object
    kind: Kind
    source: str
    pending: bool = False  # law expected, not yet confirmed by a passed act
    from_set: str = ""  # the set (or file) the value was given in


@dataclass(frozen=True)
class RuleSet:
    name: str
    valid_from: date
    title: str
    source: str
    # -- law --
    benefits: tuple[str, ...]
    youth_track: bool  # False: young people come under the same rules as everyone else
    youth_age_limit: int
    youth_categories: tuple[str, ...]
    other_categories: tuple[str, ...]
    provisional_months: int
    injunction: bool  # the uddannelsespålæg exists
    first_conversation_max_days: int
    cv_deadline_days: int
    aktivitetsparat_reason_youth: bool
    hearing_decision_months: int
    guidance_required: bool
    duties: Mapping[str, frozenset[str]]
    # -- local --
    youth_proposal: str
    other_proposal: str
    activation_for_all: bool
    activation_start_max_days: int
    aktivitetsparat_reason_others: bool
    nytteindsats_warn_weeks: int | None  # None: no warning
    referral_apply_by_working_days: int
    referral_follow_up_working_days: int
    durability_months: int
    retention_years: int
    rights_texts: Mapping[str, str]
    # Every value with its kind and source, in file order (for `rules show`).
    entries: tuple[RuleValue, ...] = field(default=(), compare=False)

    @property
    def categories(self) -> tuple[str, ...]:
        """Every category of the set, the youth groups' first (the order radio buttons show)."""
        youth = self.youth_categories if self.youth_track else ()
        return tuple(dict.fromkeys((*youth, *self.other_categories)))

    def cv_required(self, category: str) -> bool:
        """Whether a citizen in `category` must have a CV on Jobnet by the CV deadline."""
        return "cv_on_jobnet" in self.duties.get(category, ())

    def carries(self, category: str, event: str) -> bool:
        """Whether `category` carries the duty that `event` (a HearingEvent) breaks."""
        return DUTY_OF_EVENT.get(event, "") in self.duties.get(category, ())

    def rights_text(self, lang: str | None = None) -> str:
        """The standard written guidance on rights and duties, in `lang` (else the current
        language; Danish when the set has no text in it)."""
        return self.rights_texts.get(lang or language()) or self.rights_texts.get("da", "")


def add_months(d: date, months: int) -> date:
    """`d` plus whole months; the day is clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    year, month0 = divmod(d.month - 1 + months, 12)
    year += d.year
    last = _stdcalendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last))


def _end_of_month_after(d: date, months: int) -> date:
    """The last day of the `months`th whole calendar month after the month of `d`."""
    first = add_months(d.replace(day=1), months)
    return first.replace(day=_stdcalendar.monthrange(first.year, first.month)[1])


class RuleBook:
    """All rule sets plus the calendar; every deadline uses the set in force on the day it
    counts from."""

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

    def benefits_on(self, day: date) -> tuple[str, ...]:
        """The benefits a citizen can apply for on `day`."""
        return self.in_force(day).benefits

    # -- deadlines the jobcentre must meet: back to the last open day ---------------------------

    def _authority(self, start: date, deadline: date) -> date:
        """`deadline`, or the last open day before it; never before `start`."""
        if self.calendar.is_working_day(deadline):
            return deadline
        return max(start, self.calendar.previous_working_day(deadline))

    def latest_first_conversation(self, first_contact: date) -> date:
        """The first job conversation: within a week of the first henvendelse."""
        days = self.in_force(first_contact).first_conversation_max_days
        return self._authority(first_contact, first_contact + timedelta(days=days))

    def final_visitation(self, first_contact: date) -> date:
        """A provisional uddannelsesparat's final visitation: the months from the first
        henvendelse."""
        months = self.in_force(first_contact).provisional_months
        return self._authority(first_contact, add_months(first_contact, months))

    def latest_activation_start(self, visited_on: date) -> date:
        days = self.in_force(visited_on).activation_start_max_days
        return self._authority(visited_on, visited_on + timedelta(days=days))

    def default_activation_start(self, visited_on: date) -> date:
        """The next working day after the visit, but never later than the latest start."""
        return min(
            self.calendar.next_working_day(visited_on), self.latest_activation_start(visited_on)
        )

    def hearing_due(self, event_on: date) -> date:
        """When a possible sanction must be decided: the end of the third (per the set) whole
        calendar month after the event."""
        months = self.in_force(event_on).hearing_decision_months
        return self._authority(event_on, _end_of_month_after(event_on, months))

    # -- deadlines the citizen must meet: forward to the next open day ------------------------

    def cv_deadline(self, registered_on: date) -> date:
        days = self.in_force(registered_on).cv_deadline_days
        return self.calendar.roll_forward(registered_on + timedelta(days=days))

    def apply_by(self, referred_on: date) -> date:
        n = self.in_force(referred_on).referral_apply_by_working_days
        return self.calendar.add_working_days(referred_on, n)

    # -- the jobcentre's own follow-up days (working days, or the next open day) ---------------

    def referral_follow_up(self, referred_on: date) -> date:
        n = self.in_force(referred_on).referral_follow_up_working_days
        return self.calendar.add_working_days(referred_on, n)

    def durability_check(self, hired_on: date) -> date:
        """The "still in work?" follow-up after a job outcome."""
        months = self.in_force(hired_on).durability_months
        return self.calendar.roll_forward(add_months(hired_on, months))

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


# -- target groups and the category proposal -----------------------------------------------------


@dataclass(frozen=True)
class TargetGroup:
    """The citizen's target group as far as the categories go (bek. § 1 nr. 2–5)."""

    youth: bool  # under the age limit, no erhvervskompetencegivende uddannelse, not integration
    categories: tuple[str, ...]  # the categories the law allows for the group
    reasons: tuple[str, ...]  # translated sentences saying why
    # Questions the group depends on that are not answered yet: the group (and every category
    # choice) is provisional, and the conversation cannot be saved until they are answered.
    asks_education: bool = False
    asks_integration: bool = False

    @property
    def known(self) -> bool:
        return not (self.asks_education or self.asks_integration)


def target_group(
    rules: RuleSet,
    age: int,
    has_qualifying_education: bool | None,
    integration_programme: bool | None,
) -> TargetGroup:
    """Which group the citizen is in. `None` answers are "not asked", never read as "no"."""
    limit = rules.youth_age_limit
    others = rules.other_categories
    if not rules.youth_track:
        return TargetGroup(
            False,
            others,
            (_("Under the rules in force young people come under the same rules as others."),),
        )
    if age >= limit:
        why = _("Aged {age}, which is {limit} or over: the youth groups do not apply.")
        return TargetGroup(False, others, (why.format(age=age, limit=limit),))
    if integration_programme:
        why = _("In the integration programme: the youth groups do not apply.")
        return TargetGroup(False, others, (why,))
    if has_qualifying_education:
        why = _(
            "Has an erhvervskompetencegivende uddannelse (vocational or higher education): the "
            "youth groups do not apply."
        )
        return TargetGroup(False, others, (why,))
    asks_education = has_qualifying_education is None
    asks_integration = integration_programme is None
    if asks_education or asks_integration:
        why = _(
            "Aged {age}, under {limit}: ask whether the citizen has an erhvervskompetencegivende "
            "uddannelse and is in the integration programme. Without either the youth groups "
            "apply; with one of them they do not."
        ).format(age=age, limit=limit)
        return TargetGroup(
            True,
            rules.youth_categories,
            (why,),
            asks_education=asks_education,
            asks_integration=asks_integration,
        )
    why = _(
        "Aged {age}, under {limit}, without an erhvervskompetencegivende uddannelse and not in "
        "the integration programme: the youth groups apply (guidance towards education)."
    ).format(age=age, limit=limit)
    return TargetGroup(True, rules.youth_categories, (why,))


@dataclass(frozen=True)
class Proposal:
    category: str
    youth_track: bool
    reasons: tuple[str, ...]  # translated sentences explaining the proposal
    group: TargetGroup

    @property
    def asks_education(self) -> bool:
        return self.group.asks_education

    @property
    def asks_integration(self) -> bool:
        return self.group.asks_integration


def propose_category(
    rules: RuleSet,
    age: int,
    has_qualifying_education: bool | None,
    integration_programme: bool | None = None,
) -> Proposal:
    """The category to propose at the first conversation (the local starting point within the
    citizen's target group); the consultant may choose another of the group's categories with
    a reason (see `override_needs_reason`)."""
    group = target_group(rules, age, has_qualifying_education, integration_programme)
    category = rules.youth_proposal if group.youth else rules.other_proposal
    if category not in group.categories:  # a local choice outside the group: the group's first
        category = group.categories[0]
    if group.known:
        line = _("Proposed category: {category}.")
    else:
        line = _("Provisional proposal until that is answered: {category}.")
    reasons = (*group.reasons, line.format(category=Category.label_of(category)))
    return Proposal(category=category, youth_track=group.youth, reasons=reasons, group=group)


def category_refusal(rules: RuleSet, group: TargetGroup, chosen: str) -> str | None:
    """Why `chosen` cannot be saved for the group (None: it can)."""
    if chosen in group.categories:
        return None
    allowed = ", ".join(Category.label_of(c) for c in group.categories)
    if chosen not in rules.categories:
        return _("{chosen} is not a category under the rules in force: choose {allowed}.").format(
            chosen=Category.label_of(chosen), allowed=allowed
        )
    if group.youth:
        return _(
            "{chosen} is not for a young person under {limit} without an "
            "erhvervskompetencegivende uddannelse (bek. § 1): choose {allowed}."
        ).format(chosen=Category.label_of(chosen), limit=rules.youth_age_limit, allowed=allowed)
    return _(
        "{chosen} is only for young people under {limit} without an erhvervskompetencegivende "
        "uddannelse, outside the integration programme (bek. § 1): choose {allowed}."
    ).format(chosen=Category.label_of(chosen), limit=rules.youth_age_limit, allowed=allowed)


def override_needs_reason(proposed: str | Proposal, chosen: str) -> bool:
    """Any departure from the proposed category must be explained in writing."""
    category = proposed.category if isinstance(proposed, Proposal) else proposed
    return chosen != category


def category_needs_reason(rules: RuleSet, group: TargetGroup, chosen: str) -> bool:
    """Aktivitetsparat at the first conversation needs a written reason: by law for the youth
    groups (bek. § 6 stk. 2), by local choice for others."""
    if chosen != AKTIVITETSPARAT:
        return False
    return (
        rules.aktivitetsparat_reason_youth if group.youth else rules.aktivitetsparat_reason_others
    )


# -- loading and validation ----------------------------------------------------------------------

_LAW_KEYS: Final[Mapping[str, str]] = {
    "benefits": "benefits",
    "youth_track": "bool",
    "youth_age_limit": "int",
    "youth_categories": "categories",
    "other_categories": "categories",
    "provisional_months": "int",
    "injunction": "bool",
    "first_conversation_max_days": "int",
    "cv_deadline_days": "int",
    "aktivitetsparat_reason_youth": "bool",
    "hearing_decision_months": "int",
    "guidance_required": "bool",
    "duties": "duties",
}
_LOCAL_KEYS: Final[Mapping[str, str]] = {
    "youth_proposal": "category",
    "other_proposal": "category",
    "activation_for_all": "bool",
    "activation_start_max_days": "int",
    "aktivitetsparat_reason_others": "bool",
    "nytteindsats_warn_weeks": "int",
    "referral_apply_by_working_days": "int",
    "referral_follow_up_working_days": "int",
    "durability_months": "int",
    "retention_years": "int",
    "rights_text": "texts",
}
_SET_META: Final = frozenset({"valid_from", "based_on", "title", "source"})
_CALENDAR_KEYS: Final = frozenset({"closing_days", "extra_closing_dates"})
_LAW_TOP: Final = frozenset({"rulesets"})
_LOCAL_TOP: Final = frozenset({"calendar", "local"})
_ENTRY_KEYS: Final = frozenset({"value", "source", "pending"})


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


def _to_text(value: object, source: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _error(source, key, _("expected a text."))
    return value.strip()


def _to_str_tuple(value: object, source: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _error(source, key, _('expected a list of names, like ["jobparat"].'))
    items = tuple(v.strip() for v in value)
    if len(set(items)) != len(items):
        raise _error(source, key, _("a name is listed twice."))
    return items


def _known(items: Sequence[str], allowed: Sequence[str], source: str, key: str) -> None:
    unknown = [i for i in items if i not in allowed]
    if unknown:
        raise _error(
            source,
            key,
            _("unknown: {names}; known: {allowed}.").format(
                names=", ".join(unknown), allowed=", ".join(allowed)
            ),
        )


def _convert(kind: str, value: object, source: str, key: str) -> object:
    if kind == "int":
        return _to_int(value, source, key)
    if kind == "bool":
        if not isinstance(value, bool):
            raise _error(source, key, _("expected true or false."))
        return value
    if kind in ("categories", "benefits"):
        items = _to_str_tuple(value, source, key)
        _known(items, Category.values() if kind == "categories" else Benefit.values(), source, key)
        if not items:
            raise _error(source, key, _("must name at least one."))
        return items
    if kind == "category":
        text = _to_text(value, source, key)
        _known((text,), Category.values(), source, key)
        return text
    if kind == "texts":
        table = _check_table(value, source, key)
        return {lang: _to_text(text, source, f"{key}.{lang}") for lang, text in table.items()}
    if kind == "duties":
        table = _check_table(value, source, key)
        _known(tuple(table), Category.values(), source, key)
        duties: dict[str, frozenset[str]] = {}
        for category, listed in table.items():
            items = _to_str_tuple(listed, source, f"{key}.{category}") if listed else ()
            _known(items, DUTIES, source, f"{key}.{category}")
            duties[category] = frozenset(items)
        return duties
    raise AssertionError(kind)  # pragma: no cover - kinds come from the tables above


def _entry(
    key: str, raw: object, kind_of: str, kind: Kind, source: str, where: str, from_set: str
) -> RuleValue:
    """One value: `{ value, source, pending }` (a plain value only in a municipality's file,
    where the file is its source)."""
    full = f"{where}.{key}"
    if isinstance(raw, dict) and "value" in raw:
        _check_keys(raw, _ENTRY_KEYS, source, full)
        pending = raw.get("pending", False)
        if not isinstance(pending, bool):
            raise _error(source, f"{full}.pending", _("expected true or false."))
        if "source" not in raw:
            raise _error(source, full, _('give the value\'s source (source = "…").'))
        return RuleValue(
            key,
            _convert(kind_of, raw["value"], source, full),
            kind,
            _to_text(raw["source"], source, f"{full}.source"),
            pending,
            from_set,
        )
    if kind == "law":
        raise _error(
            source, full, _('write the value with its source: { value = …, source = "…" }.')
        )
    return RuleValue(key, _convert(kind_of, raw, source, full), kind, source, False, from_set)


@dataclass
class _Draft:
    """A rule set as read, before its base is applied."""

    name: str
    source: str
    meta: dict[str, Any]
    values: dict[str, RuleValue]


def _read_law(data: Mapping[str, Any], source: str) -> list[_Draft]:
    _check_keys(data, _LAW_TOP, source, "")
    drafts: list[_Draft] = []
    rulesets = _check_table(data.get("rulesets", {}), source, "rulesets")
    for name, raw_set in rulesets.items():
        where = f"rulesets.{name}"
        table = _check_table(raw_set, source, where)
        _check_keys(table, _SET_META | frozenset(_LAW_KEYS) | _local_hint(table), source, where)
        for key in table:
            if key in _LOCAL_KEYS:
                raise _error(
                    source,
                    f"{where}.{key}",
                    _("a local choice: give it in the local file ([local]), not a law set."),
                )
        meta: dict[str, Any] = {}
        if "valid_from" not in table:
            raise _error(source, where, _("missing keys: {keys}.").format(keys="valid_from"))
        meta["valid_from"] = _to_date(table["valid_from"], source, f"{where}.valid_from")
        for key in ("based_on", "title", "source"):
            if key in table:
                meta[key] = _to_text(table[key], source, f"{where}.{key}")
        values = {
            key: _entry(key, raw, _LAW_KEYS[key], "law", source, where, name)
            for key, raw in table.items()
            if key in _LAW_KEYS
        }
        drafts.append(_Draft(name, source, meta, values))
    return drafts


def _local_hint(table: Mapping[str, Any]) -> frozenset[str]:
    """Local keys are let through the unknown-key check so the error can say where they go."""
    return frozenset(k for k in table if k in _LOCAL_KEYS)


def _read_local(
    data: Mapping[str, Any],
    source: str,
    local: dict[str, RuleValue],
    calendar: dict[str, object],
) -> None:
    """A local file (the bundled one, then the municipality's): calendar and local values."""
    if "rulesets" in data:
        raise _error(
            source,
            "rulesets",
            _(
                "a municipality's rule file can change only local choices ([local] and "
                "[calendar]); the rule sets are law."
            ),
        )
    _check_keys(data, _LOCAL_TOP, source, "")
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
    if "local" in data:
        table = _check_table(data["local"], source, "local")
        for key in table:
            if key in _LAW_KEYS:
                raise _error(
                    source,
                    f"local.{key}",
                    _("law, not a local choice: a municipality's rule file cannot change it."),
                )
        _check_keys(table, frozenset(_LOCAL_KEYS), source, "local")
        for key, raw in table.items():
            local[key] = _entry(key, raw, _LOCAL_KEYS[key], "local", source, "local", source)


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


def _resolve(drafts: Sequence[_Draft]) -> dict[str, dict[str, RuleValue]]:
    """Each set's law values with its base's filled in (a chain of bases, never a loop)."""
    by_name = {d.name: d for d in drafts}
    resolved: dict[str, dict[str, RuleValue]] = {}

    def values_of(draft: _Draft, seen: tuple[str, ...]) -> dict[str, RuleValue]:
        if draft.name in resolved:
            return resolved[draft.name]
        base_name = draft.meta.get("based_on")
        values: dict[str, RuleValue] = {}
        if base_name is not None:
            base = by_name.get(base_name)
            where = f"rulesets.{draft.name}.based_on"
            if base is None:
                raise _error(
                    draft.source, where, _("no rule set named {name}.").format(name=base_name)
                )
            if base_name in seen:
                raise _error(draft.source, where, _("the sets are based on each other in a loop."))
            values.update(values_of(base, (*seen, draft.name)))
        values.update(draft.values)
        resolved[draft.name] = values
        return values

    for draft in drafts:
        values_of(draft, ())
    return resolved


def _build_ruleset(
    draft: _Draft, law: Mapping[str, RuleValue], local: Mapping[str, RuleValue]
) -> RuleSet:
    where = f"rulesets.{draft.name}"
    missing = sorted(_LAW_KEYS.keys() - law.keys())
    if missing:
        raise _error(
            draft.source, where, _("missing keys: {keys}.").format(keys=", ".join(missing))
        )
    missing = sorted(_LOCAL_KEYS.keys() - local.keys())
    if missing:
        raise _error(
            LOCAL_FILE, "local", _("missing keys: {keys}.").format(keys=", ".join(missing))
        )
    v: dict[str, Any] = {key: entry.value for key, entry in (*law.items(), *local.items())}
    if v["youth_age_limit"] == 0:
        raise _error(draft.source, f"{where}.youth_age_limit", _("must be greater than 0."))
    for key in ("youth_proposal", "other_proposal"):
        group = v["youth_categories"] if key == "youth_proposal" else v["other_categories"]
        if (v["youth_track"] or key == "other_proposal") and v[key] not in group:
            raise _error(
                local[key].source,
                f"local.{key}",
                _("{category} is not one of the group's categories in {set}.").format(
                    category=v[key], set=draft.name
                ),
            )
    entries = (*law.values(), *local.values())
    return RuleSet(
        name=draft.name,
        valid_from=draft.meta["valid_from"],
        title=draft.meta.get("title", draft.name),
        source=draft.meta.get("source", ""),
        benefits=v["benefits"],
        youth_track=v["youth_track"],
        youth_age_limit=v["youth_age_limit"],
        youth_categories=v["youth_categories"],
        other_categories=v["other_categories"],
        provisional_months=v["provisional_months"],
        injunction=v["injunction"],
        first_conversation_max_days=v["first_conversation_max_days"],
        cv_deadline_days=v["cv_deadline_days"],
        aktivitetsparat_reason_youth=v["aktivitetsparat_reason_youth"],
        hearing_decision_months=v["hearing_decision_months"],
        guidance_required=v["guidance_required"],
        duties=v["duties"],
        youth_proposal=v["youth_proposal"],
        other_proposal=v["other_proposal"],
        activation_for_all=v["activation_for_all"],
        activation_start_max_days=v["activation_start_max_days"],
        aktivitetsparat_reason_others=v["aktivitetsparat_reason_others"],
        nytteindsats_warn_weeks=v["nytteindsats_warn_weeks"] or None,
        referral_apply_by_working_days=v["referral_apply_by_working_days"],
        referral_follow_up_working_days=v["referral_follow_up_working_days"],
        durability_months=v["durability_months"],
        retention_years=v["retention_years"],
        rights_texts=v["rights_text"],
        entries=entries,
    )


def _parse_toml(text: str, source: str) -> Mapping[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(
            _("Rule file {file} is not valid TOML: {problem}").format(file=source, problem=exc)
        ) from None


def parse_rules(law: tuple[str, str], local: Sequence[tuple[str, str]]) -> RuleBook:
    """Build a RuleBook from the law file and the local files, each a (source name, TOML text)
    pair; later local files change what earlier ones set."""
    drafts = _read_law(_parse_toml(law[1], law[0]), law[0])
    local_values: dict[str, RuleValue] = {}
    calendar: dict[str, object] = {}
    for source, text in local:
        _read_local(_parse_toml(text, source), source, local_values, calendar)
    resolved = _resolve(drafts)
    rulesets = [_build_ruleset(d, resolved[d.name], local_values) for d in drafts]
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


def _bundled(name: str) -> tuple[str, str]:
    text = resources.files(__package__ or "jobbutik.domain.rules").joinpath(name)
    return f"jobbutik/domain/rules/{name}", text.read_text(encoding="utf-8")


def load_rulebook(override: Path | None = None) -> RuleBook:
    """The bundled law and local rules, with the municipality's `override` file (local choices
    only) applied on top."""
    local = [_bundled(LOCAL_FILE)]
    if override is not None:
        try:
            text = Path(override).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise RulesError(_("Rule file {file} does not exist.").format(file=override)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise RulesError(
                _("Rule file {file} cannot be read: {problem}").format(file=override, problem=exc)
            ) from None
        local.append((str(override), text))
    return parse_rules(_bundled(LAW_FILE), local)
