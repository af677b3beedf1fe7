"""``flowsim world``: summarise a world's tables and optionally draw its route map."""

from __future__ import annotations

import argparse

from flowsim.world import MODES, World, load_world


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``world`` command to the ``flowsim`` parser."""
    parser = subparsers.add_parser(
        "world",
        help="summarise the world (countries, routes, origins) and draw its map",
        description="Validate a world's tables, print a summary and optionally draw a map.",
    )
    parser.add_argument(
        "--world",
        metavar="DIR",
        default=None,
        help="folder with countries/routes/visas/diaspora/push CSVs (default: built-in world)",
    )
    parser.add_argument("--map", metavar="FILE.png", default=None, help="write a route map here")
    parser.set_defaults(func=run)


def summary(world: World) -> str:
    """Return the plain-text summary the command prints."""
    routes = world.routes
    by_mode = routes["mode"].value_counts()
    lines = [
        f"world: {world.source}",
        f"countries ({len(world.countries)}): {', '.join(world.iso3())}",
        f"routes ({len(routes)}): "
        + ", ".join(f"{mode} {int(by_mode.get(mode, 0))}" for mode in MODES)
        + f"; irregular (legal=false) {int((~routes['legal']).sum())}",
        "named crossings:",
    ]
    named = routes[routes["name"] != ""]
    for row in named.itertuples():
        status = "legal" if row.legal else "irregular"
        lines.append(f"  {row.name}: {row.from_iso3} -> {row.to_iso3} ({row.mode}, {status})")
    lines.append(f"origins ({len(world.origins())}): {', '.join(world.origins())}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``flowsim world``."""
    world = load_world(args.world)
    print(summary(world))
    if args.map:
        from flowsim.world.map import save_map

        save_map(world, args.map)
        print(f"map written to {args.map}")
    return 0
