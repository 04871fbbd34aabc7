"""Proxy selection shared by the asyncio and threading clients.

Connecting through proxies isn't implemented yet: when one would be used, clients
refuse to connect with a clear error rather than bypass it silently.

"""

from __future__ import annotations

from typing import Literal

from .exceptions import InvalidProxy
from .uri import WebSocketURI, get_proxy, parse_proxy

__all__ = ["refuse_proxy"]


def refuse_proxy(ws_uri: WebSocketURI, proxy: str | Literal[True] | None) -> None:
    """Raise :exc:`~websockets.exceptions.InvalidProxy` if connecting to ``ws_uri`` needs one.

    ``proxy`` is the argument of ``connect``: True looks up the environment, None
    means a direct connection, and a str is the URL of a proxy.

    """
    proxy_url = get_proxy(ws_uri) if proxy is True else proxy
    if proxy_url is not None:
        parse_proxy(proxy_url)  # an invalid proxy URL gets its own error message
        raise InvalidProxy(
            proxy_url, "proxies aren't supported yet; pass proxy=None to connect directly"
        )
