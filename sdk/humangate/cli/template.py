"""``humangate template check FILE``: the verdict Config gives a custom challenge page.

It runs the very checks :class:`humangate.Config` runs at start-up, so an owner can
validate a template in CI before deploying it. Exit status 0 when it is fine, 1 if not.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from humangate.pages.custom import TemplateError, check_template, read_template


def _check(args: argparse.Namespace) -> int:
    try:
        text = read_template(args.file) if args.file != "-" else sys.stdin.read()
    except TemplateError as exc:
        problems = exc.problems
    else:
        problems = check_template(text)
    if not problems:
        print(f"{args.file}: ok, a valid challenge template")
        return 0
    for problem in problems:
        print(f"{args.file}: {problem}")
    return 1


def add_parser(commands: Any) -> None:
    """Register ``template check`` on the ``humangate`` command's subparsers."""
    template = commands.add_parser("template", help="work with custom challenge pages")
    actions = template.add_subparsers(dest="template_command", required=True)
    check = actions.add_parser("check", help="validate a custom challenge page template")
    check.add_argument("file", help="the template's path (or - for standard input)")
    check.set_defaults(handler=_check)
