"""Training scaffolding shared by the deep samplers (and the classifiers' device logic).

One epoch loop, composed with small callbacks in skorch's spirit: progress printing,
divergence detection and best-state keeping are separate pieces a sampler picks.
"""

from __future__ import annotations

import copy
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.utils import check_random_state

PRECISIONS = {"float32": None, "bfloat16": torch.bfloat16, "float16": torch.float16}


def resolve_device(device: str | torch.device) -> torch.device:
    """Turn a ``device`` parameter into a :class:`torch.device`.

    ``"auto"`` picks CUDA when available, the CPU otherwise. Asking for CUDA on a
    machine without it is an error rather than a silent fallback.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got {device!r}."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available here; "
            "use device='auto' or 'cpu'."
        )
    return resolved


def draw_seed(random_state) -> int:
    """Draw one int seed for torch from a ``random_state`` parameter."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextmanager
def seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch inside the block without touching the caller's global RNG state."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def autocast(device: torch.device, precision: str):
    """Autocast context for ``precision`` (``"float32"`` disables it)."""
    dtype = PRECISIONS[precision]
    return torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None)


class OptimizerStep:
    """Backward pass and optimiser step, with loss scaling under ``"float16"``.

    float16's narrow range lets small gradients underflow to zero, so a
    :class:`torch.amp.GradScaler` multiplies the loss before the backward pass and
    skips the steps whose gradients overflowed (halving its scale). float32 and
    bfloat16 need no scaling: then this is a plain ``backward()`` and ``step()``.

    Examples
    --------
    >>> net = torch.nn.Linear(2, 1)
    >>> step = OptimizerStep(torch.optim.SGD(net.parameters(), lr=0.1), torch.device("cpu"),
    ...                      "float16")
    >>> step(net(torch.ones(1, 2)).sum())
    >>> step.scaler.is_enabled()
    True
    """

    def __init__(self, optimizer: torch.optim.Optimizer, device: torch.device, precision: str):
        self.optimizer = optimizer
        self.scaler = torch.amp.GradScaler(device.type, enabled=precision == "float16")

    def __call__(self, loss: torch.Tensor) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()


def to_device(value, device: torch.device):
    """A network or tensor on ``device``, its 4-D weights and images in channels_last.

    channels_last made the samplers' convolutional training steps 15-19 % faster in
    two of four cases measured on a 2-core CPU and never slower
    (``benchmarks/bench_memory_format.py``); it is also the layout GPU tensor cores
    prefer. It leaves Linear layers and 2-D tensors as they are.

    Examples
    --------
    >>> x = to_device(torch.zeros(2, 3, 4, 4), torch.device("cpu"))
    >>> x.is_contiguous(memory_format=torch.channels_last)
    True
    """
    if isinstance(value, torch.Tensor) and value.ndim != 4:
        return value.to(device)
    return value.to(device, memory_format=torch.channels_last)


def minibatches(
    n_samples: int, batch_size: int, generator: torch.Generator, device: torch.device
) -> list[torch.Tensor]:
    """Shuffled index batches; a last batch of one sample joins the previous batch.

    BatchNorm cannot train on a single sample, and dropping it would silently ignore
    data, so the straggler is merged instead.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> [len(b) for b in minibatches(9, 4, g, torch.device("cpu"))]
    [4, 5]
    """
    order = torch.randperm(n_samples, generator=generator, device=device)
    batches = list(order.split(batch_size))
    if len(batches) > 1 and len(batches[-1]) == 1:
        batches[-2:] = [torch.cat(batches[-2:])]
    return batches


def device_generator(device: torch.device) -> torch.Generator:
    """A generator on ``device`` seeded from torch's (seeded) global stream, so that
    shuffles and draws happen where the data live."""
    return torch.Generator(device=device).manual_seed(int(torch.randint(2**31, (1,))))


class TrainingDivergedError(FloatingPointError):
    """Raised when a training loss becomes NaN or infinite."""


class EpochCallback:
    """Hook called by :func:`run_epochs`; subclasses override what they need."""

    def on_epoch_end(self, record: dict) -> None:
        """Called with the epoch's history record."""

    def on_train_end(self) -> None:
        """Called once after the last epoch."""


