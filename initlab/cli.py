"""The ``initlab`` command: ``initlab serve`` runs the lab as a web app with Voila."""
from __future__ import annotations

import argparse
import sys

from initlab.serving import serve as serving
from initlab.core import budget


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="initlab", description="See why neural-network training succeeds or fails.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve", help="serve the lab as a web app (Voila)",
        description="Serve the lab with Voila. Settings can be handed out as links, e.g. "
                    "http://HOST:PORT/?activation=tanh&init=gaussian&weight_std=0.01")
    serve.add_argument("notebook", nargs="?", default=None,
                       help="notebook (or folder) to serve; default: the lab app")
    serve.add_argument("--port", type=int, default=serving.DEFAULT_PORT,
                       help="port to listen on (default: %(default)s)")
    serve.add_argument("--host", default=serving.DEFAULT_HOST,
                       help="address to listen on (default: %(default)s; 0.0.0.0 for a class "
                            "on the local network)")
    browser = serve.add_mutually_exclusive_group()
    browser.add_argument("--open", dest="open_browser", action="store_true",
                         help="open a browser tab once serving")
    browser.add_argument("--no-browser", dest="open_browser", action="store_false",
                         help="do not open a browser (the default)")
    serve.add_argument("--pool-size", type=int, default=serving.DEFAULT_POOL_SIZE,
                       help="preheated kernels kept ready so a page opens faster "
                            f"(default {serving.DEFAULT_POOL_SIZE}; 0 turns it off)")
    serve.add_argument("--cull-idle", type=int, default=serving.DEFAULT_CULL_IDLE,
                       metavar="SECONDS",
                       help="shut down kernels idle this long with no page connected "
                            "(default: %(default)s; 0 keeps them)")
    serve.add_argument("--max-students", type=int, default=serving.DEFAULT_MAX_STUDENTS,
                       metavar="N",
                       help="most pages with a kernel at once; further pages get a polite "
                            "'the class is full' page (default: %(default)s; 0: no limit)")
    serve.add_argument("--max-mb-per-student", type=float, default=None, metavar="MB",
                       help="refuse settings whose estimated memory is above this "
                            f"(default: {budget.DEFAULT_MAX_MB:g}); each kernel's address space "
                            "is capped at twice this plus 512 MB")
    serve.add_argument("--token", default=None,
                       help="secret that every link must carry (?token=...); use it whenever "
                            "the lab listens on a network (--host 0.0.0.0)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        for name in ("max_students", "max_mb_per_student", "pool_size", "cull_idle"):
            value = getattr(args, name)
            if value is not None and value < 0:
                parser.error(f"--{name.replace('_', '-')}={value} is not allowed: expected 0 "
                             f"or more")
        if args.max_mb_per_student == 0:
            parser.error("--max-mb-per-student=0 is not allowed: expected a positive number")
    if args.command != "serve":
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        return serving.serve(args.notebook, port=args.port, host=args.host,
                             cull_idle=args.cull_idle, open_browser=args.open_browser,
                             pool_size=args.pool_size, max_students=args.max_students,
                             max_mb_per_student=args.max_mb_per_student, token=args.token)
    except FileNotFoundError as err:
        print(f"initlab: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
