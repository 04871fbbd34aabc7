"""The server side of the WebSocket protocol, without I/O (RFC 6455, section 4.2)."""

from __future__ import annotations

import base64
import binascii
import email.utils
import http
import re
import types
import warnings
from collections.abc import Callable, Generator, Sequence
from typing import Any

from .datastructures import Headers, MultipleValuesError
from .exceptions import (
    InvalidHandshake,
    InvalidHeader,
    InvalidHeaderValue,
    InvalidMessage,
    InvalidOrigin,
    InvalidUpgrade,
    NegotiationError,
)
from .extensions.base import Extension, ServerExtensionFactory
from .headers import (
    CONNECTION,
    CONTENT_LENGTH,
    CONTENT_TYPE,
    DATE,
    ORIGIN,
    SEC_WEBSOCKET_ACCEPT,
    SEC_WEBSOCKET_EXTENSIONS,
    SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_PROTOCOL,
    SEC_WEBSOCKET_VERSION,
    UPGRADE,
    build_extension,
    parse_extension,
    parse_subprotocol,
    validate_upgrade,
)
from .http11 import Request, Response
from .protocol import CONNECTING, OPEN, SERVER, Protocol, State
from .typing import ExtensionName, ExtensionParameter, LoggerLike, Origin, StatusLike, Subprotocol
from .utils import accept_key

__all__ = ["ServerProtocol"]


