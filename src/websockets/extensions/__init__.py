"""WebSocket extensions: the interfaces, in :mod:`.base`, and permessage-deflate."""

from __future__ import annotations

from .base import ClientExtensionFactory, Extension, ServerExtensionFactory

__all__ = ["ClientExtensionFactory", "Extension", "ServerExtensionFactory"]
