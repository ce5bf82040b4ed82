"""Where each of a plan's values came from, so a correction changes only what still stands.

Every entry notes, per field, the plan version that last set it (`_set_by`). A correction of
version V changes a field only if V still set it; a later revision's value stays. Keys name the
part of the plan a field lives in: "" the plan itself, "child", "profile.preparing_for_adulthood",
"need:<id>", "review:<id>", "stage:<version>".
"""

from __future__ import annotations

from typing import Any

from domain.entities import Correction, Progress
from domain.errors import InvalidEntry


class Provenance:
    """Mixed into OnePlan: the field-level bookkeeping behind corrections."""

    _set_by: dict[str, int]
    reviews: list[Any]
    stage_history: list[Any]

    def _note_fields(self, key: str, fields: dict[str, Any], version: int) -> None:
        for target, attr, _ in self._flatten(key, fields):
            self._set_by[f"{target}.{attr}"] = version

    def _assign(self, key: str, changes: dict[str, Any]) -> None:
        for target, attr, value in self._flatten(key, changes):
            self._set(target, attr, value)

    def _correct(
        self, key: str, changes: dict[str, Any], corrected_version: int, mark: Correction
    ) -> None:
        for target, attr, value in self._flatten(key, changes):
            if self._set_by.get(f"{target}.{attr}") == corrected_version:
                self._set(target, attr, value)
            marked = self._resolve(target)
            if hasattr(marked, "corrected"):
                marked.corrected = mark
        entity = self._resolve(key)
        if hasattr(entity, "corrected"):
            entity.corrected = mark

    def _flatten(self, key: str, fields: dict[str, Any]) -> list[tuple[str, str, Any]]:
        """(target key, attribute, value) for every field, nested dicts as their own targets."""
        flat: list[tuple[str, str, Any]] = []
        for name, value in fields.items():
            if isinstance(value, dict):
                flat.extend(self._flatten(f"{key}.{name}" if key else name, value))
            else:
                flat.append((key, _attribute(key, name), value))
        return flat

    def _resolve(self, key: str) -> Any:
        """The object a key names: "" the plan, "need:<id>" a need, "profile.x" a sub-part."""
        head, _, rest = key.partition(".")
        kind, _, ident = head.partition(":")
        target: Any
        if not head:
            target = self
        elif kind == "review":
            target = next((r for r in self.reviews if str(r.id) == ident), None)
        elif kind == "stage":
            target = next((s for s in self.stage_history if str(s.version) == ident), None)
        elif ident:
            target = getattr(self, f"{kind}s").get(ident)
        else:
            target = getattr(self, kind)
        for part in filter(None, rest.split(".")):
            target = target[part] if isinstance(target, dict) else getattr(target, part)
        return target

    def _set(self, key: str, attr: str, value: Any) -> None:
        target = self._resolve(key)
        if isinstance(target, dict):
            target[attr] = value
        elif target is not None and hasattr(target, attr):
            if attr == "progress":
                value = [Progress(**p) for p in value]
            setattr(target, attr, value)

    def _check_correctable(self, entry: Any, changes: dict[str, Any]) -> None:
        if not changes:
            raise InvalidEntry("changes", "name at least one field to correct")
        identity = {"cycle", _identity_field(entry.entity_key())}
        carried = {k: v for k, v in entry.carried().items() if k not in identity}
        for name, value in changes.items():
            if name not in carried:
                allowed = ", ".join(sorted(carried)) or "nothing"
                raise InvalidEntry(
                    "changes",
                    f"entry {entry.originator_version} ({type(entry).__name__}) did not record "
                    f"'{name}'; it recorded: {allowed}",
                )
            if isinstance(value, dict) and isinstance(carried[name], dict):
                unknown = sorted(set(value) - set(carried[name]))
                if unknown or not value:
                    raise InvalidEntry("changes", f"'{name}' has no field(s) {', '.join(unknown)}")


def _identity_field(entity_key: str) -> str:
    """The field that names the entry itself ("need:<id>" → need_id): never corrected."""
    kind, _, ident = entity_key.partition(":")
    return f"{kind}_id" if ident else ""


def _attribute(key: str, name: str) -> str:
    """The attribute of the plan an entry's field lands on, where the names differ."""
    if name == "occurred_at":
        if key == "":
            return "opened_at"
        if key.startswith("need:"):
            return "identified_at"
    return name
