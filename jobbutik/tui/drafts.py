"""What forms hold between openings: one typed store, keyed by form and subject.

A draft is kept when a form is closed with Escape, refused by its service or closed by the app,
and dropped when the form saves. Values are plain data (dicts of field values, small dataclasses)
so that a later version can keep them in the database per member of staff."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

T = TypeVar("T")


@dataclass(frozen=True)
class DraftKey(Generic[T]):
    """Which form (`form`) for what (`subject`: a request id, a company id, None for a new one)."""

    form: str
    subject: Hashable = None


class DraftStore:
    def __init__(self) -> None:
        self._drafts: dict[DraftKey[Any], object] = {}

    def get(self, key: DraftKey[T]) -> T | None:
        return cast("T | None", self._drafts.get(key))

    def put(self, key: DraftKey[T], value: T) -> None:
        self._drafts[key] = value

    def drop(self, key: DraftKey[Any]) -> None:
        self._drafts.pop(key, None)
