"""Write any figure of the book to a file: ``python -m vanishing.plotting --list``."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from ..experiments import ch01 as ex01
from ..experiments import ch02 as ex02
from ..experiments import ch03 as ex03
from ..experiments import ch04 as ex04
from ..experiments import ch05 as ex05
from ..experiments import ch06 as ex06
from . import ch01, ch02, ch03, ch04, ch05, ch06, diagrams
from .style import SAVE_METADATA

# name -> (one-line description, function that runs the experiment and draws the figure)
FIGURES: dict[str, tuple[str, Callable[[], Figure]]] = {
    "ch01-repeated-factors": (
        "b**n for b = 0.99, 1.01, 0.25 (chapter 1)",
        lambda: ch01.repeated_factors(ex01.power_table()),
    ),
    "ch01-init-gradient-norms": (
        "per-layer gradient norms of a 20-layer MLP at initialisation (chapter 1)",
        lambda: ch01.init_gradient_norms(ex01.gradient_norms_at_init()),
    ),
    "ch01-learning-speed": (
        "per-layer learning speed of a deep sigmoid MLP during training (chapter 1)",
        lambda: ch01.learning_speed(ex01.learning_speed()),
    ),
    "ch02-unrolled-rnn": (
        "the folded and the unrolled RNN, shared weights marked (chapter 2)",
        lambda: diagrams.unrolled_rnn(4),
    ),
    "ch02-lag-contributions": (
        "size of each term of the BPTT sum against its lag (chapter 2)",
        lambda: ch02.lag_contributions(ex02.gradient_by_lag_experiment()),
    ),
    "ch03-transient-growth": (
        "norms of powers of a non-normal 2x2 matrix (chapter 3)",
        lambda: ch03.transient_growth(ex03.transient_growth()),
    ),
    "ch03-norm-vs-lag": (
        "Jacobian-product norm against lag for spectral radius 0.5..1.5 (chapter 3)",
        lambda: ch03.norm_vs_lag(ex03.norm_vs_lag()),
    ),
    "ch04-activations": (
        "six activation functions and their derivatives (chapter 4)",
        lambda: ch04.activations(ex04.activation_curves()),
    ),
    "ch04-saturation": (
        "saturated share and mean slope of a sigmoid/tanh layer against weight scale (chapter 4)",
        lambda: ch04.saturation(ex04.saturation()),
    ),
    "ch04-dying-relu": (
        "dead ReLU units after a large step or a bias shift (chapter 4)",
        lambda: ch04.dying_relu(ex04.dying_relu()),
    ),
    "ch04-pascanu": (
        "Jacobian-product norms against gamma * sigma_max, with the bound (chapter 4)",
        lambda: ch04.pascanu(ex04.pascanu_check()),
    ),
    "ch04-sigmoid-caveat": (
        "a sigmoid unit with |w| > 4 at its fixed point (chapter 4)",
        lambda: ch04.sigmoid_caveat(ex04.sigmoid_caveat()),
    ),
    "ch05-cliff": (
        "the cliff of a one-unit RNN with plain and clipped descent (chapter 5)",
        lambda: ch05.cliff(ex05.cliff()),
    ),
    "ch05-clipping-rescales-only": (
        "clipping scales every BPTT term alike (chapter 5)",
        lambda: ch05.clipping_rescales_only(ex05.clipping_rescales_only()),
    ),
    "ch05-glorot-bengio": (
        "per-layer statistics of a tanh net, standard vs Xavier init (chapter 5)",
        lambda: ch05.glorot_bengio(ex05.glorot_bengio()),
    ),
    "ch05-he-decay": (
        "a deep ReLU net under Xavier and He initialisation (chapter 5)",
        lambda: ch05.he_decay(ex05.he_decay()),
    ),
    "ch05-rnn-init-lags": (
        "gradient against lag for four recurrent initialisations (chapter 5)",
        lambda: ch05.rnn_init_lags(ex05.rnn_init_lags()),
    ),
    "ch05-residual": (
        "plain vs residual stacks, with and without branch scaling (chapter 5)",
        lambda: ch05.residual_vs_plain(ex05.residual_vs_plain()),
    ),
    "ch05-remedies-summary": (
        "per-layer gradient norms under each remedy (chapter 5)",
        lambda: ch05.remedies_summary(ex05.remedies_summary()),
    ),
    "ch06-lstm-cell": (
        "the LSTM cell and its cell path (chapter 6)",
        diagrams.lstm_cell,
    ),
    "ch06-gradient-vs-distance": (
        "gradient against lag at initialisation: RNN (uniform, orthogonal), LSTM, GRU (chapter 6)",
        lambda: ch06.gradient_vs_distance(ex06.gradient_vs_distance()),
    ),
    "ch06-lstm-explosion": (
        "an LSTM's indirect paths explode: scaled recurrent weights, forget bias 3 (chapter 6)",
        lambda: ch06.lstm_explosion(ex06.lstm_explosion()),
    ),
    "ch06-steps-to-solve": (
        "adding problem: steps to solve against T, tanh RNN / IRNN / LSTM (chapter 6; ~40 s)",
        lambda: ch06.steps_to_solve(ex06.steps_to_solve()),
    ),
}


def _writable_folder(folder: Path) -> str | None:
    """None if ``folder`` exists or can be created and a file can be written in it, else why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        return f"cannot write figures to {str(folder)!r}: {err.strerror or err}"
    return None


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, then list figures or write the named ones."""
    parser = argparse.ArgumentParser(
        prog="python -m vanishing.plotting", description="Write the book's figures to files."
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="figures to write (see --list)")
    parser.add_argument(
        "--list", action="store_true", help="list every figure (or only the NAMEs given) and exit"
    )
    parser.add_argument("--out", type=Path, default=Path("."), help="output folder (default: .)")
    parser.add_argument("--format", choices=sorted(SAVE_METADATA), default="svg")
    args = parser.parse_args(argv)
    names = list(dict.fromkeys(args.names))  # a figure named twice is written once
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        parser.error(f"unknown figure name(s): {', '.join(unknown)}; see --list")
    if args.list:
        shown = names or list(FIGURES)
        width = max(map(len, shown))
        for name in shown:
            print(f"{name:<{width}}  {FIGURES[name][0]}")
        return 0
    if not names:
        parser.error("name at least one figure, or use --list")
    problem = _writable_folder(args.out)  # before any experiment runs
    if problem is not None:
        print(f"{parser.prog}: error: {problem}", file=sys.stderr)
        return 2
    for name in names:
        path = args.out / f"{name}.{args.format}"
        FIGURES[name][1]().savefig(path, metadata=SAVE_METADATA[args.format])
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
