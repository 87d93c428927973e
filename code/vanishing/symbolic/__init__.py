"""SymPy derivations behind the book: ``deep`` (ch. 1), ``rnn`` (ch. 2), ``powers`` (ch. 3)."""

from vanishing.symbolic.deep import (
    EqualWeightsGradient,
    LinearNetGradients,
    SigmoidChain,
    SigmoidPrimeMax,
    equal_weights_gradient,
    linear_net_gradients,
    linear_net_gradients_explicit,
    sigma_prime,
    sigma_prime_count,
    sigmoid,
    sigmoid_chain,
    sigmoid_prime_max,
)
from vanishing.symbolic.display import (
    latex_bptt_lines,
    latex_equal_weights,
    latex_gradients,
    latex_lines,
    latex_power_lines,
    latex_sigmoid_chain,
    latex_sum_lines,
)
from vanishing.symbolic.powers import (
    EigenPower,
    JordanPower,
    example_matrix,
    jordan_power,
    power_by_eigendecomposition,
    sigma_max_exact,
    spectral_radius_exact,
)
from vanishing.symbolic.rnn import (
    BPTTDerivation,
    BPTTFormula,
    MatrixRNN,
    ScalarRNN,
    bptt_formula,
    bptt_formula_latex,
    bptt_from_unrolled,
    phi_prime,
    unrolled_matrix,
    unrolled_scalar,
)

__all__ = [
    "EqualWeightsGradient",
    "LinearNetGradients",
    "SigmoidChain",
    "SigmoidPrimeMax",
    "equal_weights_gradient",
    "latex_bptt_lines",
    "latex_equal_weights",
    "latex_gradients",
    "latex_lines",
    "latex_power_lines",
    "latex_sum_lines",
    "latex_sigmoid_chain",
    "linear_net_gradients",
    "linear_net_gradients_explicit",
    "sigma_prime",
    "sigma_prime_count",
    "sigmoid",
    "sigmoid_chain",
    "sigmoid_prime_max",
    # chapter 2: rnn
    "BPTTDerivation",
    "BPTTFormula",
    "MatrixRNN",
    "ScalarRNN",
    "bptt_formula",
    "bptt_formula_latex",
    "bptt_from_unrolled",
    "phi_prime",
    "unrolled_matrix",
    "unrolled_scalar",
    # chapter 3: powers
    "EigenPower",
    "JordanPower",
    "example_matrix",
    "jordan_power",
    "power_by_eigendecomposition",
    "sigma_max_exact",
    "spectral_radius_exact",
]

# chapter 4: activations (SymPy forms, phi', sup |phi'|)
from vanishing.symbolic.activations import (  # noqa: E402
    ActivationDerivative,
    DerivativeMax,
    derivative,
    derivative_max,
    latex_table,
    sympy_activation,
)

__all__ += [
    "ActivationDerivative",
    "DerivativeMax",
    "derivative",
    "derivative_max",
    "latex_table",
    "sympy_activation",
]

# chapter 5: variance (Xavier/Glorot and He)
from vanishing.symbolic.variance import (  # noqa: E402
    BackwardVariance,
    Expect,
    ForwardVariance,
    HeVariance,
    Var,
    XavierVariance,
    backward_variance,
    forward_variance,
    he,
    xavier,
)

__all__ += [
    "BackwardVariance",
    "Expect",
    "ForwardVariance",
    "HeVariance",
    "Var",
    "XavierVariance",
    "backward_variance",
    "forward_variance",
    "he",
    "xavier",
]

# chapter 6: gates (scalar LSTM and GRU one-step Jacobians)
from vanishing.symbolic.gates import (  # noqa: E402
    GRU_CONVENTIONS,
    Partial,
    ScalarGRU,
    ScalarLSTM,
    TotalDerivative,
    constant_error_carousel,
    scalar_gru,
    scalar_lstm,
)

__all__ += [
    "GRU_CONVENTIONS",
    "Partial",
    "ScalarGRU",
    "ScalarLSTM",
    "TotalDerivative",
    "constant_error_carousel",
    "scalar_gru",
    "scalar_lstm",
]
