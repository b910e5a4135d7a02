"""The presets of a comparison, sized from the training data.

* ``"fast"``: small networks and few epochs, for minutes on a CPU (the default);
* ``"paper"``: the thesis's classifiers (ResNet-18/34/50, SqueezeNet 1.1,
  EfficientNet-B0) and the generator settings it retained after its grid search
  (Tables 4.5 and 4.6), for a GPU. The thesis's full meshes (Figures 4.5-4.13) are
  in :func:`thesis_mesh`, to search them with
  :meth:`~imblearn_deep.comparison.Preset.with_sampler_grid`.

One rule (:func:`get_preset`) sizes them from the training images (:class:`DataSize`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from imblearn.over_sampling import ADASYN, SMOTE, RandomOverSampler

from ..datasets import get_dataset
from ..over_sampling import BAGANGP, DeepSMOTE, LatentDiffusion
from ._specs import ClassifierSpec, Preset, SamplerSpec

__all__ = ["DataSize", "PRESET_NAMES", "get_preset", "thesis_mesh"]

PRESET_NAMES = ("fast", "paper")


@dataclass(frozen=True)
class DataSize:
    """What a preset is sized from: the training images' number, shape and class counts.

    Parameters
    ----------
    n_images : int
        Training images.
    image_shape : tuple of int or None
        ``(C, H, W)`` of every image; ``None`` for flat (tabular) rows.
    class_counts : tuple of int
        Training images per class, in label order.
    thesis_dataset : str or None, default=None
        The dataset whose thesis settings the ``"paper"`` preset takes; ``None`` picks
        them by the images (:func:`get_preset`).

    Examples
    --------
    >>> import numpy as np
    >>> size = DataSize.of(np.zeros((6, 1, 28, 28)), [0, 0, 0, 0, 1, 1])
    >>> size.n_images, size.image_shape, size.class_counts
    (6, (1, 28, 28), (4, 2))
    >>> DataSize.of_dataset("digits").image_shape
    (1, 8, 8)
    """

    n_images: int
    image_shape: tuple[int, int, int] | None
    class_counts: tuple[int, ...]
    thesis_dataset: str | None = None

    @classmethod
    def of(cls, X, y) -> DataSize:
        """The size of training images ``X`` (``(n, C, H, W)``, ``(n, H, W)`` or flat) and
        their labels ``y``."""
        shape = tuple(int(s) for s in np.shape(X)[1:])
        image_shape = {2: (1, *shape), 3: shape}.get(len(shape))
        _, counts = np.unique(np.asarray(y), return_counts=True)
        return cls(int(np.shape(X)[0]), image_shape, tuple(int(c) for c in counts))

    @classmethod
    def of_dataset(cls, name: str) -> DataSize:
        """The size of a built-in dataset's imbalanced training set (the registry's
        profile), with the thesis settings the registry names for it."""
        info = get_dataset(name)
        counts = tuple(info.profile.train)
        return cls(sum(counts), info.image_shape, counts, info.thesis_dataset)


# -- the presets ------------------------------------------------------------------------

_ARCHITECTURE_LABELS = {
    "small_cnn": "small CNN",
    "mlp": "MLP",
    "resnet18": "ResNet-18",
    "resnet34": "ResNet-34",
    "resnet50": "ResNet-50",
    "squeezenet1_1": "SqueezeNet 1.1",
    "efficientnet_b0": "EfficientNet-B0",
}
_PAPER_ARCHITECTURES = ("resnet18", "resnet34", "resnet50", "squeezenet1_1", "efficientnet_b0")


def _classic_samplers(k_neighbors: int = 5) -> tuple[SamplerSpec, ...]:
    """The baselines every preset shares: no resampling, a weighted loss, the
    logit-adjusted loss and deferred re-weighting, balanced batches, and the classic
    over-samplers on flattened images."""
    return (
        SamplerSpec("none", "none"),
        SamplerSpec(
            "weighted", "class-weighted loss", classifier_params={"class_weight": "balanced"}
        ),
        # The strongest simple baselines of long-tail learning, which change only the
        # loss: Menon et al. (ICLR 2021) at their tau = 1, and Cao et al.'s DRW (NeurIPS
        # 2019) with its switch at 80% of the training (epoch 160 of 200).
        SamplerSpec(
            "logit_adjusted", "Logit-adjusted loss", classifier_params={"loss": "logit_adjusted"}
        ),
        SamplerSpec("drw", "Deferred re-weighting", classifier_params={"drw_start": 0.8}),
        # Random over-sampling's class balance and epoch length, streamed: balanced
        # mini-batches of the original images instead of a resampled copy of them.
        SamplerSpec(
            "balanced_batches",
            "Balanced batches",
            classifier_params={"balanced_batches": "oversample"},
        ),
        SamplerSpec("ros", "RandomOverSampler", RandomOverSampler, flatten=True),
        SamplerSpec(
            "smote",
            "SMOTE",
            SMOTE,
            params={"k_neighbors": k_neighbors},
            flatten=True,
            neighbor_params=("k_neighbors",),
        ),
        SamplerSpec(
            "adasyn",
            "ADASYN",
            ADASYN,
            params={"n_neighbors": k_neighbors},
            flatten=True,
            neighbor_params=("n_neighbors",),
        ),
    )


# The fast preset's schedule by training-set size. The 8x8 digits (1,000 images) need
# many epochs for enough optimiser steps; the 9,000-image MNIST / Fashion-MNIST profiles
# (10,000 for CIFAR-10) get as many steps in a few epochs, and a balanced training set of
# 40,000 images makes every classifier epoch cost 40x a digits epoch, so these run one
# learning rate for 5 epochs on 2 folds (about an hour for 3 seeds on 2 cores).
# The classifier's budget is counted in optimizer steps, the same for every method of a
# dataset (an epoch budget gave the 4.4x larger resampled sets 4.4x the steps): the steps
# random over-sampling's balanced set took in the epoch budget before (digits: 10 epochs of
# 1,400 images at batch 32; 28x28: 5 epochs of 40,000 at batch 64). A cosine decay with a
# short warm-up ends each fit at a low rate: on Fashion-MNIST at 3,125 steps (5 seeds) it
# cut the seed-to-seed sd of test macro-F1 from 0.033 to 0.011 without resampling and
# from 0.060 to 0.006 with class weights (studies/seed_spread/results/seed_spread/summary.md).
_FAST_SCHEDULES = {
    "small": {
        "deepsmote": {"epochs": 30},
        # In steps: 10 + 10 epochs of the digits' 325 images are 50 + 50 steps, after
        # which every synthetic digit looked like one class (label fidelity 0.098 under
        # an SVC of the held-out digits); 600 + 600 steps reach 0.993 in 26 CPU seconds.
        "bagangp": {"autoencoder_steps": 600, "gan_steps": 600},
        "classifier": {
            "max_steps": 440,
            "lr_schedule": "cosine",
            "lr_warmup": 0.05,
            "batch_size": 32,
        },
        "resnet": {},
        "lr": [1e-3, 3e-3],
        "cv": 3,
        "default_classifiers": ("small_cnn",),
    },
    "large": {
        "deepsmote": {"epochs": 10},
        "bagangp": {"autoencoder_epochs": 5, "gan_epochs": 8},
        "classifier": {
            "max_steps": 3125,
            "lr_schedule": "cosine",
            "lr_warmup": 0.05,
            "batch_size": 64,
        },
        # The ResNets train a pass over a balanced set (625 steps of 64 images) with the
        # ImageNet stem: at 28x28 a ResNet-18 step costs about 7x a small-CNN step on one
        # CPU thread even so, and the stride-1 stem would cost about 6x more again.
        "resnet": {"max_steps": 625, "module__stem": "imagenet"},
        "lr": [1e-3],
        "cv": 2,
        "default_classifiers": ("small_cnn", "resnet18"),
    },
}
# Training sets from this size on take the "large" schedule (counted in 32x32 images).
_LARGE_TRAINING_SET = 5000

# Images larger than 32x32 (the largest built-in profile). A classifier's training step
# costs in proportion to the pixels of its images, hardly to their channels (only the
# first layer sees them): per step of 64 images the small CNN takes 1.02 / 4.08 / 16.3
# GFLOP at 32x32 / 64x64 / 128x128 RGB (3.78 and 15.1 grey at 64 and 128), ResNet-18
# 13.9 / 55.6 / 222 (54.0 and 216 grey); on one thread of a shared 2-core Xeon (AVX-512,
# 1.0-1.4 cores busy with other work) 0.027 / 0.18 / 0.73 s and 0.26 / 0.82 / 2.3 s
# (python -m benchmarks.image_sizes: benchmarks/results/image_sizes/rows.json). With the
# budgets fixed in steps, a folder of 5,000 64x64 RGB images compared none, weighted,
# logit_adjusted, ros, smote and deepsmote with one seed in a projected 43 min: its
# 3,749 training images (25% held out for the test) took the small schedule, 7
# classifier fits a cell (2 rates on 3 folds, the refit; 28 min) and 4 DeepSMOTE fits of
# 30 epochs (13 min); with 5,000 training images, 131 min (ResNet-18's 7 fits: 60 min).
# So n images of H x W pixels are sized as n * f images of 32x32, f = H * W / 1,024:
# * the schedule is the large one from n * f = 5,000 on: one learning rate, so a cell
#   fits once, and DeepSMOTE trains 10 epochs. The generators' budgets stay as they are:
#   DeepSMOTE's epochs already grow with the set, and its step costs no more at 64x64
#   than at 32x32 (9.0 against 12.9 GFLOP: above 32x32 its decoder leaves the paper's
#   geometry); the small schedule's BAGAN-GP 600 + 600 steps are the least the digits
#   showed to work;
# * every classifier's step budget is divided by f, so that a fit costs about what it
#   costs at 32x32 (at 64x64 the small CNN trains 781 steps: 10 passes over 5,000 images);
# * ResNet-18 leaves the default classifiers (--classifiers adds it back): at 64x64 its
#   156 steps are 2 passes over 5,000 images, and its 7 fits would add 15 min.
# Projected with this rule: 18.5 min (3,749 training images) and 19.2 min (5,000) at
# 64x64 RGB; 30 and 34 min at 128x128. f stops at 16 (128x128, the largest size
# measured): the small CNN's 195 steps there are 2.5 passes over 5,000 images, and fewer
# would hardly train it, so larger images cost more per fit than 32x32 ones.
_REFERENCE_PIXELS = 32 * 32
_MAX_PIXEL_FACTOR = 16
# The paper preset's BAGAN-GP resizes images from this side on (the thesis's datasets).
_THESIS_MIN_SIDE = 28


def _pixel_factor(size: DataSize) -> float:
    """How many 32x32 images one training image weighs: its pixels over 1,024, from 1 to
    16 (see ``_REFERENCE_PIXELS``)."""
    if size.image_shape is None:
        return 1.0
    height, width = size.image_shape[1:]
    return min(max(height * width / _REFERENCE_PIXELS, 1.0), _MAX_PIXEL_FACTOR)


def _fast_schedule(size: DataSize) -> dict:
    """The fast preset's schedule for ``size``: by its weight in 32x32 images, with the
    classifiers' steps divided by the pixel factor for images larger than 32x32."""
    factor = _pixel_factor(size)
    large = size.n_images * factor >= _LARGE_TRAINING_SET
    schedule = _FAST_SCHEDULES["large" if large else "small"]
    if factor == 1:
        return schedule

    def fewer_steps(params: dict) -> dict:
        return {
            name: round(value / factor) if name == "max_steps" else value
            for name, value in params.items()
        }

    return {
        **schedule,
        "classifier": fewer_steps(schedule["classifier"]),
        "resnet": fewer_steps(schedule["resnet"]),
        "default_classifiers": tuple(
            name for name in schedule["default_classifiers"] if name != "resnet18"
        ),
    }


