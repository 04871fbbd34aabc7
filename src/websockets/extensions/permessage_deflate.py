"""The permessage-deflate extension (RFC 7692): messages compressed with DEFLATE.

The first frame of a compressed message has RSV1 set. The frames of the message carry,
end to end, a DEFLATE stream flushed to a byte boundary, minus the four bytes that
every such flush ends with. Control frames are never compressed.

"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

from ..exceptions import (
    DuplicateParameter,
    InvalidParameterName,
    InvalidParameterValue,
    NegotiationError,
    PayloadTooBig,
    ProtocolError,
)
from ..frames import OP_BINARY, OP_CONT, OP_TEXT, Frame
from ..typing import ExtensionName, ExtensionParameter
from .base import ClientExtensionFactory, Extension, ServerExtensionFactory

__all__ = [
    "ClientPerMessageDeflateFactory",
    "PerMessageDeflate",
    "ServerPerMessageDeflateFactory",
    "enable_client_permessage_deflate",
    "enable_server_permessage_deflate",
]

_NAME = ExtensionName("permessage-deflate")

# A sync flush ends with an empty stored block; these are its LEN and NLEN fields.
# RFC 7692 section 7.2.1 drops them from every message, section 7.2.2 restores them.
_TAIL = b"\x00\x00\xff\xff"

# RFC 7692 section 7.1.2: a decimal integer from 8 to 15, without leading zeroes.
_WINDOW_BITS = {str(bits): bits for bits in range(8, 16)}


class PerMessageDeflate(Extension):
    """permessage-deflate, as negotiated for one connection.

    "Local" settings apply to what this side compresses, "remote" ones to what the
    peer compresses. With context takeover, each message may refer to the previous
    ones, so one compressor and one decompressor serve the whole connection.

    Args:
        remote_no_context_takeover: The peer compresses each message independently.
        local_no_context_takeover: This side must compress each message independently.
        remote_max_window_bits: Base-2 log of the peer's LZ77 window, from 8 to 15.
        local_max_window_bits: Base-2 log of this side's LZ77 window, from 8 to 15.
        compress_settings: Keyword arguments for :func:`zlib.compressobj`, except
            ``wbits``, which the window bits set.

    Raises:
        ValueError: If window bits are out of range or ``compress_settings`` sets ``wbits``.

    """

    name = _NAME

    def __init__(
        self,
        remote_no_context_takeover: bool,
        local_no_context_takeover: bool,
        remote_max_window_bits: int,
        local_max_window_bits: int,
        # Any: these are zlib.compressobj's keyword arguments, whose types differ.
        compress_settings: dict[str, Any] | None = None,
    ) -> None:
        _check_window_bits("remote_max_window_bits", remote_max_window_bits)
        _check_window_bits("local_max_window_bits", local_max_window_bits)
        self.remote_no_context_takeover = remote_no_context_takeover
        """Whether the peer compresses each message independently."""
        self.local_no_context_takeover = local_no_context_takeover
        """Whether this side compresses each message independently."""
        self.remote_max_window_bits = remote_max_window_bits
        """Base-2 log of the LZ77 window of the peer's compressor."""
        self.local_max_window_bits = local_max_window_bits
        """Base-2 log of the LZ77 window of this side's compressor."""
        self.compress_settings: dict[str, Any] = _check_compress_settings(compress_settings)
        """Keyword arguments for this side's compressor."""

        # Negative wbits: raw DEFLATE, without zlib's header and checksum.
        self._decoder_wbits = -remote_max_window_bits
        self._decoder = zlib.decompressobj(wbits=self._decoder_wbits)
        # zlib refuses a 256-byte window for raw DEFLATE. With 512 bytes, it never
        # refers further back than 250 bytes (window size minus its 262-byte lookahead),
        # so the output is valid for a 256-byte window.
        self._encoder = zlib.compressobj(
            wbits=-max(local_max_window_bits, 9), **self.compress_settings
        )
        # A full flush ends a message like a sync flush and also empties the window, so
        # the next message can't refer to this one: that is all no_context_takeover asks
        # for, without building a compressor, a few hundred KB, for every message.
        self._end_flush = zlib.Z_FULL_FLUSH if local_no_context_takeover else zlib.Z_SYNC_FLUSH
        # Whether continuation frames belong to a compressed message.
        self._decoding = False

    def __repr__(self) -> str:
        return (
            f"PerMessageDeflate(remote_no_context_takeover={self.remote_no_context_takeover!r}, "
            f"local_no_context_takeover={self.local_no_context_takeover!r}, "
            f"remote_max_window_bits={self.remote_max_window_bits!r}, "
            f"local_max_window_bits={self.local_max_window_bits!r}, "
            f"compress_settings={self.compress_settings!r})"
        )

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        """Decompress a frame of a compressed message; return other frames unchanged.

        ``max_size`` bounds the decompressed payload of this frame alone: decompression
        stops after ``max_size + 1`` bytes and raises :exc:`PayloadTooBig`, so a small
        payload that would inflate enormously costs neither memory nor time.

        The extension keeps no total across the frames of a message. To bound a whole
        message, the caller passes as ``max_size`` what is left of its limit after the
        earlier frames of the message and, on :exc:`PayloadTooBig`, calls
        ``set_current_size`` with the size of those frames, so that the error reports
        the limit of the message. With context takeover, a failed message leaves the
        decompressor unusable: the connection must be closed.

        Raises:
            PayloadTooBig: If the decompressed payload is larger than ``max_size``.
            ProtocolError: If the payload isn't valid DEFLATE data.

        """
        opcode = frame.opcode
        if opcode is OP_CONT:
            if not self._decoding:
                return frame
            # RSV1 is only valid on the first frame: keep it so that Frame.check fails.
            rsv1 = frame.rsv1
        elif opcode is OP_TEXT or opcode is OP_BINARY:
            if not frame.rsv1:
                self._decoding = False
                return frame
            rsv1 = False
        else:
            return frame

        fin = frame.fin
        self._decoding = not fin
        data = b"".join((frame.data, _TAIL)) if fin else frame.data
        # zlib reads a max_length of 0 as "unbounded"; one byte over the limit is enough
        # to know that it's exceeded.
        bound = 0 if max_size is None else max(max_size, 0) + 1
        try:
            decoder = self._decoder
            decoded = decoder.decompress(data, bound)
            if decoder.eof:
                decoded = self._restart(decoded, bound)
        except zlib.error as exc:
            raise ProtocolError("decompression failed") from exc
        if max_size is not None and len(decoded) > max_size:
            raise PayloadTooBig(None, max_size)
        return Frame(opcode, decoded, fin, rsv1, frame.rsv2, frame.rsv3)

    def _restart(self, decoded: bytes, bound: int) -> bytes:
        """Continue past the end of a DEFLATE stream.

        RFC 7692 section 7.2.3.4 lets a sender end a message with a block marked final.
        zlib stops there and sets the rest aside, which would silently drop data, so the
        rest goes to a new decompressor. Its window is empty: data referring to what came
        before the final block fails to decompress instead of being dropped.

        """
        parts = [decoded]
        size = len(decoded)
        while self._decoder.eof:
            rest = self._decoder.unused_data
            self._decoder = zlib.decompressobj(wbits=self._decoder_wbits)
            if not rest or (bound and size >= bound):
                break
            chunk = self._decoder.decompress(rest, bound - size if bound else 0)
            parts.append(chunk)
            size += len(chunk)
        return b"".join(parts)

    def encode(self, frame: Frame) -> Frame:
        """Compress a frame of a data message; return control frames unchanged.

        Every message is compressed; RSV1 is set on its first frame only. Each frame is
        flushed so that the peer can decompress it as soon as it arrives.

        """
        opcode = frame.opcode
        if opcode is not OP_CONT and opcode is not OP_TEXT and opcode is not OP_BINARY:
            return frame
        encoder = self._encoder
        if frame.fin:
            # The flush output always holds the whole empty stored block, so its last
            # four bytes are _TAIL; slicing it alone avoids copying the whole payload.
            data = encoder.compress(frame.data) + encoder.flush(self._end_flush)[:-4]
        else:
            data = encoder.compress(frame.data) + encoder.flush(zlib.Z_SYNC_FLUSH)
        return Frame(opcode, data, frame.fin, opcode is not OP_CONT, frame.rsv2, frame.rsv3)


