"""How often does ng.compare name a known bug correctly, and how often does it cry wolf?

Runs the hand-written buggy backprop of tests/backprop_bugs.py (12 bugs, plain numpy, both
conventions, sigmoid or tanh hidden layers, sigmoid + ½Σ(a − t)² and softmax + cross-entropy heads) on random shapes,
batch sizes and seeds, and referees each diagnosis with tests/backprop_bugs.diagnose_case:
exactly the differing arrays flagged, the bug's kind at the bug's layer first, the rest
"inherited"; a quarter of the cases run in float32 (judged at float32 precision).
Correct code (both reductions, float64 and float32 data) must give no finding.
Usage:  python benchmarks/diagnosis_score.py [cases per bug] [seed]
"""
import collections
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from backprop_bugs import BUGS, as_dict, backprop, diagnose_case, problem  # noqa: E402

import neurograph as ng  # noqa: E402


def random_case(rng):
    sizes = [int(v) for v in rng.integers(2, 6, size=int(rng.integers(3, 5)))]
    return (sizes, int(rng.integers(1, 7)), str(rng.choice(["sigmoid", "softmax"])),
            str(rng.choice(["row", "column"])), bool(rng.integers(2)), int(rng.integers(1 << 30)),
            str(rng.choice(["sigmoid", "tanh"])))


def main(per_bug: int = 200, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    named, invisible, failures = collections.Counter(), collections.Counter(), collections.defaultdict(list)
    for bug in sorted(BUGS):
        for _ in range(per_bug):
            sizes, m, head, convention, everything, s, hidden = random_case(rng)
            net, W, b, X, T = problem(sizes, m, head, s, convention, hidden)
            dtype = np.float32 if rng.integers(4) == 0 else np.float64      # a quarter of the cases in float32
            W, b = [w.astype(dtype) for w in W], [v.astype(dtype) for v in b]
            c, problem_found = diagnose_case(net, W, b, X.astype(dtype), T.astype(dtype), convention, head, bug,
                                             everything, hidden=hidden)
            if problem_found is None and c.ok:
                invisible[bug] += 1                 # the bug changed no number (e.g. a sum with m = 1)
            elif problem_found is None:
                named[bug] += 1
            else:
                failures[bug].append((sizes, m, head, convention, everything, s, hidden, problem_found))
    alarms, correct_runs = 0, 0
    for _ in range(per_bug * 2):
        sizes, m, head, convention, everything, s, hidden = random_case(rng)
        for reduction in ("mean", "sum"):
            for dtype in (np.float64, np.float32):
                net, W, b, X, T = problem(sizes, m, head, s, convention, hidden)
                cast = [np.asarray(v, dtype=dtype) for v in W], [np.asarray(v, dtype=dtype) for v in b]
                Xd, Td = X.astype(dtype), T.astype(dtype)
                mine = as_dict(backprop(*cast, Xd, Td, convention=convention, head=head, reduction=reduction,
                                        everything=everything, hidden=hidden))
                correct_runs += 1
                alarms += not ng.compare(net, Xd, Td, mine, convention=convention, reduction=reduction).ok
    total = sum(named.values()) + sum(len(f) for f in failures.values())
    print(f"buggy implementations: {per_bug} random cases for each of {len(BUGS)} bugs (seed {seed})")
    print(f"{'bug':16} {'kind':20} named  wrong  no visible effect")
    for bug in sorted(BUGS):
        print(f"{bug:16} {BUGS[bug][0]:20} {named[bug]:5}  {len(failures[bug]):5}  {invisible[bug]:5}")
    print(f"named correctly: {sum(named.values())} of {total} visible bugs "
          f"({sum(invisible.values())} cases where the bug changed no number were correctly silent)")
    print(f"false alarms on correct code: {alarms} of {correct_runs} runs (mean/sum × float64/float32)")
    for bug, cases in failures.items():
        for case in cases[:3]:
            print(f"  missed {bug}: {case}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
