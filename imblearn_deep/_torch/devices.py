"""Where and in which arithmetic torch computes: devices, precision, optimisers, compile.

The one rule of every estimator here for a ``device`` parameter (:func:`resolve_device`)
and a ``precision`` parameter (:func:`resolve_precision`, from the CPU's features), the
autocast and loss scaler that go with a precision, torch's fused optimiser kernels, the
``channels_last`` layout of networks and images, and :func:`torch.compile` of a training
step.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import torch

PRECISIONS = {"float32": None, "bfloat16": torch.bfloat16, "float16": torch.float16}
# The values a ``precision`` parameter takes: a precision, or "auto" (see resolve_precision).
PRECISION_OPTIONS = frozenset({"auto", *PRECISIONS})

# CPU features that compute bfloat16 products in hardware: AVX512-BF16 and AMX on x86
# (the names of torch.cpu.get_capabilities() and of /proc/cpuinfo's flags), and Arm's
# BF16 extension ("bf16", "sve_bf16"; /proc/cpuinfo spells the latter "svebf16").
BFLOAT16_CPU_FEATURES = frozenset({"avx512_bf16", "amx_bf16", "bf16", "sve_bf16", "svebf16"})
# Linux's description of the CPU, read where torch is too old to report its features.
CPUINFO = Path("/proc/cpuinfo")


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


def cpu_features() -> frozenset[str]:
    """The instruction-set features of this CPU, as torch or the operating system names them.

    ``torch.cpu.get_capabilities()`` (a public API in recent torch) when present; on older
    torch, the ``flags``/``Features`` lines of Linux's ``/proc/cpuinfo``; empty elsewhere.

    Examples
    --------
    >>> isinstance(cpu_features(), frozenset)
    True
    """
    get_capabilities = getattr(torch.cpu, "get_capabilities", None)
    if get_capabilities is not None:
        return frozenset(name for name, value in get_capabilities().items() if value is True)
    try:
        lines = CPUINFO.read_text().splitlines()
    except OSError:
        return frozenset()
    return frozenset(
        word
        for line in lines
        if line.split(":")[0].strip() in ("flags", "Features")
        for word in line.split(":", 1)[1].split()
    )


@functools.cache
def cpu_has_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 in hardware (AVX512-BF16, AMX, or Arm BF16).

    Without these instructions bfloat16 autocast is emulated: a DeepSMOTE training step
    took 3.7 times the float32 time on an AVX-512 CPU without AVX512-BF16. (torch's
    ``torch.backends.mkldnn`` bfloat16 check is true on any AVX-512 CPU, so it cannot
    tell the two apart.) Arm's BF16 is counted too; it was not measured here.

    Examples
    --------
    >>> cpu_has_bfloat16() in (True, False)
    True
    """
    return bool(cpu_features() & BFLOAT16_CPU_FEATURES)


def bfloat16_is_fast(device: torch.device) -> bool:
    """Whether ``device`` runs bfloat16 in hardware: a CPU with bfloat16 instructions
    (:func:`cpu_has_bfloat16`), a CUDA GPU since Ampere (compute capability 8), or ROCm."""
    if device.type == "cpu":
        return cpu_has_bfloat16()
    if device.type == "cuda":
        return bool(torch.version.hip) or torch.cuda.get_device_capability(device)[0] >= 8
    return False


def resolve_precision(precision: str, device: torch.device, owner: str) -> str:
    """The precision to compute in on ``device``: the one rule of every estimator here.

    ``"auto"`` becomes ``"bfloat16"`` where :func:`bfloat16_is_fast`, else ``"float32"``:
    a capability check, so it costs nothing and gives the same answer on every run on the
    same hardware. An explicit ``"bfloat16"`` where it is not fast is kept but warned
    about, since it then runs several times slower than float32. ``owner`` names the
    estimator in the warning.

    Examples
    --------
    >>> resolve_precision("float32", torch.device("cpu"), "DeepSMOTE")
    'float32'
    >>> resolve_precision("auto", torch.device("cpu"), "DeepSMOTE") in ("bfloat16", "float32")
    True
    """
    fast = bfloat16_is_fast(device)
    if precision == "auto":
        return "bfloat16" if fast else "float32"
    if precision == "bfloat16" and not fast:
        hardware = (
            "a CPU without bfloat16 instructions (AVX512-BF16, AMX or Arm BF16)"
            if device.type == "cpu"
            else f"{device}, which has no native bfloat16 (a CUDA GPU needs Ampere or newer)"
        )
        warnings.warn(
            f"{owner}: precision='bfloat16' on {hardware} is emulated, several times slower "
            "than float32 (a DeepSMOTE step 3.7x on an AVX-512 CPU, a small CNN's 10x on an "
            "AVX2 one). Use "
            "precision='auto' (bfloat16 only where the hardware has it) or 'float32'.",
            UserWarning,
            stacklevel=3,
        )
    return precision


def grad_scaler(device: torch.device, precision: str) -> torch.amp.GradScaler:
    """A loss scaler for ``precision``: active under ``"float16"`` only (see
    :class:`OptimizerStep`), a pass-through otherwise."""
    return torch.amp.GradScaler(device.type, enabled=precision == "float16")


