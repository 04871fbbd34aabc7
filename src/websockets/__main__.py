"""Run the interactive client: ``python -m websockets <uri>``."""

from __future__ import annotations

from .cli import main

__all__: list[str] = []

if __name__ == "__main__":
    main()
