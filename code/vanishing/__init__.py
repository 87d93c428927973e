"""vanishing: the code behind the book *Vanishing and exploding gradients*.

Layers, bottom up: ``activations``, ``validate``, ``linalg``, ``gradcheck``, ``fmt`` -> models
(``init``, ``mlp``, ``rnn``, ``symbolic``) -> ``train`` -> ``experiments`` -> ``plotting``.
Nothing imports upward.
"""

__version__ = "0.1.0"
