"""Entry point of the ``flowsim`` command.

Each command lives in its own module under ``flowsim.cli`` and exposes
``register(subparsers)``; the module is imported only when listed here, so a command's
heavy dependencies load only when it runs. User errors (``FlowsimError``), bad arguments
and operating-system errors (a full or read-only disk, a missing folder) are printed as
plain lines without a traceback and give exit status 2; an interruption (Ctrl+C or
SIGTERM) gives status 130 after the command has cleaned up what it created.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from types import FrameType

from flowsim import __version__
from flowsim.cli.options import OneLineParser
from flowsim.errors import FlowsimError

#: Command modules, in the order ``flowsim --help`` lists them.
COMMANDS: tuple[str, ...] = (
    "world",
    "validate",
    "schema",
    "run",
    "sweep",
    "compare",
    "calibrate",
    "sensitivity",
    "explain",
    "dashboard",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every available command registered."""
    parser = OneLineParser(
        prog="flowsim",
        description="Agent-based simulation of onward migration in the Americas.",
    )
    parser.add_argument("--version", action="version", version=f"flowsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"flowsim.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"flowsim.cli.{name}":
                continue  # command not part of this build
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``flowsim`` command line and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        return int(args.func(args) or 0)
    except FlowsimError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except OSError as exc:
        print(os_error_line(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def os_error_line(exc: OSError) -> str:
    """Return an operating-system error as one line naming the file, e.g. a full disk."""
    where = exc.filename if exc.filename is not None else "flowsim"
    text = str(exc).strip()
    reason = exc.strerror or (text.splitlines()[0] if text else type(exc).__name__)
    return f"{where}: {reason}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