def _fast(size: DataSize) -> Preset:
    schedule = _fast_schedule(size)
    samplers = _classic_samplers() + (
        SamplerSpec(
            "deepsmote",
            "DeepSMOTE",
            DeepSMOTE,
            params={
                **schedule["deepsmote"],
                "hidden_channels": 16,
                "latent_dim": 32,
                "batch_size": 64,
                "learning_rate": 1e-3,
            },
            neighbor_params=("k_neighbors",),
        ),
        SamplerSpec(
            "bagangp",
            "BAGAN-GP",
            BAGANGP,
            params={
                **schedule["bagangp"],
                "hidden_channels": 16,
                "latent_dim": 32,
                "batch_size": 64,
                "critic_steps": 2,
                "learning_rate": 1e-3,
            },
        ),
        # Its defaults were chosen for this preset's data sizes, on training images only
        # (studies/latent_diffusion): a 1,000-step autoencoder of the same widths as
        # DeepSMOTE's above, and a 2,000-step denoiser (seconds).
        SamplerSpec("latent_diffusion", "latent diffusion", LatentDiffusion),
    )
    classifiers = tuple(
        ClassifierSpec(
            name,
            _ARCHITECTURE_LABELS[name],
            params={
                "architecture": name,
                **schedule["classifier"],
                **({"module__channels": (16, 32, 64)} if name == "small_cnn" else {}),
                **(schedule["resnet"] if name.startswith("resnet") else {}),
            },
            grid={"lr": schedule["lr"]},
        )
        for name in _ARCHITECTURE_LABELS
    )
    return Preset(
        "fast",
        "small networks and few epochs: minutes on a CPU for digits, an hour for 28x28 sets",
        samplers,
        classifiers,
        default_classifiers=schedule["default_classifiers"],
        cv=schedule["cv"],
        seeds=(0, 1, 2),
        torch_threads=1,
    )


