"""HTTP Basic Authentication for servers: the parts the asyncio and threading layers share.

Each layer builds its own ``basic_auth`` hook around these helpers; they differ only in
whether checking credentials may await.

"""

from __future__ import annotations

import hmac
import http
from collections.abc import Callable, Iterable
from typing import cast

from .datastructures import MultipleValuesError
from .exceptions import InvalidHeader
from .headers import build_www_authenticate_basic, parse_authorization_basic
from .http11 import Request, Response
from .typing import StatusLike

__all__ = ["check_arguments", "read_credentials", "static_checker", "unauthorized"]


def check_arguments(
    realm: str,
    credentials: object,
    check_credentials: object,
) -> str:
    """Check the arguments of ``basic_auth``; return the WWW-Authenticate header value.

    Raises:
        ValueError: Unless exactly one of ``credentials`` and ``check_credentials`` is
            given, or if ``realm`` contains control characters.

    """
    if (credentials is None) == (check_credentials is None):
        raise ValueError("provide either credentials or check_credentials")
    return build_www_authenticate_basic(realm)


def static_checker(
    credentials: tuple[str, str] | Iterable[tuple[str, str]],
) -> Callable[[str, str], bool]:
    """Return a function telling whether a username and password are in ``credentials``.

    Raises:
        TypeError: If ``credentials`` isn't a pair of str or an iterable of them.

    """
    expected = _credentials_table(credentials)

    def check(username: str, password: str) -> bool:
        try:
            known = expected[username]
        except KeyError:
            return False
        # Compare bytes: compare_digest refuses non-ASCII str.
        return hmac.compare_digest(known.encode(), password.encode())

    return check


def read_credentials(request: Request) -> tuple[str, str] | str:
    """Return the username and password of ``request``, or why they're unusable.

    The explanation is the body of the 401 response to send.

    """
    try:
        authorization = request.headers["Authorization"]
    except KeyError:
        return "Missing credentials\n"
    except MultipleValuesError:
        return "Unsupported credentials\n"
    try:
        return parse_authorization_basic(authorization)
    except InvalidHeader:
        return "Unsupported credentials\n"


def unauthorized(
    respond: Callable[[StatusLike, str], Response], text: str, www_authenticate: str
) -> Response:
    """Build a 401 response with ``text`` as body, asking for Basic credentials."""
    response = respond(http.HTTPStatus.UNAUTHORIZED, text)
    response.headers["WWW-Authenticate"] = www_authenticate
    return response


def _credentials_table(
    credentials: tuple[str, str] | Iterable[tuple[str, str]],
) -> dict[str, str]:
    """Check the ``credentials`` argument of ``basic_auth``; map usernames to passwords."""
    value = cast(object, credentials)  # callers without type checking may pass anything
    if _is_pair_of_str(value):
        pairs = [cast("tuple[str, str]", value)]
    elif isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        items = list(cast("Iterable[object]", value))
        if not all(_is_pair_of_str(item) for item in items):
            raise TypeError(f"invalid credentials argument: {credentials!r}")
        pairs = cast("list[tuple[str, str]]", items)
    else:
        raise TypeError(f"invalid credentials argument: {credentials!r}")
    return dict(pairs)


def _is_pair_of_str(value: object) -> bool:
    if not isinstance(value, (tuple, list)):
        return False
    items = cast("tuple[object, ...] | list[object]", value)
    return len(items) == 2 and all(isinstance(item, str) for item in items)
