"""``make fuzz``: run each coverage-guided target for a bounded time.

Seeds come from fuzz/corpus/<target>/ (committed, small); what libFuzzer finds new goes
to a scratch directory, so the committed corpus only changes when someone copies an
interesting input in on purpose. Exits non-zero if any target crashed.

    python fuzz/run.py [--seconds 60] [target ...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = ("decoders", "rules")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="time per target")
    parser.add_argument("targets", nargs="*", help=f"some of: {', '.join(TARGETS)} (all)")
    args = parser.parse_args()
    unknown = set(args.targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    failed = []
    for target in args.targets or TARGETS:
        with tempfile.TemporaryDirectory(prefix=f"hg-fuzz-{target}-") as scratch:
            print(f"== {target}: {args.seconds} s", flush=True)
            command = [
                sys.executable,
                str(HERE / "targets.py"),
                target,
                f"-max_total_time={args.seconds}",
                "-max_len=4096",
                "-timeout=10",  # one input taking 10 s is a hang: a finding
                f"-artifact_prefix={scratch}/",
                "-print_final_stats=1",
                scratch,
                str(HERE / "corpus" / target),
            ]
            code = subprocess.run(command, check=False).returncode
            if code != 0:
                failed.append(target)
                for artifact in Path(scratch).glob("*-*"):
                    kept = HERE / artifact.name
                    kept.write_bytes(artifact.read_bytes())
                    print(f"   {target}: the failing input is saved as {kept}", flush=True)
    if failed:
        print(f"fuzz: crashes in {', '.join(failed)}")
        return 1
    print("fuzz: no crashes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