# The generator settings the thesis retained after its grid search: Table 4.5 (DeepSMOTE:
# batch, hidden channels "dim_h", latent size "n_z", learning rate, 300 epochs) and
# Table 4.6 (BAGAN-GP: GAN epochs, batch, latent size, learning rate). These tables and
# the meshes below are keyed by a registry entry's ``thesis_dataset`` (the 8x8 digits
# stand in for MNIST).
_THESIS_DEEPSMOTE = {
    "mnist": {"batch_size": 64, "hidden_channels": 128, "latent_dim": 600},
    "fashion_mnist": {"batch_size": 32, "hidden_channels": 128, "latent_dim": 600},
    "cifar10": {"batch_size": 32, "hidden_channels": 256, "latent_dim": 1200},
}
_THESIS_BAGANGP = {
    "mnist": {"gan_epochs": 20, "latent_dim": 256},
    "fashion_mnist": {"gan_epochs": 16, "latent_dim": 128},
    "cifar10": {"gan_epochs": 30, "latent_dim": 256},
}

# The meshes the thesis searched (Figures 4.5-4.7 for DeepSMOTE, 4.11-4.13 for BAGAN-GP),
# with this package's parameter names: dim_h -> hidden_channels, n_z -> latent_dim,
# lr -> learning_rate, BAGAN-GP's epochs -> gan_epochs.
_THESIS_MESHES = {
    "deepsmote": {
        "mnist": {
            "learning_rate": [2e-4, 5e-5],
            "epochs": [100],
            "batch_size": [64, 128],
            "hidden_channels": [64, 128],
            "latent_dim": [300, 600],
        },
        "fashion_mnist": {
            "learning_rate": [2e-4, 5e-5],
            "epochs": [150],
            "batch_size": [32, 64, 128],
            "hidden_channels": [32, 64, 128],
            "latent_dim": [300, 600],
        },
        "cifar10": {
            "learning_rate": [2e-4, 5e-5],
            "epochs": [300],
            "batch_size": [32, 64, 128],
            "hidden_channels": [32, 64, 128],
            "latent_dim": [600, 1200],
        },
    },
    "bagangp": {
        "mnist": {
            "learning_rate": [1e-3, 2e-4, 5e-5],
            "gan_epochs": [25],
            "batch_size": [32, 64, 128],
            "latent_dim": [64, 128, 256],
        },
        "fashion_mnist": {
            "learning_rate": [2e-4, 5e-5],
            "gan_epochs": [20],
            "batch_size": [32, 64],
            "latent_dim": [128, 256],
        },
        "cifar10": {
            "learning_rate": [2e-4, 5e-5],
            "gan_epochs": [20],
            "batch_size": [32, 64],
            "latent_dim": [128, 256],
        },
    },
}


