"""The autoencoder stage that :class:`~imblearn_deep.DeepSMOTE` and
:class:`~imblearn_deep.LatentDiffusion` share.

:class:`AutoencoderOverSampler` trains DeepSMOTE's encoder and decoder (Dablain et al.,
2022) on every class, keeps each class's latent codes, and turns new codes of a class
into images, decoded or by residual synthesis. A subclass says where new codes come
from: ``_sample`` draws them and hands them to :meth:`AutoencoderOverSampler._synthesize`;
a subclass with a stage of its own after the autoencoder extends ``_fit_networks``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from torch.nn.functional import mse_loss

from .._fit_tasks import FitTask
from .._schedules import LR_SCHEDULES, lr_factors
from .._torch.devices import adam, autocast, compiled, to_device
from .._torch.loop import (
    KeepBest,
    LossMeter,
    OptimizerStep,
    epoch_schedule,
    minibatches,
    run_epochs,
)
from .._torch.rng import device_generator
from ..base import BaseDeepOverSampler
from ..nets.deep_smote import build_decoder, build_encoder

__all__ = ["AUTOENCODER_PARAMETER_DOCS", "AutoencoderOverSampler"]


class AutoencoderOverSampler(BaseDeepOverSampler):
    """Base of the over-samplers that make new latent codes of a trained autoencoder.

    Warning: this class should not be used directly. Use the derived classes.
    """

    _parameter_constraints: dict = {
        **BaseDeepOverSampler._parameter_constraints,
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "max_steps": [None, Interval(Integral, 1, None, closed="left")],
        "latent_dim": [None, Interval(Integral, 1, None, closed="left")],
        "hidden_channels": [Interval(Integral, 1, None, closed="left")],
        "penalty": [StrOptions({"code", "paper", "none"})],
        "penalty_weight": [Interval(Real, 0, None, closed="left")],
        "lr_schedule": [None, StrOptions(set(LR_SCHEDULES))],
        "lr_warmup": [Interval(Real, 0, 1, closed="left")],
        "synthesis": [StrOptions({"decode", "residual"})],
    }

    _training_stages = ("autoencoder",)

    def planned_steps(self, n_samples: int) -> dict[str, int]:
        """The optimizer steps a fit on ``n_samples`` samples takes, by the parameter
        that sets them as a step budget.

        ``max_steps`` when it is set, else ``epochs`` times the mini-batches per epoch.
        What a calibration scales down to time a fit quickly
        (:func:`imblearn_deep.comparison._estimate.fit_seconds`).

        Examples
        --------
        >>> from imblearn_deep import DeepSMOTE
        >>> DeepSMOTE(epochs=3, batch_size=100).planned_steps(1000)
        {'max_steps': 30}
        >>> DeepSMOTE(max_steps=25).planned_steps(60000)
        {'max_steps': 25}
        """
        return {"max_steps": sum(self._schedule(n_samples))}

    def _schedule(self, n_samples: int) -> list[int]:
        return epoch_schedule(n_samples, self.batch_size, self.epochs, self.max_steps)

    def _fit_networks(
        self, X: torch.Tensor, y: np.ndarray, device: torch.device, task: FitTask
    ) -> None:
        shape = self.image_layout_.net_shape
        latent_dim = self.latent_dim or (600 if len(shape) == 3 and shape[0] == 3 else 300)
        self.encoder_ = to_device(build_encoder(shape, latent_dim, self.hidden_channels), device)
        self.decoder_ = to_device(build_decoder(shape, latent_dim, self.hidden_channels), device)
        networks = [self.encoder_, self.decoder_]
        # The reference steps two Adams with equal settings; Adam is per-parameter, so one
        # optimiser over both networks is the same update.
        schedule = self._schedule(len(X))
        optimizer_step = OptimizerStep(
            adam([p for net in networks for p in net.parameters()], lr=self.learning_rate),
            device,
            self.precision_,
            lr_factors=lr_factors(self.lr_schedule, sum(schedule), self.lr_warmup),
        )
        X = to_device(X, device)
        members = [
            torch.from_numpy(np.flatnonzero(y == c)).to(device) for c in range(len(self.classes_))
        ]
        # A one-sample class cannot form a penalty batch (BatchNorm needs two samples).
        penalty_classes = [c for c, idx in enumerate(members) if len(idx) >= 2]
        use_penalty = self.penalty != "none" and bool(penalty_classes)
        generator = device_generator(device)

        def losses(x, x_penalty):
            # The step's forward computation, what ``compile`` compiles.
            with autocast(device, self.precision_):
                reconstruction = mse_loss(self.decoder_(self.encoder_(x)).float(), x)
                penalty = (
                    self._penalty(x_penalty)
                    if x_penalty is not None
                    else torch.zeros((), device=device)
                )
                return reconstruction, penalty, reconstruction + self.penalty_weight * penalty

        step_losses = compiled(losses, self.compile)

        def train_one_epoch(n_steps):
            meter = LossMeter()
            for net in networks:
                net.train()
            batches = minibatches(len(X), self.batch_size, generator, device)[:n_steps]
            drawn = (
                torch.randint(
                    len(penalty_classes), (len(batches),), generator=generator, device=device
                ).tolist()
                if use_penalty
                else []
            )
            for step, idx in enumerate(batches):
                x_penalty = (
                    X[self._penalty_batch(members[penalty_classes[drawn[step]]], generator)]
                    if use_penalty
                    else None
                )
                reconstruction, penalty, loss = step_losses(X[idx], x_penalty)
                optimizer_step(loss)
                meter.add(len(idx), reconstruction=reconstruction, penalty=penalty, loss=loss)
            return meter.means()

        keep_best = KeepBest(networks, monitor="loss")
        run_epochs(
            train_one_epoch,
            schedule,
            stage="autoencoder",
            history=self.history_,
            callbacks=[*self._epoch_callbacks(task, "autoencoder", len(schedule)), keep_best],
        )
        self.best_epoch_ = keep_best.best_epoch
        self.latent_codes_ = self._encode_by_class(X, y, device)

    def _penalty_batch(self, members: torch.Tensor, generator) -> torch.Tensor:
        """Rows of the penalty's one-class batch: up to ``batch_size`` of ``members``."""
        order = torch.randperm(len(members), generator=generator, device=members.device)
        return members[order[: self.batch_size]]

    def _penalty(self, x: torch.Tensor) -> torch.Tensor:
        """The penalty term on ``x``, images of one class."""
        if self.penalty == "code":
            # The released code shifts codes and images by the same cyclic permutation,
            # which cancels: a one-class reconstruction through detached codes.
            with torch.no_grad():
                codes = self.encoder_(x)
            return mse_loss(self.decoder_(codes).float(), x)
        # The paper: decode the permuted codes and compare with the un-permuted images.
        return mse_loss(self.decoder_(self.encoder_(x).roll(1, dims=0)).float(), x)

    def _encode_by_class(self, X: torch.Tensor, y: np.ndarray, device) -> list[np.ndarray]:
        # Also leaves both networks on the CPU in eval mode, their fitted state.
        codes = self._forward_in_chunks([self.encoder_, self.decoder_], self.encoder_, [X], device)
        # The rows of X that each class's codes encode, for sample_provenance_.
        self._code_rows = [np.flatnonzero(y == c) for c in range(len(self.classes_))]
        if self.synthesis == "residual":
            images = X.float().cpu().numpy()
            self.training_images_ = [images[rows] for rows in self._code_rows]
        return [codes[rows] for rows in self._code_rows]

    def _synthesize(
        self, class_code: int, new_codes: np.ndarray, base: np.ndarray, device
    ) -> np.ndarray:
        """Images of class ``class_code`` from ``new_codes`` (float32 ``(n, latent_dim)``):
        their decodings, or with ``synthesis="residual"`` the real images of the class's
        samples ``base`` (positions in its codes) moved by the decoder's change from
        their codes to the new ones."""
        samples = self._forward_in_chunks(
            [self.decoder_], self.decoder_, [torch.from_numpy(new_codes)], device
        )
        if self.synthesis == "residual":
            codes = self.latent_codes_[class_code]
            base_codes = torch.from_numpy(np.ascontiguousarray(codes[base]))
            reconstructions = self._forward_in_chunks(
                [self.decoder_], self.decoder_, [base_codes], device
            )
            base_images = self.training_images_[class_code][base]
            samples = np.clip(base_images + samples - reconstructions, -1.0, 1.0)
        return samples


