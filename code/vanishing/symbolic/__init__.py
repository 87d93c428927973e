"""SymPy derivations behind the book, one module per chapter (chapter 1: ``deep``)."""

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
    latex_equal_weights,
    latex_gradients,
    latex_sigmoid_chain,
)

__all__ = [
    "EqualWeightsGradient",
    "LinearNetGradients",
    "SigmoidChain",
    "SigmoidPrimeMax",
    "equal_weights_gradient",
    "latex_equal_weights",
    "latex_gradients",
    "latex_sigmoid_chain",
    "linear_net_gradients",
    "linear_net_gradients_explicit",
    "sigma_prime",
    "sigma_prime_count",
    "sigmoid",
    "sigmoid_chain",
    "sigmoid_prime_max",
]