class ClientPerMessageDeflateFactory(ClientExtensionFactory):
    """Offers permessage-deflate in a client's handshake.

    Args:
        server_no_context_takeover: Ask the server to compress messages independently.
        client_no_context_takeover: Compress messages independently, and say so.
        server_max_window_bits: Largest window, as a base-2 log from 8 to 15, that the
            server may use; None leaves it to the server.
        client_max_window_bits: Largest window this side will use, from 8 to 15; True
            lets the server choose any; None forbids the server to choose.
        compress_settings: Keyword arguments for :func:`zlib.compressobj`, except
            ``wbits``.

    Raises:
        ValueError: If window bits are out of range or ``compress_settings`` sets ``wbits``.

    """

    name = _NAME

    def __init__(
        self,
        server_no_context_takeover: bool = False,
        client_no_context_takeover: bool = False,
        server_max_window_bits: int | None = None,
        client_max_window_bits: int | Literal[True] | None = True,
        # Any: these are zlib.compressobj's keyword arguments, whose types differ.
        compress_settings: dict[str, Any] | None = None,
    ) -> None:
        if server_max_window_bits is not None:
            _check_window_bits("server_max_window_bits", server_max_window_bits)
        if client_max_window_bits is not None and client_max_window_bits is not True:
            _check_window_bits("client_max_window_bits", client_max_window_bits)
        self.server_no_context_takeover = server_no_context_takeover
        """Whether to ask the server to compress messages independently."""
        self.client_no_context_takeover = client_no_context_takeover
        """Whether this side compresses messages independently."""
        self.server_max_window_bits = server_max_window_bits
        """Largest window the server may use, if limited."""
        self.client_max_window_bits = client_max_window_bits
        """Largest window this side will use; True if the server may choose any."""
        self.compress_settings: dict[str, Any] = _check_compress_settings(compress_settings)
        """Keyword arguments for this side's compressor."""

    def get_request_params(self) -> list[ExtensionParameter]:
        """Return the parameters of the offer."""
        return _build_params(
            self.server_no_context_takeover,
            self.client_no_context_takeover,
            self.server_max_window_bits,
            self.client_max_window_bits,
        )

    def process_response_params(
        self,
        params: Sequence[ExtensionParameter],
        accepted_extensions: Sequence[Extension],
    ) -> PerMessageDeflate:
        """Check the server's answer against the offer and build the extension.

        Raises:
            NegotiationError: If the answer is malformed, or doesn't honour the offer.

        """
        if any(extension.name == self.name for extension in accepted_extensions):
            raise NegotiationError(f"received duplicate {self.name}")
        answer = _parse_params(params, is_server=False)
        client_bits = answer.client_max_window_bits
        assert client_bits is not True, "a response gives a value"

        # RFC 7692 section 7.1.1.1: a server accepting the offer must grant the request.
        if self.server_no_context_takeover and not answer.server_no_context_takeover:
            raise NegotiationError("expected server_no_context_takeover")
        # Section 7.1.1.2: the offer announced it, so keep to it even if not echoed.
        client_no_context_takeover = (
            answer.client_no_context_takeover or self.client_no_context_takeover
        )

        # Section 7.1.2.1: the server must answer a limit with one at most as large.
        server_bits = answer.server_max_window_bits
        if self.server_max_window_bits is not None:
            if server_bits is None:
                raise NegotiationError("expected server_max_window_bits")
            if server_bits > self.server_max_window_bits:
                raise NegotiationError("unsupported server_max_window_bits")

        # Section 7.1.2.2: the server may limit the client only if the offer allowed it,
        # to at most the value offered; without an answer, the offered value holds.
        if self.client_max_window_bits is None:
            if client_bits is not None:
                raise NegotiationError("unexpected client_max_window_bits")
        elif self.client_max_window_bits is not True:
            if client_bits is None:
                client_bits = self.client_max_window_bits
            elif client_bits > self.client_max_window_bits:
                raise NegotiationError("unsupported client_max_window_bits")

        return PerMessageDeflate(
            answer.server_no_context_takeover,
            client_no_context_takeover,
            server_bits or 15,
            client_bits or 15,
            self.compress_settings,
        )


