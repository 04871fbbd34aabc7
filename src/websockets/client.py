"""The client side of the WebSocket protocol, without I/O (RFC 6455, section 4.1)."""

from __future__ import annotations

import os
import random
import warnings
from collections.abc import Generator, Sequence
from typing import Any

from .datastructures import Headers, MultipleValuesError
from .exceptions import (
    InvalidHandshake,
    InvalidHeader,
    InvalidHeaderValue,
    InvalidMessage,
    InvalidStatus,
    NegotiationError,
)
from .extensions.base import ClientExtensionFactory, Extension
from .headers import (
    AUTHORIZATION,
    CONNECTION,
    HOST,
    ORIGIN,
    SEC_WEBSOCKET_ACCEPT,
    SEC_WEBSOCKET_EXTENSIONS,
    SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_PROTOCOL,
    SEC_WEBSOCKET_VERSION,
    UPGRADE,
    build_authorization_basic,
    build_extension,
    build_host,
    build_subprotocol,
    parse_extension,
    parse_subprotocol,
    validate_upgrade,
)
from .http11 import Request, Response
from .protocol import CLIENT, CONNECTING, OPEN, Protocol, State
from .typing import LoggerLike, Origin, Subprotocol
from .uri import WebSocketURI
from .utils import accept_key, generate_key

__all__ = ["ClientProtocol"]


