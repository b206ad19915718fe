"""`jobbutik rules show|deadlines`: the rule set in force and the deadlines an arrival gets.

For consultants, auditors and tests. Needs no database and no user: only the bundled rules and
the municipality's `--rules` file (local choices only). Errors reach the main group's handler:
one line, a non-zero exit.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import click

from jobbutik.cli.report import DATE
from jobbutik.cli.translated import group, option
from jobbutik.domain.dates import format_day
from jobbutik.domain.i18n import N_, _
from jobbutik.domain.rules import RuleBook, RuleSet, RuleValue, load_rulebook
from jobbutik.domain.rules.calendar import danish_public_holidays
from jobbutik.domain.vocabulary import Benefit, Category
from jobbutik.services.config import Settings

WIDTH = 100
INDENT = "    "


def _settings() -> Settings:
    settings = click.get_current_context().find_object(Settings)
    if settings is None:  # pragma: no cover - the main group always sets it
        raise click.UsageError("run this through `jobbutik rules …`")
    return settings


def _rulebook() -> RuleBook:
    return load_rulebook(_settings().rules)


def _today() -> date:
    from jobbutik.domain.clock import Clock

    return Clock(_settings().today).today()


@group(
    name="rules",
    help=N_(
        "The rules the program applies: the rule set in force on a day, and the deadlines an "
        "arrival gets.\n\n"
        "Uses the bundled rules and the municipality's --rules file; needs no database."
    ),
)
def rules_group() -> None:
    pass


# -- rules show ------------------------------------------------------------------------------------


def _names(items: tuple[str, ...], label: type[Category] | type[Benefit]) -> str:
    return ", ".join(label.label_of(i) for i in items)


def _value_lines(entry: RuleValue) -> list[str]:
    """The value as text: one line, or several (a table of duties or texts)."""
    value = entry.value
    if isinstance(value, bool):
        return [_("yes") if value else _("no")]
    if isinstance(value, tuple):
        kind = Benefit if entry.key == "benefits" else Category
        return [_names(value, kind)]
    if isinstance(value, str) and value in Category.values():
        return [Category.label_of(value)]
    if isinstance(value, Mapping):
        lines = []
        for name, listed in value.items():
            items = sorted(listed) if isinstance(listed, frozenset) else [str(listed)]
            head = Category.label_of(name) if entry.key == "duties" else name
            lines.append(f"{head}: {', '.join(items) or '–'}")
        return lines
    return [str(value)]


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(
        text, WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    )


def show_text(book: RuleBook, day: date) -> str:
    """The set in force on `day`, each value with its kind and source, then the calendar."""
    rs = book.in_force(day)
    law, local, pending = _("law"), _("local"), _("pending")
    kind_width = max(len(law), len(local))
    mark_width = len(pending)
    out = [
        _("Rule set in force on {day}: {name} – {title}").format(
            day=format_day(day), name=rs.name, title=rs.title
        ),
        _("Valid from: {day}").format(day=format_day(rs.valid_from)),
        _wrap(_("Source: {source}").format(source=rs.source or "–"), ""),
        _wrap(
            _("Rule sets: {sets}").format(
                sets=", ".join(f"{r.name} ({format_day(r.valid_from)})" for r in book.rulesets)
            ),
            "",
        ),
        "",
        _wrap(
            _(
                "law: set by law, a municipality cannot change it; local: the municipality's "
                "choice (its --rules file); pending: expected, not yet confirmed by a passed act."
            ),
            "",
        ),
        "",
    ]
    for entry in rs.entries:
        kind = law if entry.kind == "law" else local
        mark = pending if entry.pending else ""
        head = f"{kind:<{kind_width}}  {mark:<{mark_width}}  {entry.key} ="
        lines = _value_lines(entry)
        if len(lines) == 1 and len(head) + len(lines[0]) < WIDTH:
            out.append(f"{head} {lines[0]}")
        else:
            out.append(head)
            out.extend(_wrap(line, INDENT * 2) for line in lines)
        out.append(_wrap(_("Source: {source}").format(source=entry.source), INDENT * 2))
    out.extend(["", *_calendar_lines(book, day.year)])
    return "\n".join(out) + "\n"


def _calendar_lines(book: RuleBook, year: int) -> list[str]:
    cal = book.calendar
    every_year = ", ".join(f"{d:02d}.{m:02d}" for m, d in cal.closing_days) or "–"
    once = ", ".join(format_day(d) for d in sorted(cal.extra_closing_dates)) or "–"
    holidays = ", ".join(
        f"{format_day(d)} {_(name)}" for d, name in danish_public_holidays(year).items()
    )
    return [
        _("Closing days (local, every year): {days}").format(days=every_year),
        _("One-off closing dates (local): {days}").format(days=once),
        _wrap(_("Public holidays {year}: {days}").format(year=year, days=holidays), ""),
    ]


@rules_group.command(
    name="show",
    help=N_(
        "Print the rule set in force on a day: each value marked law or local (and pending "
        "where the law is not yet confirmed), with its source; then the closing days."
    ),
)
@option("--date", "day", type=DATE, metavar=N_("DD.MM.YYYY"), help=N_("The day [default: today]."))
def show(day: date | None) -> None:
    book = _rulebook()
    click.echo(show_text(book, day or _today()), nl=False)


# -- rules deadlines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArrivalDeadlines:
    """Every deadline an arrival gets. The first conversation, the CV and the final
    visitation count from the arrival (the first henvendelse); the activation start and the
    referral dates from the conversation."""

    rule_set: str
    first_conversation_by: date
    cv_by: date
    activation_start_by: date
    final_visitation_by: date | None  # None: the youth track does not apply
    referral_apply_by: date
    referral_follow_up_on: date

    def as_json(self) -> dict[str, str | None]:
        return {
            "rule_set": self.rule_set,
            "first_conversation_by": self.first_conversation_by.isoformat(),
            "cv_by": self.cv_by.isoformat(),
            "activation_start_by": self.activation_start_by.isoformat(),
            "final_visitation_by": (
                self.final_visitation_by.isoformat() if self.final_visitation_by else None
            ),
            "referral_apply_by": self.referral_apply_by.isoformat(),
            "referral_follow_up_on": self.referral_follow_up_on.isoformat(),
        }


def _youth_track_applies(rs: RuleSet, age: int | None) -> bool:
    return rs.youth_track and (age is None or age < rs.youth_age_limit)


def arrival_deadlines(
    book: RuleBook, arrived: date, conversation: date, age: int | None = None
) -> ArrivalDeadlines:
    # The category (and so the provisional uddannelsesparat) is given at the conversation:
    # whether the youth track exists is the conversation day's rule set's question.
    youth = _youth_track_applies(book.in_force(conversation), age)
    return ArrivalDeadlines(
        rule_set=book.in_force(arrived).name,
        first_conversation_by=book.latest_first_conversation(arrived),
        cv_by=book.cv_deadline(arrived),
        activation_start_by=book.latest_activation_start(conversation),
        final_visitation_by=book.final_visitation(arrived) if youth else None,
        referral_apply_by=book.apply_by(conversation),
        referral_follow_up_on=book.referral_follow_up(conversation),
    )


def deadlines_text(
    book: RuleBook, found: ArrivalDeadlines, arrived: date, conversation: date
) -> str:
    rs = book.in_force(arrived)
    rows = [
        (_("First job conversation by"), format_day(found.first_conversation_by)),
        (_("CV on Jobnet by"), format_day(found.cv_by)),
        (_("Activation start by"), format_day(found.activation_start_by)),
        (
            _("Final visitation by"),
            format_day(found.final_visitation_by)
            if found.final_visitation_by
            else _("– (the youth track does not apply)"),
        ),
        (_("Apply for a referred job by"), format_day(found.referral_apply_by)),
        (_("Referral follow-up on"), format_day(found.referral_follow_up_on)),
    ]
    width = max(len(label) for label, _value in rows)
    out = [
        _("Rule set: {name} – {title}").format(name=rs.name, title=rs.title),
        _("Arrived (first henvendelse): {day}").format(day=format_day(arrived)),
        _("Conversation: {day}").format(day=format_day(conversation)),
    ]
    later = book.in_force(conversation)
    if later.name != rs.name:
        out.append(
            _("On the conversation day the rule set {name} is in force.").format(name=later.name)
        )
    out.append("")
    out.extend(f"{label + ':':<{width + 1}}  {value}" for label, value in rows)
    return "\n".join(out) + "\n"


@rules_group.command(
    name="deadlines",
    help=N_(
        "Print every deadline an arrival on a day gets.\n\n"
        "The first job conversation, the CV and the final visitation count from the arrival "
        "(the first henvendelse); the activation start and the referral dates from the "
        "conversation. A deadline the jobcentre must meet moves back to the last open day, one "
        "the citizen must meet forward to the next. The final visitation is left out when the "
        "youth track does not apply (--age at or over the age limit, or no youth track in the "
        "rules)."
    ),
)
@option(
    "--arrived",
    type=DATE,
    required=True,
    metavar=N_("DD.MM.YYYY"),
    help=N_("The day of the arrival (the first henvendelse)."),
)
@option(
    "--conversation",
    type=DATE,
    metavar=N_("DD.MM.YYYY"),
    help=N_("The day of the conversation [default: the arrival day]."),
)
@option(
    "--age",
    type=click.IntRange(min=0, max=130),
    metavar=N_("YEARS"),
    help=N_("The citizen's age [default: not given; the youth track is assumed]."),
)
@option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"], case_sensitive=False),
    default="text",
    show_default=True,
    help=N_("text, or json (dates as YYYY-MM-DD)."),
)
def deadlines(arrived: date, conversation: date | None, age: int | None, fmt: str) -> None:
    conversation = conversation or arrived
    if conversation < arrived:
        raise click.UsageError(
            _("The conversation ({conversation}) cannot be before the arrival ({arrived}).").format(
                conversation=format_day(conversation), arrived=format_day(arrived)
            )
        )
    book = _rulebook()
    found = arrival_deadlines(book, arrived, conversation, age)
    if fmt.lower() == "json":
        click.echo(json.dumps(found.as_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(deadlines_text(book, found, arrived, conversation), nl=False)
