"""Time one training step (loss, BPTT and an Adam update) of the tanh RNN, the LSTM and the GRU on
the adding problem of chapter 6: hidden width H = 16, batch B = 32, length T = 100, loss at T.

Usage: ``python benchmarks/step_time.py [--code DIR] [--repeats N]``. ``--code`` times another
copy of the package (the ``code/`` folder of an older checkout), for a before/after comparison.
Each model's time is the median over ``--repeats`` rounds of 20 steps, with one BLAS thread (as
the chapter's sweep workers run), in CPU time (less sensitive to other processes on a shared
machine) and wall time. Not a test: times depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
from pathlib import Path

H, B, T, STEPS = 16, 32, 100, 20


def main(argv=None) -> None:
    """Print the median time per training step of each model, in milliseconds."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parents[1] / "code")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.code.resolve()))
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"  # before numpy loads its BLAS
    import numpy as np

    optim = importlib.import_module("vanishing.optim")
    tasks = importlib.import_module("vanishing.tasks")
    print(f"vanishing from {importlib.import_module('vanishing').__file__}")
    x, y = tasks.adding_problem(B, T, rng=np.random.default_rng(0))
    for name in ("rnn", "lstm", "gru"):
        module = importlib.import_module(f"vanishing.{name}")
        init = getattr(module, f"init_{name}")
        model = init(2, H, 1, rng=0)  # the RNN is tanh by default
        wall, cpu = [], []
        for _ in range(args.repeats):
            adam, m = optim.Adam(1e-3), model
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(STEPS):
                _, grads = module.loss_and_grads(m, x, y, loss_at="last")
                m = adam.step(m, grads)
            wall.append((time.perf_counter() - start) / STEPS * 1e3)
            cpu.append((time.process_time() - start_cpu) / STEPS * 1e3)
        cpu_ms, wall_ms = statistics.median(cpu), statistics.median(wall)
        print(
            f"{name:5s} {cpu_ms:6.2f} ms CPU, {wall_ms:6.2f} ms wall per step (H={H}, B={B}, T={T})"
        )


if __name__ == "__main__":
    main()
