"""What the domain refuses, and why. The HTTP layer maps each kind to one status code."""

from __future__ import annotations

from uuid import UUID


class PlanError(Exception):
    """Base of every refusal the One Plan makes."""


class RuleViolation(PlanError):
    """A rule of the graduated approach refuses the change (HTTP 409)."""

    def __init__(self, rule: str, paragraph: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.paragraph = paragraph
        self.message = message


class InvalidEntry(PlanError):
    """The change names something that does not fit the plan (HTTP 422), by field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class EntryNotFound(PlanError):
    """A need, outcome, provision or participant the plan does not have (HTTP 404)."""

    def __init__(self, kind: str, entry_id: UUID) -> None:
        super().__init__(f"this plan has no {kind} {entry_id}")
        self.kind = kind
        self.entry_id = entry_id
