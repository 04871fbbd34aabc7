"""The version of this package."""

from __future__ import annotations

__all__ = ["commit", "released", "tag", "version"]

released = True
"""Whether this is a release, as opposed to a development snapshot."""

tag = "15.0.1"
"""The version of the websockets API this package implements."""

version = tag
"""The version number, as in ``websockets.__version__``."""

commit = tag
"""Identifies the source of the build; equal to the tag in a release."""
