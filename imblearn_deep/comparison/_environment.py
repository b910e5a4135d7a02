"""Where the comparison's fits run: joblib's backend (loky or Dask) and torch's threads."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import joblib

from .._torch.threads import torch_threads

__all__ = ["parallel_backend", "torch_threads"]


@contextmanager
def parallel_backend(backend: str = "loky", scheduler=None) -> Iterator[None]:
    """Run the joblib calls inside the block (the grid searches) on ``backend``.

    Parameters
    ----------
    backend : {"loky", "dask"}, default="loky"
        ``"loky"`` is joblib's default (processes on this machine). ``"dask"`` sends the
        fits to a Dask cluster through ``joblib.parallel_config(backend="dask")``.
    scheduler : str, distributed.Client or None, default=None
        For ``"dask"``: a scheduler address (``"tcp://host:8786"``) or a client. ``None``
        starts a local cluster for the block.

    Examples
    --------
    >>> with parallel_backend("loky"):
    ...     pass
    """
    if backend == "loky":
        if scheduler is not None:
            raise ValueError("scheduler is only used with backend='dask'.")
        yield
        return
    if backend != "dask":
        raise ValueError(f"backend must be 'loky' or 'dask'; got {backend!r}.")
    try:
        from distributed import Client
    except ImportError as exc:
        raise ImportError(
            "backend='dask' needs dask.distributed: pip install 'imblearn-deep[dask]'."
        ) from exc
    owned = not isinstance(scheduler, Client)
    client = Client(scheduler) if owned and scheduler is not None else scheduler
    if client is None:
        # One single-threaded worker per core; dask caps each worker's torch threads.
        client = Client(processes=True, threads_per_worker=1, silence_logs=logging.ERROR)
    try:
        with joblib.parallel_config(backend="dask", client=client):
            yield
    finally:
        if owned:
            client.close()
