"""HTTP/1.1 messages of the opening handshake (RFC 7230, as used by RFC 6455 section 4)."""

from __future__ import annotations

import os
import sys
from typing import Final

from .version import version as websockets_version

__all__ = ["SERVER", "USER_AGENT", "Request", "Response"]

PYTHON_VERSION = "{}.{}".format(*sys.version_info)

USER_AGENT = os.environ.get(
    "WEBSOCKETS_USER_AGENT", f"Python/{PYTHON_VERSION} websockets/{websockets_version}"
)
"""Default value of the User-Agent header; set WEBSOCKETS_USER_AGENT to override it."""

SERVER = os.environ.get(
    "WEBSOCKETS_SERVER", f"Python/{PYTHON_VERSION} websockets/{websockets_version}"
)
"""Default value of the Server header; set WEBSOCKETS_SERVER to override it."""

# [[[cog import codegen; print(codegen.limits(), end="") ]]]
# Generated from spec/http.yaml by codegen: do not edit, run `make regen`.


MAX_LINE_LENGTH = int(os.environ.get("WEBSOCKETS_MAX_LINE_LENGTH", "8192"))
"""Maximum length of the request line, the status line or a header line, in bytes. Default 8192; set
WEBSOCKETS_MAX_LINE_LENGTH to override. (RFC 7230 section 3.1.1 (recommends supporting at least 8000
octets).)
"""

MAX_NUM_HEADERS = int(os.environ.get("WEBSOCKETS_MAX_NUM_HEADERS", "128"))
"""Maximum number of header lines in a request or a response. Default 128; set
WEBSOCKETS_MAX_NUM_HEADERS to override. (RFC 7230 section 3.2.5 (servers may bound header
sections).)
"""

MAX_BODY_SIZE = int(os.environ.get("WEBSOCKETS_MAX_BODY_SIZE", "1048576"))
"""Maximum size of a response body read during the handshake, in bytes. Default 1048576; set
WEBSOCKETS_MAX_BODY_SIZE to override. (RFC 7230 section 3.3.3.)
"""


# [[[end]]]

# [[[cog import codegen; print(codegen.header_names(), end="") ]]]
# Generated from spec/http.yaml by codegen: do not edit, run `make regen`.


HOST: Final = "Host"
"""The Host header (RFC 7230 section 5.4)."""
UPGRADE: Final = "Upgrade"
"""The Upgrade header (RFC 7230 section 6.7)."""
CONNECTION: Final = "Connection"
"""The Connection header (RFC 7230 section 6.1)."""
SEC_WEBSOCKET_KEY: Final = "Sec-WebSocket-Key"
"""The Sec-WebSocket-Key header (RFC 6455 section 11.3.1)."""
SEC_WEBSOCKET_ACCEPT: Final = "Sec-WebSocket-Accept"
"""The Sec-WebSocket-Accept header (RFC 6455 section 11.3.3)."""
SEC_WEBSOCKET_VERSION: Final = "Sec-WebSocket-Version"
"""The Sec-WebSocket-Version header (RFC 6455 section 11.3.5)."""
SEC_WEBSOCKET_EXTENSIONS: Final = "Sec-WebSocket-Extensions"
"""The Sec-WebSocket-Extensions header (RFC 6455 section 11.3.2)."""
SEC_WEBSOCKET_PROTOCOL: Final = "Sec-WebSocket-Protocol"
"""The Sec-WebSocket-Protocol header (RFC 6455 section 11.3.4)."""
ORIGIN: Final = "Origin"
"""The Origin header (RFC 6454 section 7)."""
USER_AGENT: Final = "User-Agent"
"""The User-Agent header (RFC 7231 section 5.5.3)."""
SERVER: Final = "Server"
"""The Server header (RFC 7231 section 7.4.2)."""
DATE: Final = "Date"
"""The Date header (RFC 7231 section 7.1.1.2)."""
LOCATION: Final = "Location"
"""The Location header (RFC 7231 section 7.1.2)."""
CONTENT_LENGTH: Final = "Content-Length"
"""The Content-Length header (RFC 7230 section 3.3.2)."""
CONTENT_TYPE: Final = "Content-Type"
"""The Content-Type header (RFC 7231 section 3.1.1.5)."""
TRANSFER_ENCODING: Final = "Transfer-Encoding"
"""The Transfer-Encoding header (RFC 7230 section 3.3.1)."""
AUTHORIZATION: Final = "Authorization"
"""The Authorization header (RFC 7235 section 4.2)."""
WWW_AUTHENTICATE: Final = "WWW-Authenticate"
"""The WWW-Authenticate header (RFC 7235 section 4.1)."""
PROXY_AUTHORIZATION: Final = "Proxy-Authorization"
"""The Proxy-Authorization header (RFC 7235 section 4.4)."""


# [[[end]]]
