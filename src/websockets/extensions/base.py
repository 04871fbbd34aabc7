"""Interfaces of WebSocket extensions (RFC 6455, section 9).

An extension transforms frames once negotiated. Negotiation is asymmetric: a client
factory offers parameters and checks the server's answer; a server factory reads an
offer and answers it. Either builds the :class:`Extension` that the connection then
applies to every frame.

"""

from __future__ import annotations

from collections.abc import Sequence

from ..frames import Frame
from ..typing import ExtensionName, ExtensionParameter

__all__ = ["ClientExtensionFactory", "Extension", "ServerExtensionFactory"]


class Extension:
    """An extension negotiated for a connection, applied to the frames it carries."""

    name: ExtensionName
    """Name of the extension, as in the Sec-WebSocket-Extensions header."""

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        """Transform a received frame.

        Args:
            frame: The frame as read from the network, or as decoded by the extensions
                negotiated after this one.
            max_size: Largest payload accepted after decoding, in bytes; None for no limit.

        Raises:
            PayloadTooBig: If the decoded payload would be larger than ``max_size``.
            ProtocolError: If the frame breaks the rules of the extension.

        """
        raise NotImplementedError

    def encode(self, frame: Frame) -> Frame:
        """Transform a frame about to be sent."""
        raise NotImplementedError


class ClientExtensionFactory:
    """Offers an extension in a client's handshake and accepts the server's answer."""

    name: ExtensionName
    """Name of the extension this factory negotiates."""

    def get_request_params(self) -> Sequence[ExtensionParameter]:
        """Return the parameters to offer in the Sec-WebSocket-Extensions request header."""
        raise NotImplementedError

    def process_response_params(
        self,
        params: Sequence[ExtensionParameter],
        accepted_extensions: Sequence[Extension],
    ) -> Extension:
        """Build the extension from the parameters the server answered with.

        Args:
            params: Parameters of this extension in the response.
            accepted_extensions: Extensions accepted earlier in the same response.

        Raises:
            NegotiationError: If the answer is unacceptable.

        """
        raise NotImplementedError


class ServerExtensionFactory:
    """Answers a client's offer of an extension in the server's handshake."""

    name: ExtensionName
    """Name of the extension this factory negotiates."""

    def process_request_params(
        self,
        params: Sequence[ExtensionParameter],
        accepted_extensions: Sequence[Extension],
    ) -> tuple[list[ExtensionParameter], Extension]:
        """Accept an offer: return the parameters of the answer and the extension.

        Args:
            params: Parameters of one offer of this extension in the request.
            accepted_extensions: Extensions already accepted for this connection.

        Raises:
            NegotiationError: To decline the offer, so that the server tries the next
                one, or goes without this extension.

        """
        raise NotImplementedError
