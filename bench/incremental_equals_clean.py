"""A longer run of the incremental-equals-clean property: random edit sequences on sample_site.

    .venv/bin/python bench/incremental_equals_clean.py [--sequences 10] [--length 5] [--seed N]

After each sequence the incremental output is compared byte for byte with a clean build of the same inputs.
Prints one line per sequence and a summary; exits 1 on the first difference.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from conftest import copy_sample  # noqa: E402
from edits import EDITS, clean_copy, differences, digests  # noqa: E402
from mystlite.cache import cache_dir  # noqa: E402
from mystlite.log import Reporter  # noqa: E402
from mystlite.site import build_site  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sequences", type=int, default=10)
    parser.add_argument("--length", type=int, default=5)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(10**9)
    rng = random.Random(seed)
    cache = cache_dir()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        root = copy_sample(tmp / "edited")
        build_site(root, Reporter(quiet=True), cache_dir=cache)
        total = 0.0
        for n in range(args.sequences):
            applied = [rng.choice(EDITS)(root, rng) for _ in range(args.length)]
            start = time.perf_counter()
            incremental = build_site(root, Reporter(quiet=True), cache_dir=cache).output
            total += time.perf_counter() - start
            clean = build_site(clean_copy(root, tmp / f"clean-{n}"), Reporter(quiet=True), cache_dir=cache).output
            diff = differences(digests(incremental), digests(clean))
            print(f"sequence {n + 1}/{args.sequences}: {'equal' if not diff else 'DIFFERENT'}: {', '.join(applied)}")
            if diff:
                print(f"seed {seed}: files that differ: {diff[:10]}")
                return 1
    print(f"seed {seed}: {args.sequences} sequences x {args.length} edits, every incremental build equal to a "
          f"clean one; mean incremental build {total / args.sequences:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