class ServerPerMessageDeflateFactory(ServerExtensionFactory):
    """Answers a client's offer of permessage-deflate.

    The server may always compress messages independently, use a smaller window than
    the client allows, and, when the offer permits, limit the client's window.

    Args:
        server_no_context_takeover: Compress messages independently, and say so.
        client_no_context_takeover: Require the client to compress messages independently.
        server_max_window_bits: Largest window this side will use, from 8 to 15.
        client_max_window_bits: Largest window the client may use, from 8 to 15, when
            the offer lets the server choose.
        compress_settings: Keyword arguments for :func:`zlib.compressobj`, except
            ``wbits``.
        require_client_max_window_bits: Decline offers that don't let the server limit
            the client's window.

    Raises:
        ValueError: If window bits are out of range, ``compress_settings`` sets
            ``wbits``, or ``require_client_max_window_bits`` is set without
            ``client_max_window_bits``.

    """

    name = _NAME

    def __init__(
        self,
        server_no_context_takeover: bool = False,
        client_no_context_takeover: bool = False,
        server_max_window_bits: int | None = None,
        client_max_window_bits: int | None = None,
        # Any: these are zlib.compressobj's keyword arguments, whose types differ.
        compress_settings: dict[str, Any] | None = None,
        require_client_max_window_bits: bool = False,
    ) -> None:
        if server_max_window_bits is not None:
            _check_window_bits("server_max_window_bits", server_max_window_bits)
        if client_max_window_bits is not None:
            _check_window_bits("client_max_window_bits", client_max_window_bits)
        elif require_client_max_window_bits:
            raise ValueError("require_client_max_window_bits needs client_max_window_bits")
        self.server_no_context_takeover = server_no_context_takeover
        """Whether this side compresses messages independently."""
        self.client_no_context_takeover = client_no_context_takeover
        """Whether to require the client to compress messages independently."""
        self.server_max_window_bits = server_max_window_bits
        """Largest window this side will use, if limited."""
        self.client_max_window_bits = client_max_window_bits
        """Largest window the client may use, if limited."""
        self.compress_settings: dict[str, Any] = _check_compress_settings(compress_settings)
        """Keyword arguments for this side's compressor."""
        self.require_client_max_window_bits = require_client_max_window_bits
        """Whether to decline offers that don't let the server limit the client's window."""

    def process_request_params(
        self,
        params: Sequence[ExtensionParameter],
        accepted_extensions: Sequence[Extension],
    ) -> tuple[list[ExtensionParameter], PerMessageDeflate]:
        """Answer an offer: return the parameters of the answer and the extension.

        Raises:
            NegotiationError: To decline the offer, if it's malformed, repeats the
                extension, or doesn't meet ``require_client_max_window_bits``.

        """
        if any(extension.name == self.name for extension in accepted_extensions):
            raise NegotiationError(f"skipped duplicate {self.name}")
        offer = _parse_params(params, is_server=True)

        # RFC 7692 sections 7.1.1.1 and 7.1.1.2: grant requests, and add these at will.
        # Echoing the client's own client_no_context_takeover tells it both sides agree.
        server_no_context_takeover = (
            offer.server_no_context_takeover or self.server_no_context_takeover
        )
        client_no_context_takeover = (
            offer.client_no_context_takeover or self.client_no_context_takeover
        )

        # Section 7.1.2.1: answer with at most the limit asked for; lower is allowed.
        server_bits = offer.server_max_window_bits
        limit = self.server_max_window_bits
        if limit is not None:
            server_bits = limit if server_bits is None else min(server_bits, limit)

        # Section 7.1.2.2: limit the client only if the offer allows it, and no more
        # loosely than it offered.
        client_bits: int | None
        if offer.client_max_window_bits is None:
            if self.require_client_max_window_bits:
                raise NegotiationError("required client_max_window_bits")
            client_bits = None
        elif offer.client_max_window_bits is True:
            client_bits = self.client_max_window_bits
        elif self.client_max_window_bits is None:
            client_bits = offer.client_max_window_bits
        else:
            client_bits = min(offer.client_max_window_bits, self.client_max_window_bits)

        answer = _build_params(
            server_no_context_takeover, client_no_context_takeover, server_bits, client_bits
        )
        extension = PerMessageDeflate(
            client_no_context_takeover,
            server_no_context_takeover,
            client_bits or 15,
            server_bits or 15,
            self.compress_settings,
        )
        return answer, extension