def thesis_mesh(sampler: str, dataset: str = "mnist") -> dict[str, list]:
    """The grid the thesis searched for a generator, with this package's names.

    Parameters
    ----------
    sampler : {"deepsmote", "bagangp"}
        The generator.
    dataset : {"digits", "mnist", "fashion_mnist", "cifar10"}, default="mnist"
        The dataset (``"digits"`` takes MNIST's mesh).

    Returns
    -------
    dict of str to list
        Constructor argument names to values (Figures 4.5-4.7 and 4.11-4.13).

    Examples
    --------
    >>> thesis_mesh("bagangp", "cifar10")["latent_dim"]
    [128, 256]
    """
    if sampler not in _THESIS_MESHES:
        raise ValueError(f"No thesis mesh for {sampler!r}; choose from {sorted(_THESIS_MESHES)}.")
    mesh = _THESIS_MESHES[sampler][get_dataset(dataset).thesis_dataset]
    return {name: list(values) for name, values in mesh.items()}


def _thesis_dataset(size: DataSize) -> str:
    """The thesis dataset whose settings fit ``size``: the one named, else CIFAR-10's for
    colour images and MNIST's for the others."""
    if size.thesis_dataset is not None:
        return size.thesis_dataset
    return "cifar10" if size.image_shape is not None and size.image_shape[0] == 3 else "mnist"


