"""Tests for websockets.extensions.base: the interfaces extensions implement."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

import websockets.extensions
from websockets.extensions import ClientExtensionFactory, Extension, ServerExtensionFactory, base
from websockets.frames import OP_TEXT, Frame
from websockets.typing import ExtensionName, ExtensionParameter


def test_package_reexports_base() -> None:
    assert websockets.extensions.__all__ == base.__all__
    for name in base.__all__:
        assert getattr(websockets.extensions, name) is getattr(base, name)


def test_extension_methods_are_abstract() -> None:
    extension = Extension()
    frame = Frame(OP_TEXT, b"")
    with pytest.raises(NotImplementedError):
        extension.decode(frame)
    with pytest.raises(NotImplementedError):
        extension.decode(frame, max_size=1)
    with pytest.raises(NotImplementedError):
        extension.encode(frame)


def test_client_factory_methods_are_abstract() -> None:
    factory = ClientExtensionFactory()
    with pytest.raises(NotImplementedError):
        factory.get_request_params()
    with pytest.raises(NotImplementedError):
        factory.process_response_params([], [])


def test_server_factory_methods_are_abstract() -> None:
    factory = ServerExtensionFactory()
    with pytest.raises(NotImplementedError):
        factory.process_request_params([], [])


class Reverse(Extension):
    """A toy extension: reverses payloads, to show what subclasses implement."""

    name = ExtensionName("x-reverse")

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        return Frame(frame.opcode, bytes(frame.data)[::-1], frame.fin)

    def encode(self, frame: Frame) -> Frame:
        return Frame(frame.opcode, bytes(frame.data)[::-1], frame.fin)


class ReverseClient(ClientExtensionFactory):
    name = ExtensionName("x-reverse")

    def get_request_params(self) -> Sequence[ExtensionParameter]:
        return [("x", None)]

    def process_response_params(
        self, params: Sequence[ExtensionParameter], accepted_extensions: Sequence[Extension]
    ) -> Extension:
        return Reverse()


class ReverseServer(ServerExtensionFactory):
    name = ExtensionName("x-reverse")

    def process_request_params(
        self, params: Sequence[ExtensionParameter], accepted_extensions: Sequence[Extension]
    ) -> tuple[list[ExtensionParameter], Extension]:
        return list(params), Reverse()


def test_subclasses_implement_the_interface() -> None:
    client = ReverseClient()
    params = client.get_request_params()
    response, server_extension = ReverseServer().process_request_params(params, [])
    client_extension = client.process_response_params(response, [])
    assert response == [("x", None)]
    assert client_extension.name == server_extension.name == "x-reverse"
    sent = client_extension.encode(Frame(OP_TEXT, b"abc"))
    assert sent.data == b"cba"
    assert server_extension.decode(sent, max_size=3).data == b"abc"


def test_extensions_apply_through_frames() -> None:
    # Frame.serialize encodes in order and Frame.parse decodes in reverse.
    data = Frame(OP_TEXT, b"abc").serialize(mask=False, extensions=[Reverse()])
    assert data == b"\x81\x03cba"
