"""How fast does neurograph start?  Whole-process times, run as a user runs them.

    python benchmarks/startup.py [--rounds 7]

Times ``python -c "import numpy"``, ``python -c "import neurograph"`` and
``neurograph draw`` of a saved 784-100-10 model (to SVG) as subprocesses, in
interleaved rounds (each round runs every command once, starting one later),
and prints the median wall seconds and the median CPU seconds (user + system of
the process and of the processes it waited for: ``dot`` for the SVG) of each,
with its ratio to ``import numpy``.  Two more rows split ``draw`` in two: the
same command writing the DOT text (no Graphviz), and Graphviz's ``dot -Tsvg``
alone on that text.  CPU time hardly moves when other jobs share the cores;
wall time does.  The commands run with Python's bytecode cache on, as a user's
do (PYTHONDONTWRITEBYTECODE is dropped from their environment, and the warm-up
round writes the .pyc files), so that no row pays for compiling the sources.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DRAW = "neurograph draw (784-100-10)"


def commands(directory: Path) -> dict[str, list[str]]:
    """The measured commands; saves the 784-100-10 model they draw (and its DOT text) into ``directory``."""
    import neurograph as ng
    import visualize
    model = directory / "784-100-10.json"
    net = ng.Network.layered([784, 100, 10], output_activation="softmax", loss="cross_entropy", seed=0)
    net.save(model)
    visualize.draw(ng.Network.load(model)).save(directory / "given.dot")
    python = sys.executable
    draw = [python, "-m", "neurograph", "draw", str(model), "-o"]
    return {"import numpy": [python, "-c", "import numpy"],
            "import neurograph": [python, "-c", "import neurograph"],
            DRAW: [*draw, str(directory / "net.svg")],
            "neurograph draw to .dot (no Graphviz)": [*draw, str(directory / "net.dot")],
            "dot -Tsvg of that DOT (Graphviz alone)": ["dot", "-Tsvg", str(directory / "given.dot"),
                                              "-o", str(directory / "given.svg")]}


#: the environment of the measured commands: this one, with the bytecode cache on
CACHED = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of ``command``; a run that fails raises."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=CACHED)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def times_of(runs: dict[str, list[str]], rounds: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """({command: wall seconds per round}, {command: CPU seconds per round})."""
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            w, c = run(runs[name])
            wall[name].append(w)
            cpu[name].append(c)
    return wall, cpu


def measure(rounds: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """(wall, CPU) seconds per command and round, the model written to a temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        runs = commands(Path(tmp))
        times_of(runs, 1)                                     # warm the file cache and .pyc files
        return times_of(runs, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    wall, cpu = measure(args.rounds)
    for kind, times in (("wall", wall), ("CPU", cpu)):
        numpy_s = float(np.median(times["import numpy"]))
        print(f"{kind} seconds, median of {args.rounds} interleaved rounds")
        for name, values in times.items():
            med = float(np.median(values))
            print(f"  {name:40s} {med:.3f} s  ({med / numpy_s:.2f}× import numpy; "
                  f"rounds {min(values):.3f}–{max(values):.3f} s)")


if __name__ == "__main__":
    main()