def _paper(size: DataSize) -> Preset:
    thesis = _thesis_dataset(size)
    # BAGAN-GP's reference code resizes every image to 64x64; images smaller than the
    # thesis's (the 8x8 digits, which stand in for MNIST) keep their size.
    large = size.image_shape is not None and min(size.image_shape[1:]) >= _THESIS_MIN_SIDE
    image_size = {"image_size": 64} if large else {}
    samplers = _classic_samplers() + (
        SamplerSpec(
            "deepsmote",
            "DeepSMOTE",
            DeepSMOTE,
            params={"epochs": 300, "learning_rate": 2e-4, **_THESIS_DEEPSMOTE[thesis]},
            neighbor_params=("k_neighbors",),
        ),
        SamplerSpec(
            "bagangp",
            "BAGAN-GP",
            BAGANGP,
            params={
                "batch_size": 32,
                "learning_rate": 2e-4,
                **_THESIS_BAGANGP[thesis],
                **image_size,
            },
        ),
        # No paper to follow: the thesis's DeepSMOTE autoencoder above, and the denoiser
        # of LatentDiffusion's defaults on its codes.
        SamplerSpec(
            "latent_diffusion",
            "latent diffusion",
            LatentDiffusion,
            params={
                "max_steps": None,
                "epochs": 300,
                "learning_rate": 2e-4,
                **_THESIS_DEEPSMOTE[thesis],
            },
        ),
    )
    classifiers = tuple(
        ClassifierSpec(
            name,
            _ARCHITECTURE_LABELS[name],
            params={"architecture": name, "max_epochs": 30, "batch_size": 64},
            grid={"lr": [1e-3, 1e-4]},
        )
        for name in _ARCHITECTURE_LABELS
    )
    return Preset(
        "paper",
        "the thesis's classifiers and generator settings: hours on a GPU",
        samplers,
        classifiers,
        default_classifiers=_PAPER_ARCHITECTURES,
        cv=5,
        seeds=(0, 1, 2),
    )