# Descriptions of the autoencoder's parameters and attributes, shared by the docstrings
# of the samplers built on it (filled in with Substitution).
AUTOENCODER_PARAMETER_DOCS = {
    "latent_dim": """latent_dim : int, default=None
        Size of the latent code. ``None`` takes the DeepSMOTE paper's values: 300 for
        one-channel images (and tabular data), 600 for colour images.""",
    "hidden_channels": """hidden_channels : int, default=64
        Channels of the first convolution (``dim_h`` in the paper); deeper layers double it.""",
    "epochs": """epochs : int, default=200
        Autoencoder training epochs (the released code's 200). The weights of the epoch
        with the lowest training loss are kept, as the reference does.""",
    "max_steps": """max_steps : int, default=None
        When set, the autoencoder trains exactly this many optimizer steps
        (mini-batches), the last epoch partial, and ``epochs`` is ignored: the same
        compute on a set of 300 images and of 60,000. The reference's 200 epochs of its
        9,000-image set at batch 100 are 18,000 steps.""",
    "batch_size": """batch_size : int, default=100
        The autoencoder's mini-batch size, also the size of the one-class penalty batch.""",
    "learning_rate": """learning_rate : float, default=2e-4
        The autoencoder's Adam learning rate (the peak rate with ``lr_schedule``).""",
    "lr_schedule": """lr_schedule : {"cosine", "onecycle"} or None, default=None
        ``None`` keeps ``learning_rate`` constant, as the reference does. ``"cosine"``
        warms up linearly for ``lr_warmup`` of the steps, then decays along half a
        cosine, ending low; ``"onecycle"`` is Smith's one-cycle
        (:func:`imblearn_deep._schedules.lr_factor`). A decaying schedule is planned
        over the whole budget (``max_steps``, or ``epochs`` times the batches per epoch),
        so a fit of N steps differs from the first N steps of a longer fit.""",
    "lr_warmup": """lr_warmup : float, default=0.1
        Share of the steps spent warming up with ``lr_schedule``, in ``[0, 1)``.""",
    "penalty": """penalty : {"code", "paper", "none"}, default="code"
        The autoencoder's second loss term. ``"code"`` is DeepSMOTE's released code: a
        random class is drawn uniformly, up to ``batch_size`` of its samples are encoded
        (without gradient to the encoder) and decoded against themselves; its cyclic
        shift of codes and images cancels out, so it is a one-class reconstruction that
        trains the decoder. ``"paper"`` is the article's text: the decoded, permuted
        codes are compared with the un-permuted images, with gradients to both networks.
        ``"none"`` trains on reconstruction alone.""",
    "penalty_weight": """penalty_weight : float, default=1.0
        Weight of the penalty in the loss.""",
    "synthesis": """synthesis : {"decode", "residual"}, default="decode"
        How a new code becomes an image. ``"decode"``, the paper's: its decoding.
        ``"residual"``: a real image of the class (the base sample) plus what the decoder
        changes between the base's code and the new one, ``x_base + D(z_new) -
        D(z_base)``, clipped to the fitted range: the detail the decoder cannot reproduce
        (edges, texture) stays that of a real image, so the synthetic images do not share
        a decoder's smoothness that a classifier could learn as a class cue. Keeps every
        class's training images (``training_images_``), since ``generate`` can be asked
        for any class.""",
    "autoencoder_attributes": """encoder_ : torch.nn.Module
        The trained encoder (on the CPU, in eval mode).

    decoder_ : torch.nn.Module
        The trained decoder (on the CPU, in eval mode).

    latent_codes_ : list of ndarray
        Latent codes of each class's training samples, in ``classes_`` order.

    training_images_ : list of ndarray
        With ``synthesis="residual"`` only: each class's training images, in the
        networks' layout and ``[-1, 1]`` scale, in ``classes_`` order.

    best_epoch_ : int
        The autoencoder epoch whose weights were kept.""",
}
