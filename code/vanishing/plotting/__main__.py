"""Write any figure of the book to a file: ``python -m vanishing.plotting --list``.

Figures are named by their labels in the book (``fig-ch04-pascanu``: also the figure's anchor in
the HTML, ``ch04_activations.html#fig-ch04-pascanu``); the older names (``ch04-pascanu``, the
keys of ``FIGURES``) are accepted as aliases. ``--all`` writes every figure, ``--dpi`` sets the
resolution (300 by default: a 6.4-inch figure is 1920 pixels wide), and PDF output embeds its
fonts as TrueType (``pdf.fonttype`` 42, set by the book's style), not as Type 3.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from matplotlib import rc_context
from matplotlib.figure import Figure

from ..experiments import ch01 as ex01
from ..experiments import ch02 as ex02
from ..experiments import ch03 as ex03
from ..experiments import ch04 as ex04
from ..experiments import ch05 as ex05
from ..experiments import ch06 as ex06
from ..experiments import ch07 as ex07
from ..experiments import ch08 as ex08
from ..experiments import ch09 as ex09
from . import ch01, ch02, ch03, ch04, ch05, ch06, ch07, ch08, ch09, diagrams
from .style import RC, SAVE_METADATA

# name -> (one-line description, function that runs the experiment and draws the figure)
FIGURES: dict[str, tuple[str, Callable[[], Figure]]] = {
    "ch01-repeated-factors": (
        "b**n for b = 0.99, 1.01, 0.25 (chapter 1)",
        lambda: ch01.repeated_factors(ex01.power_table()),
    ),
    "ch01-init-gradient-norms": (
        "back-propagated signal and weight gradient per layer of a 20-layer MLP (chapter 1)",
        lambda: ch01.init_gradient_norms(ex01.gradient_norms_at_init()),
    ),
    "ch01-learning-speed": (
        "per-layer gradient size and distance moved of a deep sigmoid MLP (chapter 1)",
        lambda: ch01.learning_speed(ex01.learning_speed()),
    ),
    "ch02-unrolled-rnn": (
        "the folded and the unrolled RNN, shared weights marked (chapter 2)",
        lambda: diagrams.unrolled_rnn(4),
    ),
    "ch02-lag-contributions": (
        "size of each term of the BPTT sum against its lag, strong and weak input (chapter 2)",
        lambda: ch02.lag_contributions(
            tuple(ex02.gradient_by_lag_experiment(input_scale=s) for s in (1.0, 0.1))
        ),
    ),
    "ch03-transient-growth": (
        "norms of powers of a non-normal 2x2 matrix (chapter 3)",
        lambda: ch03.transient_growth(ex03.transient_growth()),
    ),
    "ch03-eigenvector-bound": (
        "powers of diagonalisable non-normal matrices against kappa_2(V) rho^k (chapter 3)",
        lambda: ch03.eigenvector_bound(ex03.eigenvector_bound(), ex03.gaussian_powers()),
    ),
    "ch03-norm-vs-lag": (
        "Jacobian-product norm against lag for spectral radius 0.5..1.5 (chapter 3)",
        lambda: ch03.norm_vs_lag(ex03.norm_vs_lag()),
    ),
    "ch03-order-chaos": (
        "tanh Jacobian products over spectral radius x input scale, five seeds (chapter 3)",
        lambda: ch03.order_chaos(
            ex03.order_chaos(), ex03.order_chaos(ex03.CURVE_RHOS, widths=(64, 128))
        ),
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
        "not a figure of the book: chapter 5 states in prose that clipping scales every BPTT "
        "term alike; this draws it (chapter 5)",
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
        "gradient against lag for five recurrent initialisations (chapter 5)",
        lambda: ch05.rnn_init_lags(ex05.rnn_init_lags()),
    ),
    "ch05-residual": (
        "plain vs residual stacks, with and without branch scaling (chapter 5)",
        lambda: ch05.residual_vs_plain(ex05.residual_vs_plain()),
    ),
    "ch05-residual-depth": (
        "last-layer spread of residual stacks against depth, per branch type (chapter 5)",
        lambda: ch05.residual_depth_sweep(ex05.residual_depth_sweep()),
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
    "ch07-phase-diagram": (
        "chi_1 of tanh networks over (sigma_w^2, sigma_b^2), theory and measured (chapter 7)",
        lambda: ch07.phase_diagram(ex07.criticality()),
    ),
    "ch07-depth-scale": (
        "correlation depth scale xi_c against sigma_w^2, theory and finite networks (chapter 7)",
        lambda: ch07.depth_scale(ex07.depth_scale()),
    ),
    "ch07-jacobian-spectra": (
        "singular values of the input-output Jacobian, tanh and ReLU networks (chapter 7)",
        lambda: ch07.jacobian_spectra(ex07.jacobian_spectra()),
    ),
    "ch07-norm-scales": (
        "forward spread and gradient per layer with BatchNorm and LayerNorm (chapter 7)",
        lambda: ch07.norm_scales(ex07.norm_scales()),
    ),
    "ch07-residual-norm": (
        "per-block gradients of post-LN and pre-LN residual stacks (chapter 7)",
        lambda: ch07.residual_norm(ex07.residual_norm(seeds=(0, 1, 2))),
    ),
    "ch07-ln-rnn": (
        "60-step Jacobian products of tanh RNNs with and without LayerNorm (chapter 7)",
        lambda: ch07.ln_rnn_products(ex07.ln_rnn_products()),
    ),
    "ch07-trainable-depth": (
        "which deep tanh networks train, over (sigma_w^2, depth), with 6 xi_c (chapter 7)",
        lambda: ch07.trainable_depth(ex07.trainable_depth()),
    ),
    "ch07-residual-training": (
        "post-LN, pre-LN and alpha = 0 stacks trained with and without warm-up (chapter 7)",
        lambda: ch07.residual_training(ex07.residual_training()),
    ),
    "ch08-truncation": (
        "truncated BPTT on delayed recall: learning per tau, and the gradient's bias (chapter 8)",
        lambda: ch08.truncation(ex08.truncation(), ex08.truncation_bias()),
    ),
    "ch08-randomised": (
        "randomised truncation: bias against fixed tau, and the noise of one draw (chapter 8)",
        lambda: ch08.randomised(ex08.randomised_truncation(), ex08.truncation_bias()),
    ),
    "ch08-ssm-memory": (
        "a zero-order-hold SSM: gradient against lag and eigenvalues per step Delta (chapter 8)",
        lambda: ch08.ssm_memory(ex08.ssm_memory()),
    ),
    "ch08-memory": (
        "the curse of memory: sensitivity to lambda, plain, normalised, per nu (chapter 8)",
        lambda: ch08.memory(ex08.memory_monte_carlo(), ex08.memory_curves()),
    ),
    "ch08-input-distance": (
        "d y_T / d x_{T-m} against m: attention, tanh RNN, LSTM (chapter 8)",
        lambda: ch08.input_distance(ex08.input_distance()),
    ),
    "ch08-influence": (
        "input-influence maps of a trained LRU and tanh RNN on the adding problem (chapter 8)",
        lambda: ch08.influence(ex08.influence_map(ex08.lru_adding())),
    ),
    "ch09-dashboard": (
        "gradient-flow dashboard of a healthy, a sigmoid, a dead-ReLU and a slow run (chapter 9)",
        lambda: ch09.dashboard(ex09.feedforward_runs()),
    ),
    "ch09-clip": (
        "cliff gradient norms, spikes and a percentile clipping threshold (chapter 9)",
        lambda: ch09.clip_choice(ex09.clip_choice()),
    ),
    "ch09-histograms": (
        "activation and gradient histograms per layer at the end of four runs (chapter 9)",
        lambda: ch09.histograms(ex09.feedforward_runs()),
    ),
    "ch09-through-time": (
        "gradient against lag at initialisation on the adding problem: RNNs and LSTM (chapter 9)",
        lambda: ch09.through_time(ex09.through_time(T=80)),
    ),
    "ch09-histograms-over-time": (
        "first-layer gradient histograms at every probe, healthy and sigmoid runs (chapter 9)",
        lambda: ch09.histograms_over_time(ex09.feedforward_runs()),
    ),
    "ch09-trained": (
        "chapter 6's tanh RNN and LSTM trained on the adding problem, watched (chapter 9)",
        lambda: ch09.trained_recurrent(ex09.trained_recurrents()),
    ),
    "ch09-recurrent-clip": (
        "clipping thresholds for the IRNN on the adding problem: none, percentile, fixed (ch. 9)",
        lambda: ch09.recurrent_clip(ex09.recurrent_clip()),
    ),
}


# The label of each figure in the book -> the FIGURES entry that draws it. A FIGURES entry with
# no label here is not a figure of the book, and its description starts with NOT_IN_BOOK.
LABELS: dict[str, str] = {
    "fig-ch01-repeated-factors": "ch01-repeated-factors",
    "fig-ch01-init-gradient-norms": "ch01-init-gradient-norms",
    "fig-ch01-learning-speed": "ch01-learning-speed",
    "fig-ch02-unrolled": "ch02-unrolled-rnn",
    "fig-ch02-lags": "ch02-lag-contributions",
    "fig-ch03-transient": "ch03-transient-growth",
    "fig-ch03-eigenvector-bound": "ch03-eigenvector-bound",
    "fig-ch03-norm-vs-lag": "ch03-norm-vs-lag",
    "fig-ch03-order-chaos": "ch03-order-chaos",
    "fig-ch04-activations": "ch04-activations",
    "fig-ch04-saturation": "ch04-saturation",
    "fig-ch04-dying": "ch04-dying-relu",
    "fig-ch04-pascanu": "ch04-pascanu",
    "fig-ch04-caveat": "ch04-sigmoid-caveat",
    "fig-ch05-cliff": "ch05-cliff",
    "fig-ch05-glorot": "ch05-glorot-bengio",
    "fig-ch05-he": "ch05-he-decay",
    "fig-ch05-rnn-init": "ch05-rnn-init-lags",
    "fig-ch05-residual": "ch05-residual",
    "fig-ch05-residual-depth": "ch05-residual-depth",
    "fig-ch05-summary": "ch05-remedies-summary",
    "fig-ch06-cell": "ch06-lstm-cell",
    "fig-ch06-distance": "ch06-gradient-vs-distance",
    "fig-ch06-explode": "ch06-lstm-explosion",
    "fig-ch06-steps": "ch06-steps-to-solve",
    "fig-ch07-phase": "ch07-phase-diagram",
    "fig-ch07-depth": "ch07-depth-scale",
    "fig-ch07-spectra": "ch07-jacobian-spectra",
    "fig-ch07-norm": "ch07-norm-scales",
    "fig-ch07-residual": "ch07-residual-norm",
    "fig-ch07-ln-rnn": "ch07-ln-rnn",
    "fig-ch07-trainable": "ch07-trainable-depth",
    "fig-ch07-residual-training": "ch07-residual-training",
    "fig-ch08-truncation": "ch08-truncation",
    "fig-ch08-memory": "ch08-memory",
    "fig-ch08-distance": "ch08-input-distance",
    "fig-ch08-influence": "ch08-influence",
    "fig-ch08-randomised": "ch08-randomised",
    "fig-ch08-ssm": "ch08-ssm-memory",
    "fig-ch09-dashboard": "ch09-dashboard",
    "fig-ch09-clip": "ch09-clip",
    "fig-ch09-hist": "ch09-histograms",
    "fig-ch09-time": "ch09-through-time",
    "fig-ch09-hist-time": "ch09-histograms-over-time",
    "fig-ch09-trained": "ch09-trained",
    "fig-ch09-rclip": "ch09-recurrent-clip",
}
NOT_IN_BOOK = "not a figure of the book"
# Figures of the book that are not drawn by matplotlib, so cannot be written: label -> why.
NOT_EXPORTED: dict[str, str] = {
    "fig-ch03-slider": "interactive (SVG and JavaScript): see it in the HTML edition (chapter 3)",
}
DEFAULT_DPI = 300


def names() -> dict[str, str]:
    """Every figure's command-line name (its label in the book, else its FIGURES key) -> its
    FIGURES key, in the order of FIGURES."""
    label_of = {key: label for label, key in LABELS.items()}
    return {label_of.get(key, key): key for key in FIGURES}


def aliases() -> dict[str, str]:
    """Old name (a FIGURES key) -> the figure's label, for each figure that has one."""
    return {key: label for label, key in LABELS.items() if key in FIGURES}