def get_preset(name: str = "fast", dataset: str | DataSize = "digits") -> Preset:
    """The preset called ``name``, sized for ``dataset``.

    One rule sizes a preset from the training data (:class:`DataSize`), so that custom
    images get the schedule of the built-in set of their size:

    * ``"fast"``: fewer than 5,000 training images (the 8x8 digits) take the long
      schedule (DeepSMOTE 30 epochs, BAGAN-GP 600 + 600 steps, classifiers 440 steps at
      batch 32, two learning rates on 3 folds); from 5,000 on (the 28x28 and 32x32
      profiles) the short one (DeepSMOTE 10 epochs, BAGAN-GP 5 + 8 epochs, classifiers
      3,125 steps at batch 64, ResNets 625 steps with the ImageNet stem, one learning
      rate on 2 folds, ResNet-18 among the default classifiers). Images larger than
      32x32 pixels weigh as ``f = H * W / 1,024`` images of 32x32 (``f`` at most 16,
      the weight of 128x128; channels do not count), so that a classifier's fit costs
      about what it costs at 32x32: the schedule is chosen by ``f`` times the number of
      images, every classifier's step budget is divided by ``f`` (64x64: the small CNN
      781 steps, ResNets 156; 128x128: 195 and 39), the generators' budgets stay, and
      ResNet-18 is not a default classifier.
    * ``"paper"``: the thesis's generator settings of the dataset named, else those of
      CIFAR-10 for colour images and of MNIST for the others; BAGAN-GP resizes images
      of at least 28 pixels to 64x64, as its reference code does.

    Parameters
    ----------
    name : {"fast", "paper"}, default="fast"
        ``"fast"`` runs in minutes on a CPU; ``"paper"`` uses the thesis's networks and
        generator settings and wants a GPU.
    dataset : str or DataSize, default="digits"
        A built-in dataset (``"digits"``, ``"mnist"``, ``"fashion_mnist"``,
        ``"cifar10"``: the size of its imbalanced training set) or the size of your
        training data (``DataSize.of(X_train, y_train)``).

    Returns
    -------
    Preset

    Examples
    --------
    >>> get_preset("paper", "cifar10").sampler("deepsmote").params["latent_dim"]
    1200
    >>> get_preset("fast").default_classifiers
    ('small_cnn',)
    >>> get_preset("fast", "fashion_mnist").sampler("deepsmote").params["epochs"]
    10
    >>> custom = DataSize.of(np.zeros((9000, 1, 28, 28)), np.arange(9000) % 10)
    >>> get_preset("fast", custom).sampler("deepsmote").params["epochs"]
    10
    >>> photos = DataSize(3750, (3, 64, 64), (1875, 1875))  # weighs 15,000 32x32 images
    >>> preset = get_preset("fast", photos)
    >>> preset.classifier("small_cnn").params["max_steps"], preset.default_classifiers
    (781, ('small_cnn',))
    """
    size = dataset if isinstance(dataset, DataSize) else DataSize.of_dataset(dataset)
    if name == "fast":
        return _fast(size)
    if name == "paper":
        return _paper(size)
    raise ValueError(f"Unknown preset {name!r}; choose from {', '.join(PRESET_NAMES)}.")