def enable_client_permessage_deflate(
    extensions: Sequence[ClientExtensionFactory] | None,
) -> Sequence[ClientExtensionFactory]:
    """Add permessage-deflate with default settings, unless ``extensions`` has it."""
    if extensions is None:
        extensions = []
    if any(factory.name == _NAME for factory in extensions):
        return extensions
    return [*extensions, ClientPerMessageDeflateFactory(compress_settings={"memLevel": 5})]


def enable_server_permessage_deflate(
    extensions: Sequence[ServerExtensionFactory] | None,
) -> Sequence[ServerExtensionFactory]:
    """Add permessage-deflate with default settings, unless ``extensions`` has it.

    The defaults trade a little compression for memory: 4 KB windows on both sides.

    """
    if extensions is None:
        extensions = []
    if any(factory.name == _NAME for factory in extensions):
        return extensions
    factory = ServerPerMessageDeflateFactory(
        server_max_window_bits=12,
        client_max_window_bits=12,
        compress_settings={"memLevel": 5},
    )
    return [*extensions, factory]


class _Params(NamedTuple):
    """Parameters of an offer or an answer, as parsed."""

    server_no_context_takeover: bool
    client_no_context_takeover: bool
    server_max_window_bits: int | None
    # True for an offer without a value: the server may choose.
    client_max_window_bits: int | Literal[True] | None


