"""The asyncio implementation of WebSocket clients and servers."""
