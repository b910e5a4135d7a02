"""torch support shared by the samplers and the classifier, one module per concern.

* :mod:`~imblearn_deep._torch.devices`: devices, precision (and the CPU features it
  depends on), fused optimisers, ``channels_last``, :func:`torch.compile`;
* :mod:`~imblearn_deep._torch.loop`: the samplers' training loop and its callbacks;
* :mod:`~imblearn_deep._torch.long_fit`: a long fit's one announcement at ``verbose=0``;
* :mod:`~imblearn_deep._torch.rng`: seeding torch locally from a ``random_state``;
* :mod:`~imblearn_deep._torch.threads`: the CPU threads of a fit.
"""
