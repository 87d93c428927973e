"""vanishing: the code behind the book *Vanishing and exploding gradients*.

Layers, bottom up: ``activations``, ``validate``, ``params``, ``linalg``, ``gradcheck``, ``fmt``
-> models (``init``, ``mlp``, ``residual``, ``recurrent`` with ``rnn``, ``lstm``, ``gru``;
``symbolic``) -> ``optim`` (one optimiser family and one training loop for every model) ->
``experiments`` -> ``plotting``. Nothing imports upward. Every model lists and replaces its
parameters by name (``vanishing.params``); every recurrent model shares ``vanishing.recurrent``.
"""

__version__ = "0.1.0"
