"""A case-insensitive, multi-valued container for HTTP headers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Protocol, runtime_checkable

__all__ = ["Headers", "HeadersLike", "MultipleValuesError"]


class MultipleValuesError(LookupError):
    """Raised when a header that has several values is read as a single value."""

    def __str__(self) -> str:
        # Read like KeyError: the repr of the header name, so that an empty name still shows.
        if len(self.args) == 1:
            return repr(self.args[0])
        return super().__str__()


class Headers(MutableMapping[str, str]):
    """HTTP headers: a mapping with case-insensitive keys and possibly several values per key.

    ``headers[name]`` returns the only value of ``name``; it raises :exc:`KeyError` when there
    is none and :exc:`MultipleValuesError` when there are several, which :meth:`get_all`
    returns. ``headers[name] = value`` adds a value, it doesn't replace existing ones;
    ``del headers[name]`` removes them all.

    Iterating gives the lower-cased names once each; :meth:`raw_items` gives every
    ``(name, value)`` pair as it was set, in order, with the original case.

    """

    __slots__ = ["_dict", "_list"]

    _dict: dict[str, list[str]]  # lower-cased name -> values, for lookups
    _list: list[tuple[str, str]]  # pairs as set, for serialization and raw_items()

    def __init__(self, *args: HeadersLike, **kwargs: str) -> None:
        self._dict = {}
        self._list = []
        self.update(*args, **kwargs)

    def __str__(self) -> str:
        return "".join(f"{name}: {value}\r\n" for name, value in self._list) + "\r\n"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._list!r})"

    def copy(self) -> Headers:
        """Return a copy that evolves independently of this one."""
        copy = type(self)()
        # Copy the lists of values too: adding a value to the copy mustn't change self.
        copy._dict = {name: values.copy() for name, values in self._dict.items()}
        copy._list = self._list.copy()
        return copy

    def serialize(self) -> bytes:
        """Return the header lines and the blank line ending them, as sent on the wire.

        Values parsed from the wire hold undecodable bytes as lone surrogates;
        ``surrogateescape`` turns them back into the same bytes.

        """
        return str(self).encode("utf-8", "surrogateescape")

    # Mapping methods. Keys are case-insensitive, so they're lower-cased before lookups.

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._dict

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __getitem__(self, key: str) -> str:
        try:
            values = self._dict[key.lower()]
        except KeyError:
            raise KeyError(key) from None  # name the header as the caller spelled it
        if len(values) == 1:
            return values[0]
        raise MultipleValuesError(key)

    def __setitem__(self, key: str, value: str) -> None:
        self._dict.setdefault(key.lower(), []).append(value)
        self._list.append((key, value))

    def __delitem__(self, key: str) -> None:
        lower = key.lower()
        if lower not in self._dict:
            raise KeyError(key)
        del self._dict[lower]
        self._list = [(name, value) for name, value in self._list if name.lower() != lower]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return self._dict == other._dict

    def clear(self) -> None:
        """Remove all headers."""
        self._dict = {}
        self._list = []

    def update(self, *args: HeadersLike, **kwargs: str) -> None:
        """Add the headers of each argument, then the keyword arguments, in order.

        An argument may be a :class:`Headers`, whose values are all added, a mapping or any
        object with ``keys()`` and ``__getitem__``, or an iterable of ``(name, value)`` pairs.
        Like ``headers[name] = value``, this adds values rather than replacing them.

        """
        for arg in args:
            if isinstance(arg, Headers):
                pairs: Iterable[tuple[str, str]] = arg.raw_items()
            elif isinstance(arg, SupportsKeysAndGetItem):
                # Iterating may not give the keys: only keys() is guaranteed to.
                pairs = [(key, arg[key]) for key in arg.keys()]  # noqa: SIM118
            else:
                pairs = arg
            for key, value in pairs:
                self[key] = value
        for key, value in kwargs.items():
            self[key] = value

    # Multi-valued access.

    def get_all(self, key: str) -> list[str]:
        """Return every value of ``key``, in order; an empty list when it's absent."""
        return self._dict.get(key.lower(), []).copy()

    def raw_items(self) -> Iterator[tuple[str, str]]:
        """Return an iterator over all ``(name, value)`` pairs, in order, with the original case."""
        return iter(self._list)


@runtime_checkable
class SupportsKeysAndGetItem(Protocol):
    """Any object with ``keys()`` and ``__getitem__``, such as a mapping, from str to str."""

    def keys(self) -> Iterable[str]:
        """Return the keys."""
        ...

    def __getitem__(self, key: str, /) -> str:
        """Return the value of a key."""
        ...


HeadersLike = Headers | Mapping[str, str] | Iterable[tuple[str, str]] | SupportsKeysAndGetItem
"""Types accepted where :class:`Headers` is expected."""
