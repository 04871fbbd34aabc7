"""Build the optional C accelerator, websockets.speedups.

pyproject.toml holds the project metadata; this file only exists because the choice
of building the extension depends on the environment. BUILD_EXTENSION decides:

- ``yes``: the extension is required; a failure to compile it fails the build;
- ``no``: the extension isn't built; websockets uses its pure-Python code;
- unset or empty: the build tries to compile it and, if that fails (no compiler,
  no Python headers...), says so and goes on without it.

"""

from __future__ import annotations

import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

MODES = ("yes", "no", "")

mode = os.environ.get("BUILD_EXTENSION", "").strip().lower()
if mode not in MODES:
    sys.exit(f"BUILD_EXTENSION must be 'yes', 'no' or unset, not {os.environ['BUILD_EXTENSION']!r}")

speedups = Extension(
    "websockets.speedups",
    sources=["src/websockets/speedups.c"],
    # setuptools skips missing optional extensions when it copies them next to the
    # sources for an editable install.
    optional=mode != "yes",
)


def warn_fallback(error: BaseException) -> None:
    """Explain, as loudly as a build log allows, that the C extension is missing."""
    rule = "*" * 78
    print(
        f"{rule}\n"
        f"WARNING: could not build the C extension websockets.speedups:\n"
        f"    {type(error).__name__}: {error}\n"
        f"websockets will work without it, using its slower pure-Python code.\n"
        f"Set BUILD_EXTENSION=yes to make this an error, or BUILD_EXTENSION=no to\n"
        f"skip the extension quietly.\n"
        f"{rule}",
        file=sys.stderr,
    )


class OptionalBuildExt(build_ext):
    """build_ext that turns a compilation failure into a warning when allowed to."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # e.g. no C compiler configured for this platform
            if not speedups.optional:
                raise
            warn_fallback(error)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as error:  # CompileError, LinkError, PlatformError...
            if not ext.optional:
                raise
            warn_fallback(error)


setup(
    ext_modules=[] if mode == "no" else [speedups],
    cmdclass={"build_ext": OptionalBuildExt},
)
