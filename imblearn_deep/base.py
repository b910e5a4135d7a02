"""The contract every deep over-sampler of this package shares.

:class:`BaseDeepOverSampler` does everything that is not the generative model itself:
input validation (N-D images, flat images with ``image_shape``, tabular data), the
pixel-range and dtype round-trip, label encoding, seeding, device choice, the
``fit_resample`` flow (originals first, synthetic samples appended per class) and the
public :meth:`~BaseDeepOverSampler.generate`. Subclasses implement two methods:
``_fit_networks`` (train on scaled tensors) and ``_sample`` (make ``n`` scaled samples of
one class).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._images import ImageLayout, PixelRange
from ._training import (
    PRECISIONS,
    TrainingDivergedError,
    autocast,
    draw_seed,
    modules_on,
    resolve_device,
    seeded,
    to_device,
)

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


class BaseDeepOverSampler(BaseOverSampler):
    """Base class for over-samplers that train a generative network on the data.

    Warning: this class should not be used directly. Use the derived classes.
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "image_shape": [None, tuple, list],
        # Batches of one would reach BatchNorm layers in training mode.
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "precision": [StrOptions(set(PRECISIONS))],
        "device": [str, torch.device],
        "verbose": ["verbose"],
    }

    # -- the two methods a generative model implements --------------------------------

    def _fit_networks(self, X: torch.Tensor, y: np.ndarray, device: torch.device) -> None:
        """Train the networks on ``X`` (float32, network layout, in [-1, 1]) with integer
        class codes ``y``; append per-epoch records to ``self.history_``."""
        raise NotImplementedError

    def _sample(
        self, class_code: int, n_samples: int, rng: np.random.RandomState, device: torch.device
    ) -> np.ndarray:
        """Return ``n_samples`` new samples of class ``class_code`` (network layout, [-1, 1])."""
        raise NotImplementedError

    # -- the shared contract ------------------------------------------------------------

    def _check_X_y(self, X, y):
        return check_sampler_X_y(
            self, X, y, accept_sparse=False, dtype="numeric", ensure_all_finite=True
        )

    def _fit_resample(self, X: np.ndarray, y: np.ndarray):
        self.image_layout_ = ImageLayout.from_array(X, self.image_shape)
        self.pixel_range_ = PixelRange.fit(X, self.image_layout_)
        self.classes_, y_codes = np.unique(y, return_inverse=True)
        rng = check_random_state(self.random_state)
        device = resolve_device(self.device)
        X_net = torch.from_numpy(self.image_layout_.to_net(self.pixel_range_.scale(X)))
        self.history_ = []
        with seeded(draw_seed(rng), device):
            self._fit_networks(X_net, y_codes, device)

        X_parts, y_parts = [X], [y]
        for label, n_samples in self.sampling_strategy_.items():
            if n_samples > 0:
                X_parts.append(self._generate_scaled(label, n_samples, rng, device))
                y_parts.append(np.full(n_samples, label, dtype=y.dtype))
        X_res = np.concatenate([X_parts[0], *map(self._to_caller, X_parts[1:])])
        return X_res, np.concatenate(y_parts)

    def _generate_scaled(self, label, n_samples, rng, device) -> np.ndarray:
        if n_samples == 0:
            return np.empty((0, *self.image_layout_.net_shape), np.float32)
        code = int(np.searchsorted(self.classes_, label))
        return self._sample(code, n_samples, rng, device)

    def _to_caller(self, samples: np.ndarray) -> np.ndarray:
        return self.image_layout_.from_net(self.pixel_range_.unscale(samples))

    def _forward_in_chunks(self, modules, forward, inputs, device) -> np.ndarray:
        """Evaluate ``forward`` on ``inputs`` (CPU tensors) in chunks, without gradients,
        with ``modules`` moved to ``device`` for the call; returns float32 numpy."""
        chunks = zip(*(tensor.split(GENERATION_BATCH) for tensor in inputs), strict=True)
        with modules_on(modules, device), torch.no_grad(), autocast(device, self.precision):
            outputs = np.concatenate(
                [
                    forward(*(to_device(t, device) for t in chunk)).float().cpu().numpy()
                    for chunk in chunks
                ]
            )
        if not np.isfinite(outputs).all():
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
        return self._to_caller(self._generate_scaled(class_label, n_samples, rng, device))

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
    "precision": """precision : {"float32", "bfloat16", "float16"}, default="float32"
        Arithmetic of training and generation. ``"bfloat16"`` runs the networks under
        autocast (faster on CPUs with bfloat16 instructions; on GPUs since Ampere);
        ``"float16"`` too, with loss scaling (``torch.amp.GradScaler``), for GPUs
        without bfloat16 (slow on most CPUs). Losses stay float32.""",
    "device": """device : str or torch.device, default="auto"
        Where the networks train: ``"auto"`` takes CUDA when available, else the CPU.
        Fitted networks are kept on the CPU, so a fitted sampler pickles and loads on
        any machine; seeded runs are bit-identical on the CPU.""",
    "verbose": """verbose : int, default=0
        Print one line of losses per epoch when positive.""",
    "fitted": """sampling_strategy_ : dict
        Number of samples to generate for each class.

    classes_ : ndarray
        Class labels seen at fit time, sorted.

    n_features_in_ : int
        Values per sample (``C*H*W`` for images).""",
    "generation": """Output mirrors the input: the same number of dimensions and dtype, the
    original samples first in their original order, then the synthetic samples grouped by
    class in sorted class order. Pixel values are mapped to ``[-1, 1]`` for the networks
    using the range seen at fit time and mapped back on output (integer dtypes are
    rounded and clipped).""",
}
