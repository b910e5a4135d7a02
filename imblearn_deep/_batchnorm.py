"""BatchNorm statistics that match what a network was trained on.

A BatchNorm layer normalises a training batch with the batch's own statistics but an
evaluation batch with running averages. After a short fit, or with Keras's slow momentum
(0.01, BAGAN-GP's), the averages lag far behind the weights, and the network in eval mode
outputs something the loss never saw. :func:`recalibrate_batchnorm` replaces them with the
exact average over batches drawn from the training distribution, the cure of Ioffe &
Szegedy (2015, section 3.1: population statistics computed after training).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

__all__ = ["BATCHNORM_LAYERS", "recalibrate_batchnorm"]

#: The layers whose running statistics are recalibrated.
BATCHNORM_LAYERS = (
    torch.nn.BatchNorm1d,
    torch.nn.BatchNorm2d,
    torch.nn.BatchNorm3d,
    torch.nn.SyncBatchNorm,
)


def recalibrate_batchnorm(
    module: torch.nn.Module, forward_batches: Iterable[Callable[[], torch.Tensor]]
) -> int:
    """Recompute the running statistics of every BatchNorm layer of ``module``.

    Each layer's running mean and variance become the plain average over the batches
    (momentum ``None``: a cumulative average), and nothing else changes: no weight, no
    gradient, the layers' momentum and the module's train/eval mode are restored.

    Parameters
    ----------
    module : torch.nn.Module
        The network.
    forward_batches : iterable of callable
        Each call runs ``module`` on one batch from the training distribution (its output
        is ignored). Batches of the training batch size give the statistics the loss saw.

    Returns
    -------
    int
        The number of BatchNorm layers recalibrated.

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    >>> x = torch.randn(256, 3) * 5 + 2
    >>> recalibrate_batchnorm(net, [lambda b=b: net(b) for b in x.split(64)])
    1
    >>> bn = net[1]
    >>> torch.allclose(bn.running_mean, net[0](x).mean(0), atol=1e-5)
    True
    """
    layers = [m for m in module.modules() if isinstance(m, BATCHNORM_LAYERS)]
    if not layers:
        return 0
    momenta = [layer.momentum for layer in layers]
    was_training = module.training
    try:
        for layer in layers:
            layer.reset_running_stats()
            layer.momentum = None
        module.train()
        with torch.no_grad():
            for forward in forward_batches:
                forward()
    finally:
        for layer, momentum in zip(layers, momenta, strict=True):
            layer.momentum = momentum
        module.train(was_training)
    return len(layers)