class StopOnNonFinite(EpochCallback):
    """Stop with a clear error when a loss stops being finite."""

    def __init__(self, owner: str):
        self.owner = owner

    def on_epoch_end(self, record: dict) -> None:
        for name, value in record.items():
            if isinstance(value, float) and not math.isfinite(value):
                raise TrainingDivergedError(
                    f"{self.owner}: the {name!r} loss became {value} in epoch "
                    f"{record['epoch']} of the {record['stage']!r} stage. Training diverged; "
                    "lower learning_rate, or check the input for extreme values."
                )


class PrintProgress(EpochCallback):
    """Print one line per epoch (losses and duration) when ``verbose`` is set."""

    def __init__(self, owner: str, n_epochs: int, verbose: int, stream=None):
        self.owner, self.n_epochs, self.verbose = owner, n_epochs, verbose
        self.stream = stream

    def on_epoch_end(self, record: dict) -> None:
        if not self.verbose:
            return
        losses = "  ".join(
            f"{k}={v:.4f}" for k, v in record.items() if k not in ("stage", "epoch", "seconds")
        )
        print(
            f"[{self.owner}] {record['stage']} epoch {record['epoch']}/{self.n_epochs}  "
            f"{losses}  ({record['seconds']:.1f}s)",
            file=self.stream or sys.stdout,
            flush=True,
        )


class KeepBest(EpochCallback):
    """Keep the modules' weights from the epoch with the lowest ``monitor`` loss.

    DeepSMOTE's reference code checkpoints on the best epoch training loss and
    generates from that checkpoint; this does the same in memory.
    """

    def __init__(self, modules: Sequence[torch.nn.Module], monitor: str):
        self.modules, self.monitor = modules, monitor
        self.best_loss, self.best_epoch, self._states = math.inf, None, None

    def on_epoch_end(self, record: dict) -> None:
        if record[self.monitor] < self.best_loss:
            self.best_loss, self.best_epoch = record[self.monitor], record["epoch"]
            self._states = [copy.deepcopy(m.state_dict()) for m in self.modules]

    def on_train_end(self) -> None:
        if self._states is not None:
            for module, state in zip(self.modules, self._states, strict=True):
                module.load_state_dict(state)


def run_epochs(
    train_one_epoch: Callable[[], dict[str, torch.Tensor]],
    n_epochs: int,
    *,
    stage: str,
    history: list[dict],
    callbacks: Sequence[EpochCallback] = (),
) -> None:
    """Run ``train_one_epoch`` ``n_epochs`` times, recording losses in ``history``.

    ``train_one_epoch`` returns the epoch's mean losses as 0-d tensors, left on the
    device during the epoch so that no batch waits for a host copy.
    """
    for epoch in range(1, n_epochs + 1):
        start = time.perf_counter()
        losses = train_one_epoch()
        record = {"stage": stage, "epoch": epoch}
        record.update({name: float(value) for name, value in losses.items()})
        record["seconds"] = time.perf_counter() - start
        history.append(record)
        for callback in callbacks:
            callback.on_epoch_end(record)
    for callback in callbacks:
        callback.on_train_end()


class LossMeter:
    """Sample-weighted running means of named losses, kept on the device."""

    def __init__(self):
        self.totals: dict[str, torch.Tensor] = {}
        self.count = 0

    def add(self, n_samples: int, **losses: torch.Tensor) -> None:
        """Accumulate the batch's mean losses, weighted by its size."""
        for name, value in losses.items():
            weighted = value.detach().float() * n_samples
            self.totals[name] = self.totals[name] + weighted if name in self.totals else weighted
        self.count += n_samples

    def means(self) -> dict[str, torch.Tensor]:
        """Mean of each loss over the samples seen."""
        return {name: total / self.count for name, total in self.totals.items()}


@contextmanager
def modules_on(modules: Sequence[torch.nn.Module], device: torch.device) -> Iterator[None]:
    """Move modules to ``device`` in eval mode for the block, then back to the CPU.

    Fitted networks live on the CPU so a fitted sampler pickles and loads anywhere.
    """
    for module in modules:
        to_device(module, device).eval()
    try:
        yield
    finally:
        for module in modules:
            module.cpu()