def _writable_folder(folder: Path) -> str | None:
    """None if ``folder`` exists or can be created and a file can be written in it, else why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        return f"cannot write figures to {str(folder)!r}: {err.strerror or err}"
    return None


def _dpi(text: str) -> float:
    """``--dpi``: a positive number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 0 < value <= 2400:
        raise argparse.ArgumentTypeError(f"must be in (0, 2400], got {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, then list figures or write the named ones."""
    if argv is not None and (
        not isinstance(argv, list | tuple) or not all(isinstance(a, str) for a in argv)
    ):
        raise TypeError(f"argv must be None or a list of str, got {argv!r:.60}")
    parser = argparse.ArgumentParser(
        prog="python -m vanishing.plotting",
        description="Write the book's figures to files, named by their labels in the book "
        "(the old names, shown by --list as aliases, work too).",
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="figures to write (see --list)")
    parser.add_argument(
        "--list", action="store_true", help="list every figure (or only the NAMEs given) and exit"
    )
    parser.add_argument("--all", action="store_true", help="write every figure")
    parser.add_argument("--out", type=Path, default=Path("."), help="output folder (default: .)")
    parser.add_argument("--format", choices=sorted(SAVE_METADATA), default="svg")
    parser.add_argument(
        "--dpi",
        type=_dpi,
        default=DEFAULT_DPI,
        help=f"resolution of PNG output and of any raster part (default: {DEFAULT_DPI})",
    )
    args = parser.parse_args(argv)
    known = names()
    lookup = {**known, **{old: known[label] for old, label in aliases().items()}}
    if args.all and args.names:
        parser.error("give figure names or --all, not both")
    wanted = list(known) if args.all else list(dict.fromkeys(args.names))
    for name in wanted:
        if name in NOT_EXPORTED:
            parser.error(f"{name} cannot be written: it is {NOT_EXPORTED[name]}")
    unknown = [n for n in wanted if n not in lookup]
    if unknown:
        parser.error(f"unknown figure name(s): {', '.join(unknown)}; see --list")
    unique: dict[str, str] = {}  # FIGURES key -> the first name given for it
    for name in wanted:
        unique.setdefault(lookup[name], name)
    wanted = list(unique.values())  # a figure named twice (label and alias too) is written once
    if args.list:
        alias_of = aliases()
        shown = wanted or list(known)
        width = max(map(len, shown))
        for name in shown:
            key = lookup[name]
            alias = f" [alias {key}]" if key in alias_of and name != key else ""
            print(f"{name:<{width}}  {FIGURES[key][0]}{alias}")
        if not wanted:
            for name, why in NOT_EXPORTED.items():
                print(f"{name:<{width}}  not written: {why}")
        return 0
    if not wanted:
        parser.error("name at least one figure, or use --all or --list")
    problem = _writable_folder(args.out)  # before any experiment runs
    if problem is not None:
        print(f"{parser.prog}: error: {problem}", file=sys.stderr)
        return 2
    for name in wanted:
        path = args.out / f"{name}.{args.format}"
        figure = FIGURES[lookup[name]][1]()
        with rc_context(RC):  # TrueType fonts in PDF output, whatever the caller's rcParams
            figure.savefig(path, dpi=args.dpi, metadata=SAVE_METADATA[args.format])
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