def _parse_params(params: Sequence[ExtensionParameter], *, is_server: bool) -> _Params:
    """Parse parameters, received by the server if ``is_server``, else by the client.

    Raises:
        DuplicateParameter: If a parameter is repeated.
        InvalidParameterName: If a parameter is unknown.
        InvalidParameterValue: If a flag has a value or window bits are invalid.

    """
    server_no_context_takeover = client_no_context_takeover = False
    server_bits: int | None = None
    client_bits: int | Literal[True] | None = None
    for name, value in params:
        if name == "server_no_context_takeover":
            if server_no_context_takeover:
                raise DuplicateParameter(name)
            if value is not None:
                raise InvalidParameterValue(name, value)
            server_no_context_takeover = True
        elif name == "client_no_context_takeover":
            if client_no_context_takeover:
                raise DuplicateParameter(name)
            if value is not None:
                raise InvalidParameterValue(name, value)
            client_no_context_takeover = True
        elif name == "server_max_window_bits":
            if server_bits is not None:
                raise DuplicateParameter(name)
            server_bits = _parse_window_bits(name, value)
        elif name == "client_max_window_bits":
            if client_bits is not None:
                raise DuplicateParameter(name)
            # Only an offer may omit the value (RFC 7692 section 7.1.2.2).
            client_bits = True if is_server and value is None else _parse_window_bits(name, value)
        else:
            raise InvalidParameterName(name)
    return _Params(server_no_context_takeover, client_no_context_takeover, server_bits, client_bits)


def _parse_window_bits(name: str, value: str | None) -> int:
    bits = None if value is None else _WINDOW_BITS.get(value)
    if bits is None:
        raise InvalidParameterValue(name, value)
    return bits


def _build_params(
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: int | None,
    client_max_window_bits: int | Literal[True] | None,
) -> list[ExtensionParameter]:
    """Build the parameters of an offer or an answer."""
    params: list[ExtensionParameter] = []
    if server_no_context_takeover:
        params.append(("server_no_context_takeover", None))
    if client_no_context_takeover:
        params.append(("client_no_context_takeover", None))
    if server_max_window_bits is not None:
        params.append(("server_max_window_bits", str(server_max_window_bits)))
    if client_max_window_bits is True:
        params.append(("client_max_window_bits", None))
    elif client_max_window_bits is not None:
        params.append(("client_max_window_bits", str(client_max_window_bits)))
    return params


def _check_window_bits(name: str, bits: int) -> None:
    if not 8 <= bits <= 15:
        raise ValueError(f"{name} must be between 8 and 15, not {bits!r}")


# Any: these are zlib.compressobj's keyword arguments, whose types differ.
def _check_compress_settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    if settings is None:
        return {}
    if "wbits" in settings:
        raise ValueError("compress_settings must not set wbits: the window bits set it")
    return settings
