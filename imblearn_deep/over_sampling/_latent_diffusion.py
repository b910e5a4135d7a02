"""LatentDiffusion: class-conditional denoising diffusion on an autoencoder's codes."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import Substitution
from imblearn.utils._docstring import _random_state_docstring
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import Interval

from .._fit_tasks import FitTask
from .._schedules import lr_factors
from .._torch.devices import adam, autocast, to_device
from .._torch.loop import LossMeter, OptimizerStep, run_epochs
from .._torch.rng import device_generator
from ..base import SHARED_PARAMETER_DOCS
from ..nets.denoiser import build_denoiser
from ._autoencoder import AUTOENCODER_PARAMETER_DOCS, AutoencoderOverSampler
from ._code_diffusion import denoising_loss, sample_codes

# The diffusion stage's history records one entry per this many optimizer steps.
_STEPS_PER_RECORD = 100
# Share of the denoiser's steps spent warming its learning rate up (then a cosine decay).
_DIFFUSION_WARMUP = 0.05


@Substitution(
    sampling_strategy=BaseOverSampler._sampling_strategy_docstring,
    random_state=_random_state_docstring,
    **SHARED_PARAMETER_DOCS,
    **AUTOENCODER_PARAMETER_DOCS,
)
class LatentDiffusion(AutoencoderOverSampler):
    """Over-sample with a class-conditional diffusion model of an autoencoder's codes.

    Trains DeepSMOTE's autoencoder [1]_ on all classes, then a denoising diffusion model
    [2]_ of the latent codes, conditioned on the class and trained on every class at once,
    so that a rare class's codes are learnt with what the frequent classes teach about
    the codes' shared structure (the latent and feature-space diffusion of [3]_ and
    [4]_). New codes of a class are drawn from noise with 10 deterministic DDIM steps
    [5]_ and classifier-free guidance [6]_, and become images by decoding or by residual
    synthesis, as in :class:`DeepSMOTE`. Where DeepSMOTE's codes lie on segments
    between two neighbouring codes, these come from a model of the class's whole code
    distribution.

    The diffusion model is a residual MLP (:mod:`imblearn_deep.nets.denoiser`) on codes
    standardized per dimension, with the cosine noise schedule [7]_ and the velocity as
    its target [8]_ (:mod:`imblearn_deep.over_sampling._code_diffusion`). A code is a
    few dozen numbers, so its training costs seconds on a CPU beside the autoencoder's
    minutes.

    {generation}

    Parameters
    ----------
    {sampling_strategy}

    {random_state}

    {image_shape}

    latent_dim : int, default=32
        Size of the latent code. A short code is what the diffusion model learns well
        from a few hundred images; ``None`` takes DeepSMOTE's paper values (300 for
        one-channel images, 600 for colour ones).

    hidden_channels : int, default=16
        Channels of the autoencoder's first convolution; deeper layers double it.

    epochs : int, default=30
        Autoencoder training epochs, used when ``max_steps`` is ``None``. The weights of
        the epoch with the lowest training loss are kept.

    max_steps : int or None, default=1000
        The autoencoder's optimizer steps (mini-batches), the last epoch partial: the
        same compute on a set of 300 images and of 60,000 (1,000 steps at batch 64 are
        167 epochs of the 325 imbalanced digits, 7 of a 9,000-image Fashion-MNIST
        profile).
        ``None`` trains ``epochs`` epochs.

    batch_size : int, default=64
        The autoencoder's mini-batch size, also the size of the one-class penalty batch.

    learning_rate : float, default=1e-3
        The autoencoder's Adam learning rate (the peak rate with ``lr_schedule``).

    {lr_schedule}

    {lr_warmup}

    {penalty}

    {penalty_weight}

    {synthesis}
        With ``"residual"``, the base sample of a new code is the real sample of the
        class whose code is nearest to it.

    diffusion_steps : int, default=2000
        Optimizer steps of the denoiser (Adam, a 5 % linear warm-up, then a cosine
        decay). Each step draws ``diffusion_batch_size`` codes of all classes, with
        replacement, each with a random time and noise.

    diffusion_batch_size : int, default=128
        Codes per denoiser step.

    diffusion_learning_rate : float, default=1e-3
        The denoiser's peak learning rate.

    denoiser_width : int, default=128
        Hidden width of the denoiser's residual blocks.

    denoiser_depth : int, default=3
        Number of residual blocks.

    label_dropout : float, default=0.1
        Share of the training codes whose class is hidden from the denoiser: what
        teaches it the unconditional prediction that guidance needs (so it must be
        above 0 unless ``guidance=1``).

    guidance : float, default=2.0
        Classifier-free guidance weight: ``1`` samples the class-conditional model as it
        is (one network evaluation per step), ``0`` ignores the class, values above 1
        push new codes further towards what distinguishes their class, at a cost in
        variety (two evaluations per step).

    sampling_steps : int, default=10
        Deterministic DDIM updates from noise to a code. Each costs one or two denoiser
        evaluations per code (``guidance``): on the digits, 10 steps gave the same label
        fidelity as 25 steps at a 0.03 lower spread ratio, in 2.5 times less time.

    {precision}

    compile : bool or dict, default=False
        As in :class:`DeepSMOTE`, for the autoencoder's training steps; the denoiser,
        a few small matrix products a step, runs eagerly.

    {device}

    {n_threads}

    {verbose}

    Attributes
    ----------
    {fitted}

    {autoencoder_attributes}

    denoiser_ : torch.nn.Module
        The trained denoiser (on the CPU, in eval mode).

    code_mean_ : ndarray of shape (latent_dim,)
        Mean of the training codes, per dimension.

    code_scale_ : ndarray of shape (latent_dim,)
        Their standard deviation (1 where it is below a millionth of the largest):
        the denoiser models
        ``(code - code_mean_) / code_scale_``.

    history_ : list of dict
        One record per autoencoder epoch (``stage="autoencoder"``: ``reconstruction``,
        ``penalty``, ``loss``) and per 100 denoiser steps, which progress lines call the
        diffusion stage's epochs (``stage="diffusion"``:
        ``denoising``, the mean squared error of the predicted velocity), each with its
        ``steps`` and ``seconds``.

    sample_provenance_ : dict of str to ndarray
        One row per synthetic sample of the last ``fit_resample``, in output order (row
        ``i`` describes ``X_res[n_samples + i]``): ``"class"``, its label;
        ``"nearest_index"``, the row of the fitted ``X`` of that class whose latent code
        is nearest to the sample's (its base with ``synthesis="residual"``);
        ``"nearest_distance"``, that Euclidean distance in latent space. A distance near
        0 marks a code the model copied from the training set rather than a new one.

    See Also
    --------
    DeepSMOTE : New codes by SMOTE between neighbouring codes.
    BAGANGP : Over-sample with a class-conditional GAN.

    References
    ----------
    .. [1] D. Dablain, B. Krawczyk and N. V. Chawla, "DeepSMOTE: Fusing Deep Learning and
       SMOTE for Imbalanced Data", IEEE TNNLS 34(9), 2023. arXiv:2105.02340.
    .. [2] J. Ho, A. Jain and P. Abbeel, "Denoising Diffusion Probabilistic Models",
       NeurIPS 2020. arXiv:2006.11239.
    .. [3] R. Rombach, A. Blattmann, D. Lorenz, P. Esser and B. Ommer, "High-Resolution
       Image Synthesis with Latent Diffusion Models", CVPR 2022. arXiv:2112.10752.
    .. [4] P. Han, C. Ye, J. Zhou, J. Zhang, J. Hong and X. Li, "Latent-based Diffusion
       Model for Long-tailed Recognition" (LDMLR), CVPR 2024 Workshops.
       arXiv:2404.04517.
    .. [5] J. Song, C. Meng and S. Ermon, "Denoising Diffusion Implicit Models", ICLR
       2021. arXiv:2010.02502.
    .. [6] J. Ho and T. Salimans, "Classifier-Free Diffusion Guidance", NeurIPS 2021
       Workshop on Deep Generative Models. arXiv:2207.12598.
    .. [7] A. Nichol and P. Dhariwal, "Improved Denoising Diffusion Probabilistic
       Models", ICML 2021. arXiv:2102.09672.
    .. [8] T. Salimans and J. Ho, "Progressive Distillation for Fast Sampling of
       Diffusion Models", ICLR 2022. arXiv:2202.00512.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn_deep import LatentDiffusion
    >>> from imblearn_deep.datasets import load_imbalanced
    >>> X, y, X_test, y_test = load_imbalanced("digits")  # 8×8 digits, 140 … 5 per class
    >>> sampler = LatentDiffusion(max_steps=100, diffusion_steps=200, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X.shape, X_res.shape
    ((325, 1, 8, 8), (1400, 1, 8, 8))
    >>> np.bincount(y_res).tolist()
    [140, 140, 140, 140, 140, 140, 140, 140, 140, 140]
    """

    # A new estimator: no recorded cells to keep. The comparison sets its fits' threads
    # itself and builds its samplers with n_threads=None.
    _fingerprint_neutral_params: ClassVar[dict[str, Any]] = {"n_threads": None}

    _parameter_constraints: dict = {
        **AutoencoderOverSampler._parameter_constraints,
        "diffusion_steps": [Interval(Integral, 1, None, closed="left")],
        "diffusion_batch_size": [Interval(Integral, 1, None, closed="left")],
        "diffusion_learning_rate": [Interval(Real, 0, None, closed="neither")],
        "denoiser_width": [Interval(Integral, 1, None, closed="left")],
        # Without a block the time and the class would reach no layer.
        "denoiser_depth": [Interval(Integral, 1, None, closed="left")],
        # At 1 the class-conditional model would never be trained.
        "label_dropout": [Interval(Real, 0, 1, closed="left")],
        "guidance": [Interval(Real, 0, None, closed="left")],
        "sampling_steps": [Interval(Integral, 1, None, closed="left")],
    }

    _training_stages = ("autoencoder", "diffusion")

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        random_state=None,
        image_shape=None,
        latent_dim=32,
        hidden_channels=16,
        epochs=30,
        max_steps=1000,
        batch_size=64,
        learning_rate=1e-3,
        lr_schedule=None,
        lr_warmup=0.1,
        penalty="code",
        penalty_weight=1.0,
        synthesis="decode",
        diffusion_steps=2000,
        diffusion_batch_size=128,
        diffusion_learning_rate=1e-3,
        denoiser_width=128,
        denoiser_depth=3,
        label_dropout=0.1,
        guidance=2.0,
        sampling_steps=10,
        precision="float32",
        compile=False,
        device="auto",
        n_threads=1,
        verbose=0,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.image_shape = image_shape
        self.latent_dim = latent_dim
        self.hidden_channels = hidden_channels
        self.epochs = epochs
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.lr_warmup = lr_warmup
        self.penalty = penalty
        self.penalty_weight = penalty_weight
        self.synthesis = synthesis
        self.diffusion_steps = diffusion_steps
        self.diffusion_batch_size = diffusion_batch_size
        self.diffusion_learning_rate = diffusion_learning_rate
        self.denoiser_width = denoiser_width
        self.denoiser_depth = denoiser_depth
        self.label_dropout = label_dropout
        self.guidance = guidance
        self.sampling_steps = sampling_steps
        self.precision = precision
        self.compile = compile
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose

    def planned_steps(self, n_samples: int) -> dict[str, int]:
        """The optimizer steps a fit on ``n_samples`` samples takes in each stage, by the
        parameter that sets them as a step budget.

        Autoencoder steps (``max_steps`` when set, else ``epochs`` times the mini-batches
        per epoch) and the denoiser's ``diffusion_steps``. What a calibration scales down
        to time a fit quickly (:func:`imblearn_deep.comparison._estimate.fit_seconds`).

        Examples
        --------
        >>> LatentDiffusion(max_steps=None, epochs=3, batch_size=100).planned_steps(1000)
        {'max_steps': 30, 'diffusion_steps': 2000}
        """
        return {**super().planned_steps(n_samples), "diffusion_steps": self.diffusion_steps}

    def _fit_networks(
        self, X: torch.Tensor, y: np.ndarray, device: torch.device, task: FitTask
    ) -> None:
        if self.guidance != 1 and self.label_dropout == 0:
            # Guidance mixes in the prediction without the class, which only the codes
            # whose class was dropped teach.
            raise ValueError(
                f"guidance={self.guidance!r} needs the unconditional model, which "
                "label_dropout=0 never trains: set label_dropout > 0 (e.g. 0.1) or "
                "guidance=1."
            )
        super()._fit_networks(X, y, device, task)
        codes = np.concatenate(self.latent_codes_)
        labels = np.concatenate(
            [np.full(len(class_codes), c) for c, class_codes in enumerate(self.latent_codes_)]
        )
        self.code_mean_ = codes.mean(axis=0)
        spread = codes.std(axis=0)
        # A dimension the encoder (nearly) never varies stays at its mean: dividing by a
        # spread of 1e-8 would blow its rounding noise up to huge standardized values.
        varies = spread > 1e-6 * spread.max()
        self.code_scale_ = np.where(varies, spread, 1.0).astype(np.float32)
        self.denoiser_ = to_device(
            build_denoiser(
                codes.shape[1], len(self.classes_), self.denoiser_width, self.denoiser_depth
            ),
            device,
        )
        self._fit_denoiser(
            to_device(torch.from_numpy((codes - self.code_mean_) / self.code_scale_), device),
            torch.from_numpy(labels).to(device),
            device,
            task,
        )

    def _fit_denoiser(
        self, codes: torch.Tensor, labels: torch.Tensor, device: torch.device, task: FitTask
    ) -> None:
        full, rest = divmod(self.diffusion_steps, _STEPS_PER_RECORD)
        schedule = [_STEPS_PER_RECORD] * full + ([rest] if rest else [])
        optimizer_step = OptimizerStep(
            adam(self.denoiser_.parameters(), lr=self.diffusion_learning_rate),
            device,
            self.precision_,
            lr_factors=lr_factors("cosine", self.diffusion_steps, _DIFFUSION_WARMUP),
        )
        generator = device_generator(device)

        def train_steps(n_steps):
            meter = LossMeter()
            self.denoiser_.train()
            for _ in range(n_steps):
                rows = torch.randint(
                    len(codes), (self.diffusion_batch_size,), generator=generator, device=device
                )
                with autocast(device, self.precision_):
                    loss = denoising_loss(
                        self.denoiser_, codes[rows], labels[rows], self.label_dropout, generator
                    )
                optimizer_step(loss)
                meter.add(len(rows), denoising=loss)
            return meter.means()

        run_epochs(
            train_steps,
            schedule,
            stage="diffusion",
            history=self.history_,
            callbacks=self._epoch_callbacks(task, "diffusion", len(schedule)),
        )
        # Fitted networks live on the CPU in eval mode.
        self.denoiser_.cpu().eval()

    def _sample(self, class_code, n_samples, rng, device) -> tuple[np.ndarray, dict]:
        noise = rng.standard_normal((n_samples, len(self.code_mean_))).astype(np.float32)

        def denoise(start):
            return sample_codes(
                self.denoiser_, start, class_code, self.sampling_steps, self.guidance
            )

        standardized = self._forward_in_chunks(
            [self.denoiser_], denoise, [torch.from_numpy(noise)], device
        )
        new_codes = (standardized * self.code_scale_ + self.code_mean_).astype(np.float32)
        distance, nearest = (
            NearestNeighbors(n_neighbors=1)
            .fit(self.latent_codes_[class_code])
            .kneighbors(new_codes)
        )
        nearest = nearest[:, 0]
        samples = self._synthesize(class_code, new_codes, nearest, device)
        return samples, {
            "nearest_index": self._code_rows[class_code][nearest],
            "nearest_distance": distance[:, 0].astype(np.float32),
        }

    def _empty_provenance(self) -> dict[str, np.ndarray]:
        return {
            "nearest_index": np.empty(0, dtype=np.intp),
            "nearest_distance": np.empty(0, np.float32),
        }
