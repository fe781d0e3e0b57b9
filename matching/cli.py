"""Command line of the contract: `allocate` and `suggest` on an instance JSON file."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .allocation import TIME_LIMIT, allocate
from .explain import LANGS
from .suggest import (
    suggest_for_funder,
    suggest_for_need,
    suggest_for_organization,
    suggest_funders_for_need,
)
from .types import InvalidInstance, parse_instance

EXIT_INVALID = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("allocate", help="global allocation of needs, organizations, money")
    run.add_argument("instance", help="instance JSON file")
    run.add_argument("-o", "--output", help="write the result JSON here instead of stdout")
    run.add_argument("--backend", choices=("auto", "networkx", "ortools"), default="auto")
    run.add_argument(
        "--time-limit",
        type=float,
        default=TIME_LIMIT,
        help=f"seconds for the exact program (default {TIME_LIMIT:g})",
    )
    ask = commands.add_parser("suggest", help="ranked suggestions for one item")
    ask.add_argument("instance", help="instance JSON file")
    item = ask.add_mutually_exclusive_group(required=True)
    item.add_argument("--need", help="organizations and funders for this need")
    item.add_argument("--funder", help="needs for this funder")
    item.add_argument("--organization", help="needs for this organization")
    ask.add_argument("-k", type=int, default=10, help="how many (default 10)")
    for command in (run, ask):
        command.add_argument(
            "--lang", choices=LANGS, default="zh", help="language of the reasons' sentences"
        )
    return parser


def _suggest(args: argparse.Namespace, instance) -> dict[str, Any]:
    names = instance.names.get(args.lang)

    def listed(found):
        return [s.to_dict(args.lang, names) for s in found]

    if args.need is not None:
        return {
            "need": args.need,
            "organizations": listed(suggest_for_need(instance, args.need, args.k)),
            "funders": listed(suggest_funders_for_need(instance, args.need, args.k)),
        }
    if args.funder is not None:
        found = suggest_for_funder(instance, args.funder, args.k)
        return {"funder": args.funder, "needs": listed(found)}
    found = suggest_for_organization(instance, args.organization, args.k)
    return {"organization": args.organization, "needs": listed(found)}


def main(argv: list[str] | None = None) -> int:
    """Run one command; invalid input ends with exit status 2 and a message naming the field."""
    args = _parser().parse_args(argv)
    try:
        with open(args.instance, encoding="utf-8") as file:
            instance = parse_instance(json.load(file))
        if args.command == "allocate":
            result = allocate(instance, backend=args.backend, time_limit=args.time_limit)
            out = result.to_dict(args.lang, instance.names.get(args.lang))
        else:
            out = _suggest(args, instance)
    except (OSError, json.JSONDecodeError) as error:
        print(f"cannot read {args.instance}: {error}", file=sys.stderr)
        return EXIT_INVALID
    except InvalidInstance as error:
        print(f"invalid instance {args.instance}: {error}", file=sys.stderr)
        return EXIT_INVALID
    except LookupError as error:
        print(f"{args.instance}: {error.args[0]}", file=sys.stderr)
        return EXIT_INVALID
    text = json.dumps(out, ensure_ascii=False, indent=2)
    if args.command == "allocate" and args.output:
        with open(args.output, "w", encoding="utf-8") as file:
            file.write(text + "\n")
    else:
        print(text)
    return 0
