"""vanishing: the code behind the book *Vanishing and exploding gradients*.

Layers, bottom up: ``activations``, ``linalg``, ``tasks``, ``clip`` -> models (``mlp``, ``rnn``,
``init``, ``symbolic``) -> ``train`` -> ``experiments`` -> ``plotting``. Nothing imports upward.
"""

__version__ = "0.1.0"
