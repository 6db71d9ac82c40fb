"""The command line: `python build.py [build|check] ...` (see --help)."""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

from . import __version__
from .errors import ContentErrors, Diagnostics, InternalError, UsageError, display_path
from .pipeline import Options, build, check

COMMANDS = ("build", "check", "serve", "status", "new")

DESCRIPTION = """\
Build a bilingual news-feature microsite from a content folder
(Markdown articles + YAML fact sheets; see docs/content.md).

  python build.py                      build content/ into site/
  python build.py build --base-url https://example.org/feature/
  python build.py check                validate everything, write nothing
  python build.py serve                live preview on http://127.0.0.1:8000/
  python build.py status               which articles are translated, which are out of date
  python build.py new article SLUG     start a new article in every language

Exit status: 0 ok, 1 content errors (printed as path:line:col: error: message),
2 usage errors, 70 a bug in featuresite (--debug shows its traceback).
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"featuresite {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def debug(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--debug", action="store_true",
                         help="on an internal error (exit 70, a bug in featuresite), show its traceback")

    def common(sub: argparse.ArgumentParser) -> None:
        debug(sub)
        sub.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                         help="the content folder (default: content)")
        sub.add_argument("--strict", action="store_true",
                         help="treat warnings (e.g. a missing translation) as errors")

    build_cmd = commands.add_parser("build", help="render the content folder into the output folder (default)",
                                    description="Render the content folder into the output folder.")
    common(build_cmd)
    build_cmd.add_argument("--out", type=Path, default=Path("site"), metavar="DIR",
                           help="the output folder (default: site); replaced whole on success, and only "
                                "then; a second build of the same folder waits for the first to finish")
    build_cmd.add_argument("--base-url", metavar="URL",
                           help="where the site will be published, e.g. https://example.org/feature/; "
                                "overrides site.yaml; its path prefixes every link")
    build_cmd.add_argument("--no-cache", action="store_true",
                           help="ignore and keep no build cache (.featuresite-cache/ beside the output "
                                "folder): render and write every file")
    check_cmd = commands.add_parser("check", help="validate everything and write nothing",
                                    description="Validate all content and templates; write nothing.")
    common(check_cmd)
    serve_cmd = commands.add_parser(
        "serve", help="live preview: build, serve, rebuild and reload the browser on every save",
        description="Build into memory, serve on HOST:PORT, watch content/, templates/ and static/, "
                    "rebuild what a change affects and reload open browser tabs. Ctrl-C stops it.")
    common(serve_cmd)
    serve_cmd.add_argument("--host", default="127.0.0.1",
                           help="address to listen on (default: 127.0.0.1, this machine only)")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve_cmd.add_argument("--open", action="store_true", help="open the site in a web browser")
    status_cmd = commands.add_parser(
        "status", help="translation table: per article, which languages exist and which are out of date",
        description="Per article: which languages exist, and whether a translation is older than the "
                    "default-language text (by the front matter's `updated`, else `date`).")
    debug(status_cmd)
    status_cmd.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                            help="the content folder (default: content)")
    new_cmd = commands.add_parser(
        "new", help="start a new article, platform or event in every language",
        description="Scaffold a new item with every required field, in every language. "
                    "Never overwrites: an existing file or id is left as it is.")
    new_cmd.add_argument("kind", choices=("article", "platform", "event"), help="what to create")
    new_cmd.add_argument("slug", help="its id: lower-case letters, digits and hyphens, e.g. new-lab")
    debug(new_cmd)
    new_cmd.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                         help="the content folder (default: content)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # `python build.py` and `python build.py --strict` mean `build`.
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "build")
    args = _parser().parse_args(argv)
    try:
        return _main(args)
    except KeyboardInterrupt:
        raise
    except InternalError as exc:
        return _internal_error(exc.message, exc.details, args.debug)
    except Exception as exc:  # a bug: never a content error, never a bare traceback
        return _internal_error(f"{type(exc).__name__}: {exc}", traceback.format_exc(), args.debug)


def _internal_error(message: str, details: str, debug: bool) -> int:
    """Report a bug in featuresite: one line, and the traceback only when asked for (--debug)."""
    if debug:
        print(details.rstrip(), file=sys.stderr)
    hint = "" if debug else "; rerun with --debug to see the traceback"
    print(f"build.py: internal error: {message} (a bug in featuresite, not in the content{hint})",
          file=sys.stderr)
    return 70


def _main(args: argparse.Namespace) -> int:
    """Run one parsed command; returns the exit status."""
    diags = Diagnostics()
    options = Options(content_dir=args.content, base_url=getattr(args, "base_url", None),
                      strict=getattr(args, "strict", False))
    try:
        if args.command == "serve":
            from .serve import serve  # imports the web server only when needed
            if not args.content.is_dir():
                raise UsageError(f"content folder {args.content} does not exist")
            return serve(args.content, args.host, args.port, args.open, options)
        if args.command == "status":
            from .editing import status
            return status(options, sys.stdout, diags)
        if args.command == "new":
            from .editing import new
            return new(args.kind, args.slug, options, sys.stdout, diags)
        with _terminate_as_interrupt():
            if args.command == "check":
                count = check(options, diags)
                summary = f"checked {display_path(args.content)}: {count} files would be written"
            else:
                def waiting() -> None:
                    print(f"build.py: another build is writing {display_path(args.out)}; waiting for it "
                          "to finish", file=sys.stderr, flush=True)
                report = build(options, args.out, diags, on_wait=waiting, use_cache=not args.no_cache)
                if report.written == 0:
                    summary = f"{display_path(args.out)} is up to date ({report.files} files)"
                elif report.written < report.files:
                    summary = f"rebuilt {report.written} of {report.files} files in {display_path(args.out)}"
                else:
                    summary = f"built {report.files} files into {display_path(args.out)}"
    except UsageError as exc:
        print(f"build.py: error: {exc}", file=sys.stderr)
        return 2
    except ContentErrors:
        _report(diags)
        return 1
    except KeyboardInterrupt:
        if args.command == "serve":
            raise
        if args.command == "build":
            print(f"build.py: interrupted; {display_path(args.out)} holds a whole site, never part of one",
                  file=sys.stderr)
        else:
            print("build.py: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if args.command == "serve" and exc.errno in (98, 48):  # address in use (Linux, macOS)
            print(f"build.py: error: port {args.port} is in use; try --port {args.port + 1}", file=sys.stderr)
            return 2
        # e.g. no permission to write the output folder or a new file, disk full
        print(f"build.py: error: {exc}", file=sys.stderr)
        return 2
    _report(diags)
    print(summary)
    return 0


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While the block runs, SIGTERM (a `kill`, a CI job cancelled) stops it like Ctrl-C: cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _report(diags: Diagnostics) -> None:
    for item in diags.sorted():
        print(item.format(), file=sys.stderr)
    errors, warnings = len(diags.errors), len(diags.warnings)
    if errors or warnings:
        print(f"{errors} error(s), {warnings} warning(s)", file=sys.stderr)


def run() -> None:
    """The command line as a program: main(), then exit at once with its status.

    A build leaves hundreds of thousands of objects (the Site, the parse
    results); freeing them one by one as Python shuts down took 0.03 to
    0.04 s (a tenth of a one-article rebuild of 1,000 pairs), while the system
    frees the memory all at once. By then there is nothing else to finish:
    output is flushed here, workers have been joined, and the system releases
    the lock.
    """
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
