"""Rule sets with validity dates and the calendar of working days (no Textual here)."""

from jobbutik.domain.rules.calendar import DEFAULT_CLOSING_DAYS, Calendar, danish_public_holidays
from jobbutik.domain.rules.ruleset import (
    AKTIVITETSPARAT,
    DEFAULT_CATEGORY,
    YOUTH_CATEGORY,
    Proposal,
    RuleBook,
    RulesError,
    RuleSet,
    category_needs_reason,
    load_rulebook,
    override_needs_reason,
    parse_rules,
    propose_category,
)

__all__ = [
    "AKTIVITETSPARAT",
    "DEFAULT_CATEGORY",
    "DEFAULT_CLOSING_DAYS",
    "YOUTH_CATEGORY",
    "Calendar",
    "Proposal",
    "RuleBook",
    "RuleSet",
    "RulesError",
    "category_needs_reason",
    "danish_public_holidays",
    "load_rulebook",
    "override_needs_reason",
    "parse_rules",
    "propose_category",
]
