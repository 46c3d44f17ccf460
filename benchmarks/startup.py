"""How fast does neurograph start?  Whole-process wall times, run as a user runs them.

    python benchmarks/startup.py [--rounds 7]

Times ``python -c "import numpy"``, ``python -c "import neurograph"`` and
``neurograph draw`` of a saved 784-100-10 model (to SVG) as subprocesses, in
interleaved rounds (each round runs every command once, starting one later),
and prints the median wall seconds of each with its ratio to ``import numpy``.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def commands(directory: Path) -> dict[str, list[str]]:
    """The measured commands; saves the 784-100-10 model they draw into ``directory``."""
    import neurograph as ng
    model = directory / "784-100-10.json"
    ng.Network.layered([784, 100, 10], output_activation="softmax", loss="cross_entropy", seed=0).save(model)
    python = sys.executable
    return {"import numpy": [python, "-c", "import numpy"],
            "import neurograph": [python, "-c", "import neurograph"],
            "neurograph draw (784-100-10)": [python, "-m", "neurograph", "draw", str(model),
                                             "-o", str(directory / "net.svg")]}


def wall_times(runs: dict[str, list[str]], rounds: int) -> dict[str, list[float]]:
    """Wall seconds of every command in every round (a run that fails raises)."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            start = time.perf_counter()
            subprocess.run(runs[name], check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
    return times


def measure(rounds: int) -> dict[str, list[float]]:
    """{command: wall seconds per round}, the model written to a temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        runs = commands(Path(tmp))
        wall_times(runs, 1)                                   # warm the file cache and .pyc files
        return wall_times(runs, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    times = measure(args.rounds)
    numpy_s = float(np.median(times["import numpy"]))
    for name, values in times.items():
        med = float(np.median(values))
        print(f"{name:30s} median {med:.3f} s  ({med / numpy_s:.2f}× import numpy; "
              f"rounds {min(values):.3f}–{max(values):.3f} s)")


if __name__ == "__main__":
    main()