class ClientProtocol(Protocol):
    """The Sans-I/O implementation of a WebSocket client connection.

    Args:
        uri: URI of the WebSocket server, parsed with :func:`~websockets.uri.parse_uri`.
        origin: Value of the Origin header, for servers that require it.
        extensions: Extensions to offer, in order of preference.
        subprotocols: Subprotocols to offer, in order of preference.
        state: Initial state; CONNECTING unless the handshake happened elsewhere.
        max_size: Largest incoming message accepted, in bytes; None for no limit.
        logger: Logger for this connection; ``websockets.client`` by default.

    """

    __slots__ = (
        "available_extensions",
        "available_subprotocols",
        "key",
        "origin",
        "subprotocol",
        "uri",
    )

    def __init__(
        self,
        uri: WebSocketURI,
        *,
        origin: Origin | None = None,
        extensions: Sequence[ClientExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        state: State = CONNECTING,
        max_size: int | None = 2**20,
        logger: LoggerLike | None = None,
    ) -> None:
        self.uri: WebSocketURI = uri
        self.origin: Origin | None = origin
        self.available_extensions: Sequence[ClientExtensionFactory] | None = extensions
        self.available_subprotocols: Sequence[Subprotocol] | None = subprotocols
        self.key: str = generate_key()
        self.subprotocol: Subprotocol | None = None
        """Subprotocol agreed during the opening handshake, if any."""
        super().__init__(CLIENT, state=state, max_size=max_size, logger=logger)

    def connect(self) -> Request:
        """Build the handshake request; send it with :meth:`send_request`."""
        headers = Headers()
        headers[HOST] = build_host(self.uri.host, self.uri.port, self.uri.secure)
        if self.uri.user_info is not None:
            headers[AUTHORIZATION] = build_authorization_basic(*self.uri.user_info)
        if self.origin is not None:
            headers[ORIGIN] = self.origin
        headers[UPGRADE] = "websocket"
        headers[CONNECTION] = "Upgrade"
        headers[SEC_WEBSOCKET_KEY] = self.key
        headers[SEC_WEBSOCKET_VERSION] = "13"
        if self.available_extensions is not None:
            offers = [(f.name, f.get_request_params()) for f in self.available_extensions]
            headers[SEC_WEBSOCKET_EXTENSIONS] = build_extension(offers)
        if self.available_subprotocols is not None:
            headers[SEC_WEBSOCKET_PROTOCOL] = build_subprotocol(self.available_subprotocols)
        return Request(self.uri.resource_name, headers)

    def send_request(self, request: Request) -> None:
        """Queue the handshake request for sending."""
        if self.debug:
            self.logger.debug("> GET %s HTTP/1.1", request.path)
            for name, value in request.headers.raw_items():
                self.logger.debug("> %s: %s", name, value)
        self.writes.append(request.serialize())

    def process_response(self, response: Response) -> None:
        """Check the handshake response and negotiate extensions and subprotocol.

        Raises:
            InvalidStatus: If the status isn't 101.
            InvalidHandshake: If a header is missing or wrong, or negotiation fails.

        """
        if response.status_code != 101:
            raise InvalidStatus(response)
        headers = response.headers
        validate_upgrade(headers)
        try:
            accept = headers[SEC_WEBSOCKET_ACCEPT]
        except KeyError as exc:
            raise InvalidHeader(SEC_WEBSOCKET_ACCEPT) from exc
        except MultipleValuesError as exc:
            raise InvalidHeader(SEC_WEBSOCKET_ACCEPT, "multiple values") from exc
        if accept != accept_key(self.key):
            raise InvalidHeaderValue(SEC_WEBSOCKET_ACCEPT, accept)
        self.extensions: list[Extension] = self.process_extensions(headers)
        self.subprotocol = self.process_subprotocol(headers)

    def process_extensions(self, headers: Headers) -> list[Extension]:
        """Accept the extensions of the response, checking that we offered each one.

        Raises:
            NegotiationError: If the server enabled an extension we can't accept.

        """
        accepted: list[Extension] = []
        values = headers.get_all(SEC_WEBSOCKET_EXTENSIONS)
        if not values:
            return accepted
        if self.available_extensions is None:
            raise NegotiationError("no extensions supported")
        for name, params in [item for value in values for item in parse_extension(value)]:
            for factory in self.available_extensions:
                if factory.name != name:
                    continue
                try:
                    extension = factory.process_response_params(params, accepted)
                except NegotiationError:
                    continue
                accepted.append(extension)
                break
            else:
                raise NegotiationError(f"unsupported extension: name = {name}, params = {params}")
        return accepted

    def process_subprotocol(self, headers: Headers) -> Subprotocol | None:
        """Return the subprotocol the server chose, checking that we offered it.

        Raises:
            NegotiationError: If we didn't offer it.
            InvalidHeader: If the server chose several.

        """
        values = headers.get_all(SEC_WEBSOCKET_PROTOCOL)
        if not values:
            return None
        if self.available_subprotocols is None:
            raise NegotiationError("no subprotocols supported")
        chosen = [item for value in values for item in parse_subprotocol(value)]
        if len(chosen) > 1:
            raise InvalidHeader(SEC_WEBSOCKET_PROTOCOL, f"multiple values: {', '.join(chosen)}")
        if chosen[0] not in self.available_subprotocols:
            raise NegotiationError(f"unsupported subprotocol: {chosen[0]}")
        return chosen[0]

    def parse(self) -> Generator[None]:
        """Parse the handshake response, then switch to frames if it succeeds."""
        reader = self.reader
        try:
            response = yield from Response.parse(
                reader.read_line, reader.read_exact, reader.read_to_eof
            )
        except Exception as exc:
            invalid = InvalidMessage("did not receive a valid HTTP response")
            invalid.__cause__ = exc
            self._handshake_failed(invalid)
        else:
            self._receive_response(response)
        # The mode changed: receive_data won't resume this generator again.
        yield

    def _receive_response(self, response: Response) -> None:
        if self.debug:
            self.logger.debug("< HTTP/1.1 %d %s", response.status_code, response.reason_phrase)
            for name, value in response.headers.raw_items():
                self.logger.debug("< %s: %s", name, value)
            if response.body:
                self.logger.debug("< [body] (%d bytes)", len(response.body))
        try:
            self.process_response(response)
        except InvalidHandshake as exc:
            response._exception = exc  # pyright: ignore[reportPrivateUsage]  # the API's field
            self.events.append(response)
            self._handshake_failed(exc)
        else:
            self.events.append(response)
            self.state = OPEN
            self._start_frames()


# Reconnection delays, in seconds, for clients that reconnect automatically.
BACKOFF_INITIAL_DELAY = float(os.environ.get("WEBSOCKETS_BACKOFF_INITIAL_DELAY", "5"))
BACKOFF_MIN_DELAY = float(os.environ.get("WEBSOCKETS_BACKOFF_MIN_DELAY", "3.1"))
BACKOFF_MAX_DELAY = float(os.environ.get("WEBSOCKETS_BACKOFF_MAX_DELAY", "90.0"))
BACKOFF_FACTOR = float(os.environ.get("WEBSOCKETS_BACKOFF_FACTOR", "1.618"))


def backoff(
    initial_delay: float = BACKOFF_INITIAL_DELAY,
    min_delay: float = BACKOFF_MIN_DELAY,
    max_delay: float = BACKOFF_MAX_DELAY,
    factor: float = BACKOFF_FACTOR,
) -> Generator[float]:
    """Yield reconnection delays: exponential backoff with a random first delay.

    The first delay is random, up to ``initial_delay``, so that many clients losing
    their server at once don't reconnect at once. Then delays grow from ``min_delay``
    by ``factor`` up to ``max_delay``, which repeats forever.

    """
    yield random.random() * initial_delay
    delay = min_delay
    while delay < max_delay:
        yield delay
        delay *= factor
    while True:
        yield max_delay


def __getattr__(name: str) -> Any:
    # ClientConnection was this class's name before websockets 11.0.
    if name == "ClientConnection":
        warnings.warn(
            "websockets.client.ClientConnection was renamed to ClientProtocol",
            DeprecationWarning,
            stacklevel=2,
        )
        return ClientProtocol
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
