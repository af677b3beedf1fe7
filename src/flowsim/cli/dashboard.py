"""``flowsim dashboard``: serve the interactive dashboard (live model and results browser)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from flowsim.errors import FlowsimError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``dashboard`` command to the ``flowsim`` parser."""
    parser = subparsers.add_parser(
        "dashboard",
        help="serve the interactive dashboard in a web browser",
        description=(
            "Serve a local web app: run the model live with policy levers (flow map, onward "
            "migration over time, status composition) and browse a finished sweep's results "
            "folder. Needs the 'dashboard' extra (pip install 'flowsim[dashboard]')."
        ),
    )
    parser.add_argument(
        "results_dir",
        metavar="RESULTS_DIR",
        nargs="?",
        help="a results folder to browse in the results tab (optional)",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    parser.add_argument("--host", default="localhost", help="host (default: localhost)")
    parser.add_argument(
        "--scenarios",
        metavar="DIR",
        default="scenarios",
        help="folder of scenario files for the dropdown (default: scenarios)",
    )
    parser.set_defaults(func=run)


def command(args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    """Return the server command line and environment for ``args``.

    Raises:
        FlowsimError: Solara is not installed or the results folder does not exist.
    """
    try:
        import solara  # noqa: F401
    except ModuleNotFoundError as exc:
        raise FlowsimError("the dashboard needs Solara: pip install 'flowsim[dashboard]'") from exc
    from flowsim.dashboard.app import RESULTS_ENV, SCENARIOS_ENV

    env = dict(os.environ)
    if args.results_dir:
        folder = Path(args.results_dir)
        if not folder.is_dir():
            raise FlowsimError(f"results folder {folder} does not exist")
        env[RESULTS_ENV] = str(folder.resolve())
    env[SCENARIOS_ENV] = str(Path(args.scenarios).resolve())
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    argv = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "flowsim.dashboard.app",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--no-open",
        "--no-check-version",
    ]
    return argv, env


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted.

    The server replaces this process (``exec``), so stopping ``flowsim dashboard`` (Ctrl+C,
    SIGTERM) stops the server too and never leaves it running orphaned.
    """
    argv, env = command(args)
    print(f"flowsim dashboard on http://{args.host}:{args.port} (Ctrl+C to stop)", flush=True)
    os.execve(argv[0], argv, env)
    return 0  # not reached