class ServerProtocol(Protocol):
    """The Sans-I/O implementation of a WebSocket server connection.

    Args:
        origins: Acceptable values of the Origin header: strings, compiled regular
            expressions matched in full, or None to accept requests without Origin.
            None (the default) accepts any request.
        extensions: Extensions to accept, in order of preference.
        subprotocols: Subprotocols to accept, in order of preference.
        select_subprotocol: Replaces :meth:`select_subprotocol`; it receives this
            object and the subprotocols that the client offered.
        state: Initial state; CONNECTING unless the handshake happened elsewhere.
        max_size: Largest incoming message accepted, in bytes; None for no limit.
        logger: Logger for this connection; ``websockets.server`` by default.

    """

    __slots__ = (
        "available_extensions",
        "available_subprotocols",
        "origin",
        "origins",
        "subprotocol",
    )

    def __init__(
        self,
        *,
        origins: Sequence[Origin | re.Pattern[str] | None] | None = None,
        extensions: Sequence[ServerExtensionFactory] | None = None,
        subprotocols: Sequence[Subprotocol] | None = None,
        select_subprotocol: (
            Callable[[ServerProtocol, Sequence[Subprotocol]], Subprotocol | None] | None
        ) = None,
        state: State = CONNECTING,
        max_size: int | None = 2**20,
        logger: LoggerLike | None = None,
    ) -> None:
        self.origins: Sequence[Origin | re.Pattern[str] | None] | None = origins
        self.available_extensions: Sequence[ServerExtensionFactory] | None = extensions
        self.available_subprotocols: Sequence[Subprotocol] | None = subprotocols
        if select_subprotocol is not None:
            # Bind it, so that it's called like the method it replaces.
            self.select_subprotocol = types.MethodType(select_subprotocol, self)  # type: ignore[method-assign]  # a documented override
        self.origin: Origin | None = None
        """Value of the Origin header of the request, if any."""
        self.subprotocol: Subprotocol | None = None
        """Subprotocol agreed during the opening handshake, if any."""
        super().__init__(SERVER, state=state, max_size=max_size, logger=logger)

    def accept(self, request: Request) -> Response:
        """Build the handshake response to ``request``: 101 if it's acceptable.

        Otherwise the response explains what's wrong, with 403 for a forbidden origin,
        426 for a request that isn't a WebSocket upgrade or asks for another protocol
        version, 400 for other errors and 500 for unexpected ones; :attr:`handshake_exc`
        then holds the error. Send the response with :meth:`send_response`.

        """
        try:
            accept_value, extensions_value, protocol_value = self.process_request(request)
        except InvalidOrigin as exc:
            return self._refuse(request, exc, http.HTTPStatus.FORBIDDEN)
        except InvalidUpgrade as exc:
            response = self._refuse(request, exc, http.HTTPStatus.UPGRADE_REQUIRED)
            response.headers[UPGRADE] = "websocket"
            return response
        except InvalidHeaderValue as exc:
            if exc.name != SEC_WEBSOCKET_VERSION:
                return self._refuse(request, exc, http.HTTPStatus.BAD_REQUEST)
            # RFC 6455, section 4.4: name the versions this server speaks.
            response = self._refuse(request, exc, http.HTTPStatus.UPGRADE_REQUIRED)
            response.headers[SEC_WEBSOCKET_VERSION] = "13"
            return response
        except InvalidHandshake as exc:
            return self._refuse(request, exc, http.HTTPStatus.BAD_REQUEST)
        except Exception as exc:
            # Most likely a bug in a select_subprotocol function: log it in full, but
            # show the client nothing of the server's internals.
            request._exception = exc  # pyright: ignore[reportPrivateUsage]  # the API's field
            self.handshake_exc = exc
            self.logger.error("opening handshake failed", exc_info=True)
            return self.reject(
                http.HTTPStatus.INTERNAL_SERVER_ERROR,
                "The WebSocket handshake failed because of an error on the server.\n",
            )
        headers = Headers()
        headers[DATE] = email.utils.formatdate(usegmt=True)
        headers[UPGRADE] = "websocket"
        headers[CONNECTION] = "Upgrade"
        headers[SEC_WEBSOCKET_ACCEPT] = accept_value
        if extensions_value is not None:
            headers[SEC_WEBSOCKET_EXTENSIONS] = extensions_value
        if protocol_value is not None:
            headers[SEC_WEBSOCKET_PROTOCOL] = protocol_value
        return Response(101, "Switching Protocols", headers)

    def _refuse(self, request: Request, exc: InvalidHandshake, status: http.HTTPStatus) -> Response:
        request._exception = exc  # pyright: ignore[reportPrivateUsage]  # the API's field
        self.handshake_exc: Exception | None = exc
        if self.debug:
            self.logger.debug("! invalid handshake request", exc_info=True)
        # Spell out the whole chain of causes: it's what a developer needs to fix the client.
        reasons = [str(exc)]
        cause = exc.__cause__
        while cause is not None:
            reasons.append(str(cause))
            cause = cause.__cause__
        text = f"The WebSocket handshake failed: {'; '.join(reasons)}.\n"
        if status == http.HTTPStatus.UPGRADE_REQUIRED:
            text += "This endpoint speaks WebSocket: connect with a WebSocket client.\n"
        return self.reject(status, text)

    def process_request(self, request: Request) -> tuple[str, str | None, str | None]:
        """Check the handshake request and negotiate extensions and subprotocol.

        Returns:
            The values of the Sec-WebSocket-Accept, Sec-WebSocket-Extensions and
            Sec-WebSocket-Protocol headers of the response; the last two may be None.

        Raises:
            InvalidHandshake: If the request isn't acceptable.

        """
        headers = request.headers
        validate_upgrade(headers)
        key = _single(headers, SEC_WEBSOCKET_KEY)
        try:
            raw_key = base64.b64decode(key.encode(), validate=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise InvalidHeaderValue(SEC_WEBSOCKET_KEY, key) from exc
        if len(raw_key) != 16:
            raise InvalidHeaderValue(SEC_WEBSOCKET_KEY, key)
        version = _single(headers, SEC_WEBSOCKET_VERSION)
        if version != "13":
            raise InvalidHeaderValue(SEC_WEBSOCKET_VERSION, version)
        self.origin = self.process_origin(headers)
        extensions_value, extensions = self.process_extensions(headers)
        self.extensions: list[Extension] = extensions
        protocol_value = self.subprotocol = self.process_subprotocol(headers)
        return accept_key(key), extensions_value, protocol_value

    def process_origin(self, headers: Headers) -> Origin | None:
        """Return the Origin of the request, checking it against :attr:`origins`.

        Raises:
            InvalidOrigin: If the origin isn't allowed.
            InvalidHeader: If there are several Origin headers.

        """
        try:
            value = headers.get(ORIGIN)
        except MultipleValuesError:
            raise InvalidHeader(ORIGIN, "multiple values") from None
        origin = None if value is None else Origin(value)
        if self.origins is None:
            return origin
        for allowed in self.origins:
            if isinstance(allowed, re.Pattern):
                if origin is not None and allowed.fullmatch(origin) is not None:
                    return origin
            elif allowed == origin:
                return origin
        raise InvalidOrigin(origin)

    def process_extensions(self, headers: Headers) -> tuple[str | None, list[Extension]]:
        """Accept the extensions that the client offered and this server supports.

        An offer that no factory accepts is declined, as RFC 6455, section 9.1, allows.

        Returns:
            The value of the Sec-WebSocket-Extensions response header, or None, and the
            extensions to use.

        """
        accepted: list[Extension] = []
        responses: list[tuple[ExtensionName, list[ExtensionParameter]]] = []
        values = headers.get_all(SEC_WEBSOCKET_EXTENSIONS)
        if not values or not self.available_extensions:
            return None, accepted
        for name, params in [item for value in values for item in parse_extension(value)]:
            for factory in self.available_extensions:
                if factory.name != name:
                    continue
                try:
                    response_params, extension = factory.process_request_params(params, accepted)
                except NegotiationError:
                    continue
                responses.append((name, response_params))
                accepted.append(extension)
                break
        if not responses:
            return None, accepted
        return build_extension(responses), accepted

    def process_subprotocol(self, headers: Headers) -> Subprotocol | None:
        """Pick the subprotocol with :meth:`select_subprotocol`.

        Raises:
            NegotiationError: If no acceptable subprotocol was offered.

        """
        offered = [
            item
            for value in headers.get_all(SEC_WEBSOCKET_PROTOCOL)
            for item in parse_subprotocol(value)
        ]
        return self.select_subprotocol(offered)

    def select_subprotocol(self, subprotocols: Sequence[Subprotocol]) -> Subprotocol | None:
        """Pick a subprotocol among those the client offered.

        This picks the first one, in the client's order of preference, that the server
        supports. Override it with the ``select_subprotocol`` argument.

        Raises:
            NegotiationError: If the server supports subprotocols and the client
                offered none of them.

        """
        if not self.available_subprotocols:
            return None
        for subprotocol in subprotocols:
            if subprotocol in self.available_subprotocols:
                return subprotocol
        if not subprotocols:
            raise NegotiationError("missing subprotocol")
        expected = ", ".join(self.available_subprotocols)
        raise NegotiationError(f"invalid subprotocol; expected one of {expected}")

    def reject(self, status: StatusLike, text: str) -> Response:
        """Build an HTTP response refusing the handshake, with a plain text body."""
        status = http.HTTPStatus(status)
        body = text.encode()
        headers = Headers(
            [
                (DATE, email.utils.formatdate(usegmt=True)),
                (CONNECTION, "close"),
                (CONTENT_LENGTH, str(len(body))),
                (CONTENT_TYPE, "text/plain; charset=utf-8"),
            ]
        )
        return Response(status.value, status.phrase, headers, body)

    def send_response(self, response: Response) -> None:
        """Send the handshake response; 101 opens the connection, anything else ends it.

        Once the connection failed, e.g. because the client sent too much data while
        the server decided, there's nothing left to respond to: this does nothing.

        """
        if self.eof_sent:
            if self.debug:
                self.logger.debug("! connection failed before the response: not sent")
            return
        if self.debug:
            self.logger.debug("> HTTP/1.1 %d %s", response.status_code, response.reason_phrase)
            for name, value in response.headers.raw_items():
                self.logger.debug("> %s: %s", name, value)
            if response.body:
                self.logger.debug("> [body] (%d bytes)", len(response.body))
        self.writes.append(response.serialize())
        if response.status_code == 101:
            assert self._state is CONNECTING, "the handshake is already done"
            self.state = OPEN
            self.logger.info("connection open")
            self._start_frames()
        else:
            self.logger.info(
                "connection rejected (%d %s)", response.status_code, response.reason_phrase
            )
            if not self.eof_sent:
                self.send_eof()
            self._discard()

    def parse(self) -> Generator[None]:
        """Parse the handshake request, then wait for :meth:`send_response`."""
        try:
            request = yield from Request.parse(self.reader.read_line)
        except Exception as exc:
            invalid = InvalidMessage("did not receive a valid HTTP request")
            invalid.__cause__ = exc
            self._handshake_failed(invalid)
        else:
            if self.debug:
                self.logger.debug("< GET %s HTTP/1.1", request.path)
                for name, value in request.headers.raw_items():
                    self.logger.debug("< %s: %s", name, value)
            self.events.append(request)
            self._hold()
        # The mode changed: receive_data won't resume this generator again.
        yield


def _single(headers: Headers, name: str) -> str:
    """Return the only value of a required header."""
    # The lookup errors say nothing more than the message: don't chain them.
    try:
        return headers[name]
    except KeyError:
        raise InvalidHeader(name) from None
    except MultipleValuesError:
        raise InvalidHeader(name, "multiple values") from None


def __getattr__(name: str) -> Any:
    # ServerConnection was this class's name before websockets 11.0.
    if name == "ServerConnection":
        warnings.warn(
            "websockets.server.ServerConnection was renamed to ServerProtocol",
            DeprecationWarning,
            stacklevel=2,
        )
        return ServerProtocol
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
