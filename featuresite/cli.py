"""The command line: `python build.py [build|check] ...` (see --help)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .errors import ContentErrors, Diagnostics, UsageError, display_path
from .pipeline import Options, build, check

COMMANDS = ("build", "check")

DESCRIPTION = """\
Build a bilingual news-feature microsite from a content folder
(Markdown articles + YAML fact sheets; see docs/content.md).

  python build.py                      build content/ into site/
  python build.py build --base-url https://example.org/feature/
  python build.py check                validate everything, write nothing

Exit status: 0 ok, 1 content errors (printed as path:line:col: error: message),
2 usage errors.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"featuresite {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                         help="the content folder (default: content)")
        sub.add_argument("--strict", action="store_true",
                         help="treat warnings (e.g. a missing translation) as errors")

    build_cmd = commands.add_parser("build", help="render the content folder into the output folder (default)",
                                    description="Render the content folder into the output folder.")
    common(build_cmd)
    build_cmd.add_argument("--out", type=Path, default=Path("site"), metavar="DIR",
                           help="the output folder (default: site); replaced whole on success")
    build_cmd.add_argument("--base-url", metavar="URL",
                           help="where the site will be published, e.g. https://example.org/feature/; "
                                "overrides site.yaml; its path prefixes every link")
    check_cmd = commands.add_parser("check", help="validate everything and write nothing",
                                    description="Validate all content and templates; write nothing.")
    common(check_cmd)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # `python build.py` and `python build.py --strict` mean `build`.
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "build")
    args = _parser().parse_args(argv)
    diags = Diagnostics()
    options = Options(content_dir=args.content, base_url=getattr(args, "base_url", None), strict=args.strict)
    try:
        if args.command == "check":
            count = check(options, diags)
            summary = f"checked {display_path(args.content)}: {count} files would be written"
        else:
            count = build(options, args.out, diags)
            summary = f"built {count} files into {display_path(args.out)}"
    except UsageError as exc:
        print(f"build.py: error: {exc}", file=sys.stderr)
        return 2
    except ContentErrors:
        _report(diags)
        return 1
    _report(diags)
    print(summary)
    return 0


def _report(diags: Diagnostics) -> None:
    for item in diags.sorted():
        print(item.format(), file=sys.stderr)
    errors, warnings = len(diags.errors), len(diags.warnings)
    if errors or warnings:
        print(f"{errors} error(s), {warnings} warning(s)", file=sys.stderr)
