"""`govcorpus`: the command line. Errors a user can fix are one line on stderr, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from pipelines.config import ConfigError, load_config
from pipelines.parquet_io import CorruptOutputError
from pipelines.readers import InputError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _clean(args: argparse.Namespace) -> int:
    from pipelines.runner import CleanRunner, OutputError, default_state_dir

    config = load_config(args.config)
    output = Path(args.output)
    options = {
        "state_dir": Path(args.state_dir) if args.state_dir else default_state_dir(output),
        "force": args.force,
        "quiet": args.quiet,
    }
    if args.engine == "ray":
        try:
            from pipelines.ray_engine import RayCleanRunner
        except ImportError as error:
            print(
                f"govcorpus: --engine ray needs Ray Data (pip install '.[scale]'): {error}", file=sys.stderr
            )
            return EXIT_USAGE
        runner: CleanRunner = RayCleanRunner(config, output, address=args.ray_address, **options)
    elif args.ray_address:
        print("govcorpus: --ray-address needs --engine ray", file=sys.stderr)
        return EXIT_USAGE
    else:
        runner = CleanRunner(config, output, **options)
    try:
        result = runner.run(args.input)
    except OutputError as error:
        print(f"govcorpus: {error}", file=sys.stderr)
        return EXIT_FAILED
    except ConnectionError as error:  # --ray-address names no reachable Ray cluster
        print(f"govcorpus: cannot reach the Ray cluster: {str(error).splitlines()[0]}", file=sys.stderr)
        return EXIT_FAILED
    if result.status == "nothing_to_do" or result.report is None:
        return EXIT_OK
    documents = result.report["documents"]
    reasons = ", ".join(f"{reason} {count}" for reason, count in result.report["rejected_by_reason"].items())
    print(
        f"govcorpus: run {result.run_id}: {documents['in']} documents in, {documents['kept']} kept, "
        f"{documents['rejected']} rejected{' (' + reasons + ')' if reasons else ''}, "
        f"{len(result.unreadable)} unreadable files, {result.report['wall_seconds']:.1f} s; report {result.report_path}"
    )
    if documents["in"] == 0 and result.report["inputs"]["files"] and result.unreadable:
        print("govcorpus: nothing could be processed", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    from pipelines.explain import explain

    return explain(Path(args.output), url=args.url, doc_id=args.id)


def _stats(args: argparse.Namespace) -> int:
    from pipelines.stats import print_stats

    return print_stats(Path(args.directory))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govcorpus", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    clean = commands.add_parser("clean", help="clean raw pages into a Parquet corpus")
    clean.add_argument(
        "--input", nargs="+", required=True, help="WARC, JSONL, Parquet files or directories of .html/.txt"
    )
    clean.add_argument("--output", required=True, help="output directory (clean/, rejected/, reports/)")
    clean.add_argument("--config", default=None, help="config file (default: govcorpus.yaml of the project)")
    clean.add_argument(
        "--state-dir", default=None, help="where indexes kept across runs live (default: OUTPUT/state)"
    )
    clean.add_argument("--force", action="store_true", help="rebuild the corpus from scratch")
    clean.add_argument("--quiet", action="store_true", help="no progress bar or notes")
    clean.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local: this process; ray: Ray Data tasks on a Ray cluster (same output)",
    )
    clean.add_argument(
        "--ray-address",
        default=None,
        help="Ray cluster to use: 'auto', ray://HEAD:10001 (default: a private local instance)",
    )
    clean.set_defaults(handler=_clean)

    explain = commands.add_parser("explain", help="why a document was kept or dropped, span by span")
    explain.add_argument("--output", required=True, help="output directory of a clean run")
    which = explain.add_mutually_exclusive_group(required=True)
    which.add_argument("--url")
    which.add_argument("--id")
    explain.set_defaults(handler=_explain)

    stats = commands.add_parser("stats", help="a summary of a corpus")
    stats.add_argument("directory", help="output directory of clean runs")
    stats.set_defaults(handler=_stats)

    try:
        from crawler.run import add_crawl_arguments, run_crawl
    except ImportError:
        pass
    else:
        crawl = commands.add_parser("crawl", help="run one scheduled crawl into data/raw/<crawl_id>/")
        add_crawl_arguments(crawl)
        crawl.set_defaults(handler=lambda args: run_crawl(args))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (ConfigError, InputError, CorruptOutputError) as error:
        print(f"govcorpus: {error}", file=sys.stderr)
        return EXIT_USAGE if isinstance(error, ConfigError) else EXIT_FAILED
    except FileNotFoundError as error:
        print(f"govcorpus: {error.args[0] if error.args else error}", file=sys.stderr)
        return EXIT_USAGE
    except PermissionError as error:
        print(f"govcorpus: permission denied: {error.filename or error}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("govcorpus: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