def autocast(device: torch.device, precision: str):
    """Autocast context for a resolved ``precision`` (``"float32"`` disables it)."""
    dtype = PRECISIONS[precision]
    return torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None)


# Devices whose parameters torch's fused Adam kernels take (torch >= 2.4 on CPU): one
# kernel per parameter instead of a dozen elementwise passes. On a ResNet-18 at 28x28 on
# one CPU thread the optimiser step fell from 104 ms to 17 ms (a training step from 326 to
# 230 ms); the update is the same algorithm.
_FUSED_DEVICE_TYPES = frozenset({"cpu", "cuda"})


def fused_options(optimizer_class, parameters, options: dict) -> dict:
    """``options`` with ``fused=True`` added where the optimiser has a fused kernel for
    every parameter and the caller chose no implementation.

    Parameters
    ----------
    optimizer_class : type
        A :class:`torch.optim.Optimizer` subclass.
    parameters : iterable of torch.Tensor
        The parameters it will update.
    options : dict
        The keyword arguments the caller gives it.

    Returns
    -------
    dict
        A new dict: ``options``, with ``fused=True`` when ``optimizer_class`` takes
        ``fused`` (Adam, AdamW, SGD, Adagrad), ``options`` sets neither ``fused`` nor
        ``foreach``, and every parameter is a floating-point tensor on a CPU or CUDA
        device.

    Examples
    --------
    >>> net = torch.nn.Linear(2, 1)
    >>> fused_options(torch.optim.Adam, net.parameters(), {"lr": 1e-3})
    {'lr': 0.001, 'fused': True}
    >>> fused_options(torch.optim.Adam, net.parameters(), {"foreach": False})
    {'foreach': False}
    >>> fused_options(torch.optim.RMSprop, net.parameters(), {})
    {}
    """
    options = dict(options)
    if "fused" in options or "foreach" in options:
        return options
    if "fused" not in inspect.signature(optimizer_class).parameters:
        return options
    tensors = list(_flat(parameters))
    if tensors and all(
        p.is_floating_point() and p.device.type in _FUSED_DEVICE_TYPES for p in tensors
    ):
        options["fused"] = True
    return options


def _flat(parameters) -> Iterator[torch.Tensor]:
    """The tensors of an optimiser's ``params`` argument: tensors, parameter groups
    (dicts with a ``"params"`` entry) or skorch's (name, tensor) pairs."""
    for item in parameters:
        if isinstance(item, torch.Tensor):
            yield item
        elif isinstance(item, dict):
            yield from _flat(item["params"])
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], torch.Tensor):
            yield item[1]
        else:
            yield from _flat(item)


def adam(parameters, **options) -> torch.optim.Adam:
    """:class:`torch.optim.Adam` over ``parameters``, with the fused kernel where torch
    has one (see :func:`fused_options`).

    Examples
    --------
    >>> adam(torch.nn.Linear(2, 1).parameters(), lr=1e-3).defaults["fused"]
    True
    """
    parameters = list(parameters)
    return torch.optim.Adam(parameters, **fused_options(torch.optim.Adam, parameters, options))


def compiled(function: Callable, compile_option: bool | dict) -> Callable:
    """``function`` under :func:`torch.compile` as a ``compile`` parameter asks, or
    ``function`` itself when it is ``False``.

    The batch size of a training step is not fixed (an epoch's last batch, DeepSMOTE's
    one-class penalty batches of up to ``batch_size`` images): a graph traced for one
    size recompiles for the next (32 s each for a small network on a 2-core CPU) and torch
    falls back to eager code after 8 of them. So, unless the options set ``dynamic``, the
    first dimension of every tensor argument is marked dynamic: one trace for all sizes.
    (``dynamic=True`` is not the same: it makes every size symbolic, and a batch of 8
    images of 8×8 pixels then shares one symbol with the pixels and is traced static.)

    Parameters
    ----------
    function : callable
        A training step's forward computation on tensors whose first dimension is the
        batch: networks and losses, without the backward pass and optimiser step (those
        run eagerly around it).
    compile_option : bool or dict
        ``False``: no compilation. ``True``: torch's default options. A dict: keyword
        arguments of :func:`torch.compile`, e.g. ``{"mode": "reduce-overhead"}`` (CUDA
        graphs) or ``{"backend": "aot_eager"}`` (tracing without code generation).

    Returns
    -------
    callable
        Called like ``function``.

    Examples
    --------
    >>> double = lambda x: 2 * x
    >>> compiled(double, False) is double
    True
    """
    if not isinstance(compile_option, dict):
        if not compile_option:
            return function
        compile_option = {}
    compiled_function = torch.compile(function, **compile_option)
    if "dynamic" in compile_option:
        return compiled_function

    @functools.wraps(function)
    def with_dynamic_batch(*args):
        for arg in args:
            if isinstance(arg, torch.Tensor) and arg.ndim:
                torch._dynamo.mark_dynamic(arg, 0)  # torch's documented way to say so
        return compiled_function(*args)

    return with_dynamic_batch


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
