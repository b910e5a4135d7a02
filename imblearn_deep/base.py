"""The contract every deep over-sampler of this package shares.

:class:`BaseDeepOverSampler` does everything that is not the generative model itself:
input validation (N-D images, flat images with ``image_shape``, tabular data), the
pixel-range and dtype round-trip, label encoding, seeding, device choice, the
``fit_resample`` flow (originals first, synthetic samples appended per class) and the
public :meth:`~BaseDeepOverSampler.generate`, with progress reported to scikit-learn
callbacks and the provenance of every synthetic sample recorded. Subclasses implement
``_fit_networks`` (train on scaled tensors), ``_sample`` (make ``n`` scaled samples of
one class, with their provenance) and ``_empty_provenance`` (the provenance fields).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._fit_tasks import CallbackSupportMixin, EpochTasks, FitTask
from ._images import ARRAY_CHECKS, ImageLayout, PixelRange
from ._torch.devices import (
    PRECISION_OPTIONS,
    autocast,
    modules_on,
    resolve_device,
    resolve_precision,
    to_device,
)
from ._torch.loop import EpochCallback, PrintProgress, StopOnNonFinite, TrainingDivergedError
from ._torch.rng import draw_seed, seeded
from ._torch.threads import torch_threads

__all__ = ["BaseDeepOverSampler"]

# Synthetic samples are decoded in chunks of this many to bound memory.
GENERATION_BATCH = 1024


def check_sampler_X_y(sampler, X, y, **validation):
    """Validate a sampler's ``(X, y)`` of any number of dimensions, imblearn's way.

    Runs imblearn's target check (which records one-vs-all targets) and scikit-learn's
    ``validate_data`` with ``allow_nd=True`` and ``validation`` (dtype, sparsity, finiteness),
    then sets ``n_features_in_`` to the values per sample: scikit-learn counts
    ``X.shape[1]``, which for ``(n, C, H, W)`` images is the channels.

    Returns
    -------
    X, y, binarize_y
        What imblearn's ``_check_X_y`` returns.
    """
    y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
    X, y = validate_data(sampler, X=X, y=y, reset=True, allow_nd=True, **validation)
    sampler.n_features_in_ = math.prod(X.shape[1:])
    return X, y, binarize_y


class BaseDeepOverSampler(CallbackSupportMixin, BaseOverSampler):
    """Base class for over-samplers that train a generative network on the data.

    ``fit_resample`` reports its progress to scikit-learn callbacks (``set_callbacks``):
    one task per training stage named in ``_training_stages``, each with one task per
    epoch, then a ``"generate"`` task (see :mod:`imblearn_deep._fit_tasks`).

    Warning: this class should not be used directly. Use the derived classes.
    """

    # The names of the training stages, in order: the tasks under fit_resample's task.
    _training_stages: tuple[str, ...] = ()

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "image_shape": [None, tuple, list],
        # Batches of one would reach BatchNorm layers in training mode.
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "precision": [StrOptions(set(PRECISION_OPTIONS))],
        "compile": ["boolean", dict],
        "device": [str, torch.device],
        "n_threads": [None, Interval(Integral, 1, None, closed="left"), Options(Integral, {-1})],
        "verbose": ["verbose"],
    }

    # -- what a generative model implements ------------------------------------------

    def _fit_networks(
        self, X: torch.Tensor, y: np.ndarray, device: torch.device, task: FitTask
    ) -> None:
        """Train the networks on ``X`` (float32, network layout, in [-1, 1]) with integer
        class codes ``y``; append per-epoch records to ``self.history_``. Each stage of
        ``_training_stages`` runs with :meth:`_epoch_callbacks` of ``task``."""
        raise NotImplementedError

    def _sample(
        self, class_code: int, n_samples: int, rng: np.random.RandomState, device: torch.device
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return ``n_samples`` new samples of class ``class_code`` (network layout, [-1, 1])
        and their provenance: arrays of ``n_samples`` rows, keyed as in
        :meth:`_empty_provenance`."""
        raise NotImplementedError

    def _empty_provenance(self) -> dict[str, np.ndarray]:
        """The provenance fields of ``_sample``, with no rows."""
        raise NotImplementedError

    # -- the shared contract ------------------------------------------------------------

    def _check_X_y(self, X, y):
        return check_sampler_X_y(self, X, y, **ARRAY_CHECKS)

    def _fit_resample(self, X: np.ndarray, y: np.ndarray):
        # The threads of the whole call, training and generation alike.
        with torch_threads(self._threads()):
            return self._fit_and_generate(X, y)

    def _fit_and_generate(self, X: np.ndarray, y: np.ndarray):
        task = FitTask.root(self, "fit_resample", len(self._training_stages) + 1, X, y)
        self.image_layout_ = ImageLayout.from_array(X, self.image_shape)
        self.pixel_range_ = PixelRange.fit(X, self.image_layout_)
        self.classes_, y_codes = np.unique(y, return_inverse=True)
        rng = check_random_state(self.random_state)
        device = resolve_device(self.device)
        self.precision_ = resolve_precision(self.precision, device, type(self).__name__)
        X_net = torch.from_numpy(self.image_layout_.to_net(self.pixel_range_.scale(X)))
        self.history_ = []
        try:
            with seeded(draw_seed(rng), device):
                self._fit_networks(X_net, y_codes, device, task)
        except BaseException:
            # A fit stopped half-way (Ctrl-C, divergence) must not look fitted:
            # ``generate`` would draw from half-trained networks.
            del self.classes_
            raise
        # The float32 training set is not needed to generate: freed before the images are.
        del X_net

        generation = task.subtask("generate")
        # Filled class by class in the caller's dtype: neither the synthetic images in
        # float32 nor the resampled set twice (parts and their concatenation) are held.
        n_new = sum(n for n in self.sampling_strategy_.values() if n > 0)
        X_res = np.empty((len(X) + n_new, *X.shape[1:]), X.dtype)
        X_res[: len(X)] = X
        y_parts, origins = [y], []
        start = len(X)
        for label, n_samples in self.sampling_strategy_.items():
            if n_samples > 0:
                samples, origin = self._generate_scaled(label, n_samples, rng, device)
                X_res[start : start + n_samples] = self._to_caller(samples)
                start += n_samples
                y_parts.append(np.full(n_samples, label, dtype=y.dtype))
                origins.append(origin)
        fields = self._empty_provenance()
        self.sample_provenance_ = {
            "class": np.concatenate([y[:0], *y_parts[1:]]),
            **{
                name: np.concatenate([empty, *(origin[name] for origin in origins)])
                for name, empty in fields.items()
            },
        }
        generation.end()
        task.end(fitted=True)
        return X_res, np.concatenate(y_parts)

    def _epoch_callbacks(self, task: FitTask, stage: str, n_epochs: int) -> list[EpochCallback]:
        """What every training stage runs after each epoch: the divergence check, the
        ``verbose`` progress line, and the stage's epochs as tasks under ``task``."""
        name = type(self).__name__
        return [
            StopOnNonFinite(name),
            PrintProgress(name, n_epochs, self.verbose),
            EpochTasks(task, n_epochs, stage),
        ]

    def _generate_scaled(
        self, label, n_samples, rng, device
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        if n_samples == 0:
            empty = np.empty((0, *self.image_layout_.net_shape), np.float32)
            return empty, self._empty_provenance()
        code = int(np.searchsorted(self.classes_, label))
        return self._sample(code, n_samples, rng, device)

    def _to_caller(self, samples: np.ndarray) -> np.ndarray:
        return self.image_layout_.from_net(self.pixel_range_.unscale(samples))

    def _forward_in_chunks(self, modules, forward, inputs, device) -> np.ndarray:
        """Evaluate ``forward`` on ``inputs`` (CPU tensors) in chunks, without gradients,
        with ``modules`` moved to ``device`` for the call; returns float32 numpy."""
        chunks = zip(*(tensor.split(GENERATION_BATCH) for tensor in inputs), strict=True)
        outputs, start, finite = None, 0, True
        with modules_on(modules, device), torch.no_grad(), autocast(device, self.precision_):
            for chunk in chunks:
                output = forward(*(to_device(t, device) for t in chunk)).float().cpu().numpy()
                if outputs is None:
                    # Filled chunk by chunk: the chunks and their concatenation, each the
                    # size of a class's synthetic images, are not held together.
                    outputs = np.empty((len(inputs[0]), *output.shape[1:]), np.float32)
                outputs[start : start + len(output)] = output
                start += len(output)
                finite = finite and bool(np.isfinite(output).all())
        if not finite:
            # Weights can turn NaN in the last update, after the last loss was recorded.
            raise TrainingDivergedError(
                f"{type(self).__name__}: the trained networks output NaN or infinite values; "
                "training diverged. Lower learning_rate, or check the input for extreme values."
            )
        return outputs

    def generate(self, n_samples: int, class_label, *, random_state=None) -> np.ndarray:
        """Generate ``n_samples`` new samples of one class with the fitted networks.

        Parameters
        ----------
        n_samples : int
            How many samples to make.
        class_label : object
            One of the labels seen by ``fit_resample`` (see ``classes_``).
        random_state : int, RandomState instance or None, default=None
            Seeds the draw; the same seed gives the same samples.

        Returns
        -------
        ndarray
            The samples, in the layout, value range and dtype of the fitted input.
        """
        check_is_fitted(self, "classes_")
        if not isinstance(n_samples, Integral) or n_samples < 0:
            raise ValueError(f"n_samples must be a non-negative integer; got {n_samples!r}.")
        if class_label not in set(self.classes_.tolist()):
            raise ValueError(
                f"class_label={class_label!r} was not seen during fit; the classes are "
                f"{self.classes_.tolist()}."
            )
        rng = check_random_state(random_state)
        device = resolve_device(self.device)
        with torch_threads(self._threads()):
            samples, _ = self._generate_scaled(class_label, n_samples, rng, device)
        return self._to_caller(samples)

    def _threads(self) -> int | None:
        # A sampler written on this base without an ``n_threads`` parameter, or pickled
        # before it existed, leaves torch's threads as they are, as every sampler did.
        return getattr(self, "n_threads", None)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.three_d_array = True
        return tags


# Parameter descriptions shared by the samplers' docstrings (filled in with Substitution).
SHARED_PARAMETER_DOCS = {
    "image_shape": """image_shape : tuple of int, default=None
        ``(C, H, W)`` of each image when ``X`` is flat ``(n, C*H*W)``. Leave it ``None``
        for ``(n, C, H, W)`` or ``(n, H, W)`` input, whose shape already says it. Flat
        input without ``image_shape`` is modelled as tabular data with fully-connected
        networks. Channel-last ``(n, H, W, C)`` arrays are rejected with the transpose
        to apply.""",
    "precision": """precision : {"float32", "auto", "bfloat16", "float16"}, default="float32"
        Arithmetic of training and generation. ``"bfloat16"`` runs the networks under
        autocast: 1.6 times faster DeepSMOTE training on a CPU with AVX512-BF16, but
        emulated, and several times slower than float32, on CPUs without bfloat16
        instructions (AVX512-BF16, AMX or Arm BF16) and GPUs before Ampere, where it
        warns. ``"auto"`` picks ``"bfloat16"`` only where the hardware has it, else
        ``"float32"`` (a capability check, no timing; ``precision_`` records the
        choice), so its numerics depend on the machine: the default stays
        ``"float32"``, bit-identical across CPUs. ``"float16"`` is autocast with loss
        scaling (``torch.amp.GradScaler``), for GPUs without bfloat16 (slow on most
        CPUs). Weights and losses stay float32.""",
    "compile": """compile : bool or dict, default=False
        Run each training step's forward computation (networks and losses) through
        :func:`torch.compile`: ``True`` with a symbolic batch size (the epoch's last
        batch and the one-class batches vary in size, so the graph is traced once, not
        once per size), a dict for :func:`torch.compile`'s own options over that, e.g.
        ``{"mode": "reduce-overhead"}`` for CUDA graphs on a GPU. The first steps wait
        for the compilation (tens of seconds), so it pays on long GPU fits, where a step
        is bound by kernel launches, not on a CPU, where the convolutions dominate.
        Losses and images match the eager path within float tolerance, not bit for bit.
        Generation stays eager.""",
    "device": """device : str or torch.device, default="auto"
        Where the networks train: ``"auto"`` takes CUDA when available, else the CPU.
        Fitted networks are kept on the CPU, so a fitted sampler pickles and loads on
        any machine; seeded runs are bit-identical on the CPU.""",
    "n_threads": """n_threads : int or None, default=1
        CPU threads of ``fit_resample`` and ``generate``, set for the call and restored
        after it; ``-1``: every CPU this process may use; ``None``: torch's setting as
        it is (``torch.set_num_threads``). One thread by default: torch's default of one
        per core slowed these networks down by 10x and more when other processes
        computed too, and a seeded fit's images depend on the thread count, so a count
        that followed the load would not repeat. On an idle machine ``-1`` is faster
        (2 threads: 1.9-2.0x on 2 idle cores; the user guide's "Threads").""",
    "verbose": """verbose : int, default=0
        Print one line of losses per epoch when positive.""",
    "fitted": """sampling_strategy_ : dict
        Number of samples to generate for each class.

    classes_ : ndarray
        Class labels seen at fit time, sorted.

    precision_ : str
        The precision training and generation used: ``precision`` with ``"auto"``
        resolved for the training device.

    n_features_in_ : int
        Values per sample (``C*H*W`` for images).""",
    "generation": """Output mirrors the input: the same number of dimensions and dtype, the
    original samples first in their original order, then the synthetic samples grouped by
    class in sorted class order. Pixel values are mapped to ``[-1, 1]`` for the networks
    with the minimum and maximum seen at fit time and mapped back on output, clipped to
    that range: integer dtypes are rounded, bool is thresholded at 0.5. A range that
    overflows float64 (values near ±1e308) is an error; one dominated by a few outlying
    values (more than 100 times wider than the spread of all but the extreme 0.1 %) warns,
    since it would squeeze the other values into a sliver of ``[-1, 1]``.""",
}
