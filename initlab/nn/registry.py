"""One registry per concept, and the one way to say that a value is not allowed.

A Registry holds the named entries of one concept (activations, init schemes, optimisers,
learning-rate schedules, preprocessing modes, data sets) in registration order.  Config reads its
allowed values from the registries, so registering a new entry makes it selectable everywhere
(validation, controls, links, JSON) at once.

Iterating a Registry yields names (like a tuple of choices, so it can stand wherever a tuple of
allowed values did, integer indexing included); `registry[name]` or `registry.get(name)` gives
the entry, or a FieldError (a ValueError) that names the field, the value and the allowed ones.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator


class FieldError(ValueError):
    """A value that a field (a Config field, a link key, a function's argument) does not allow.

    Carries what a caller needs without reading the message: `.field` (its name), `.value` (what
    was given) and `.allowed` (what it accepts, in words).  str() is the message shown to the
    student, by default "field=value is not allowed: expected <allowed>"; `where` (e.g. "link key
    'b.depth'") is put in front of it.
    """

    def __init__(self, field: str, value: Any, allowed: str, message: str = "",
                 where: str = "") -> None:
        self.field, self.value, self.allowed = field, value, allowed
        self.message = message or f"{field}={value!r} is not allowed: expected {allowed}"
        self.where = where
        super().__init__(f"{where}: {self.message}" if where else self.message)

    def at(self, where: str) -> "FieldError":
        """The same error said of a place: `where` goes in front of the message."""
        return FieldError(self.field, self.value, self.allowed, self.message,
                          f"{where}: {self.where}" if self.where else where)

    def __reduce__(self):
        return type(self), (self.field, self.value, self.allowed, self.message, self.where)


def not_allowed(field: str, value: Any, expected: str | Iterable[str]) -> FieldError:
    """The FieldError for `field=value`: "field=value is not allowed: expected ...".

    expected is a description ("a number in [0, 1]") or the allowed names ("one of 'a', 'b'").
    """
    if not isinstance(expected, str):
        expected = one_of(expected)
    return FieldError(field, value, expected)


def one_of(names: Iterable[Any]) -> str:
    """"one of 'a', 'b', 'c'" for a list of allowed values."""
    return "one of " + ", ".join(repr(n) for n in names)


class Registry:
    """Named entries of one concept, in registration order; `field` is the Config field (or
    argument) whose values they are, used in error messages."""

    def __init__(self, field: str) -> None:
        self.field = field
        self._entries: dict[str, Any] = {}

    def register(self, name: str, entry: Any = None) -> Any:
        """Add `entry` under `name` and return it; without an entry, a decorator:
        ``@REGISTRY.register("name")`` above a function or class."""
        if entry is None:
            def decorate(obj: Any) -> Any:
                self.register(name, obj)
                return obj
            return decorate
        if not isinstance(name, str) or not name:
            raise ValueError(f"a {self.field} needs a non-empty name, got {name!r}")
        if name in self._entries:
            raise ValueError(f"{self.field}={name!r} is already registered")
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> None:
        """Remove an entry (e.g. one a test registered)."""
        self.get(name)
        del self._entries[name]

    def get(self, name: str) -> Any:
        """The entry called name, or a FieldError naming the field and the allowed names."""
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise not_allowed(self.field, name, self._entries) from None

    def __getitem__(self, key: str | int | slice) -> Any:
        """registry["name"] -> the entry; registry[0], registry[1:] -> names, as on a tuple."""
        if isinstance(key, (int, slice)):
            return tuple(self._entries)[key]
        return self.get(key)

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def items(self) -> Iterator[tuple[str, Any]]:
        return iter(tuple(self._entries.items()))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.field!r}: {', '.join(self._entries)})"


def registered_name(registry: Registry) -> Callable[[type], type]:
    """Class decorator: register a class under its `name` attribute."""
    def decorate(cls: type) -> type:
        registry.register(cls.name, cls)
        return cls
    return decorate
