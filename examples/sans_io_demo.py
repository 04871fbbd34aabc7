"""A client and a server talking through the Sans-I/O core, in memory.

Every frame is printed as it crosses from one side to the other: the opening handshake,
text and binary messages, a compressed message, a fragmented message, ping and pong, and
the closing handshake. No socket is involved: bytes are handed from one protocol object to
the other, which is exactly what the asyncio and threading layers do over TCP.
"""

from __future__ import annotations

from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import Frame
from websockets.http11 import Request, Response
from websockets.protocol import SEND_EOF, Protocol
from websockets.server import ServerProtocol
from websockets.uri import parse_uri


def transfer(source: Protocol, target: Protocol, arrow: str) -> list[Request | Response | Frame]:
    """Hand the bytes that ``source`` wants to send to ``target``; show and return events."""
    events: list[Request | Response | Frame] = []
    for data in source.data_to_send():
        if data == SEND_EOF:
            print(f"  {arrow} [end of stream]")
            target.receive_eof()
            continue
        target.receive_data(data)
        for event in target.events_received():
            if isinstance(event, Request):
                print(f"  {arrow} HTTP request GET {event.path}")
            elif isinstance(event, Response):
                print(f"  {arrow} HTTP response {event.status_code} {event.reason_phrase}")
            else:
                print(f"  {arrow} {event}")
            events.append(event)
    return events


def main() -> None:
    client = ClientProtocol(
        parse_uri("ws://localhost/demo"), extensions=[ClientPerMessageDeflateFactory()]
    )
    server = ServerProtocol(extensions=[ServerPerMessageDeflateFactory()])

    print("Opening handshake")
    client.send_request(client.connect())
    [request] = transfer(client, server, "client -> server")
    assert isinstance(request, Request)
    server.send_response(server.accept(request))
    transfer(server, client, "server -> client")
    print(f"  negotiated extensions: {client.extensions}")

    print("Messages")
    client.send_text(b"Hello, server! " * 4)
    transfer(client, server, "client -> server")
    server.send_binary(bytes(range(32)))
    transfer(server, client, "server -> client")
    client.send_text(b"frag", fin=False)
    client.send_continuation(b"mented", fin=True)
    transfer(client, server, "client -> server")

    print("Ping and pong")
    client.send_ping(b"are you there?")
    transfer(client, server, "client -> server")
    transfer(server, client, "server -> client")

    print("Closing handshake")
    client.send_close(1000, "goodbye")
    transfer(client, server, "client -> server")
    transfer(server, client, "server -> client")
    transfer(client, server, "client -> server")
    print(f"  client: {client.state.name}, {client.close_exc}")
    print(f"  server: {server.state.name}, {server.close_exc}")


if __name__ == "__main__":
    main()
