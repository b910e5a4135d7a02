"""The candidates of a comparison: samplers and classifiers with their grids, in presets.

A :class:`SamplerSpec` says how to build one sampler candidate for the ``"sampler"`` step
of an imblearn :class:`~imblearn.pipeline.Pipeline` and which of its parameters to
search; a :class:`ClassifierSpec` does the same for the ``"clf"`` step. A
:class:`Preset` bundles them with a number of folds and seeds:

* ``"fast"``: small networks and few epochs, for minutes on a CPU (the default);
* ``"paper"``: the thesis's classifiers (ResNet-18/34/50, SqueezeNet 1.1,
  EfficientNet-B0) and the generator settings it retained after its grid search
  (Tables 4.5 and 4.6), for a GPU. The thesis's full meshes (Figures 4.5-4.13) are
  in :func:`thesis_mesh`, to search them with :meth:`Preset.with_sampler_grid`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from imblearn.over_sampling import ADASYN, SMOTE, RandomOverSampler

from ..classifiers import CNNClassifier
from ..datasets import get_dataset
from ..over_sampling import BAGANGP, DeepSMOTE, FlattenSampler

__all__ = [
    "ClassifierSpec",
    "DataSize",
    "PRESET_NAMES",
    "Preset",
    "SamplerSpec",
    "get_preset",
    "thesis_mesh",
]

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


def _copy(mapping: Mapping | None) -> dict:
    # A copy, so that changing the caller's dict later does not change the spec.
    return dict(mapping or {})


def _accepts(factory, name: str) -> bool:
    return name in inspect.signature(factory).parameters


@dataclass(frozen=True)
class SamplerSpec:
    """One sampler candidate: how to build it and which parameters to search.

    Parameters
    ----------
    name : str
        Short key, used on the command line and in file names (``"smote"``).
    label : str
        Name shown in reports (``"SMOTE"``).
    estimator : class or None, default=None
        The sampler class; ``None`` leaves the step empty (``"passthrough"``).
    params : mapping, default={}
        Fixed constructor arguments. ``random_state`` (the seed) and ``device`` are
        added when the class takes them.
    grid : mapping of str to sequence, default={}
        Values to search, by constructor argument name (no step prefix).
    flatten : bool, default=False
        Wrap the sampler in :class:`~imblearn_deep.comparison.FlattenSampler`, for
        samplers that only take 2-D ``X``.
    classifier_params : mapping, default={}
        Classifier arguments this candidate needs, e.g. ``{"class_weight": "balanced"}``
        for the cost-sensitive baseline.
    neighbor_params : tuple of str, default=()
        Parameters counting neighbours within a class (SMOTE's ``k_neighbors``). Their
        values are capped at the smallest class size of a training fold minus one,
        since SMOTE-like samplers fail on classes with fewer samples than neighbours.

    Examples
    --------
    >>> from imblearn.over_sampling import SMOTE
    >>> spec = SamplerSpec("smote", "SMOTE", SMOTE, grid={"k_neighbors": [3, 5]}, flatten=True)
    >>> spec.build(random_state=0)
    FlattenSampler(sampler=SMOTE(random_state=0))
    >>> spec.step_grid()
    {'sampler__sampler__k_neighbors': [3, 5]}
    """

    name: str
    label: str
    estimator: type | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    grid: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    flatten: bool = False
    classifier_params: Mapping[str, Any] = field(default_factory=dict)
    neighbor_params: tuple[str, ...] = ()

    def __post_init__(self):
        for name in ("params", "grid", "classifier_params"):
            object.__setattr__(self, name, _copy(getattr(self, name)))

    @property
    def resamples(self) -> bool:
        """Whether the candidate has a sampler (``False`` for the pass-through ones)."""
        return self.estimator is not None

    def build(self, *, random_state: int | None = None, device: str = "auto"):
        """The sampler step: a new, unfitted sampler, or ``"passthrough"``."""
        if self.estimator is None:
            return "passthrough"
        params = dict(self.params)
        if _accepts(self.estimator, "random_state"):
            params["random_state"] = random_state
        if _accepts(self.estimator, "device"):
            params["device"] = device
        sampler = self.estimator(**params)
        return FlattenSampler(sampler) if self.flatten else sampler

    def step_grid(self, step: str = "sampler", *, max_neighbors: int | None = None) -> dict:
        """The grid with pipeline names, neighbour counts capped at ``max_neighbors``."""
        prefix = f"{step}__sampler__" if self.flatten else f"{step}__"
        grid = {}
        for name, values in self.grid.items():
            values = list(values)
            if max_neighbors is not None and name in self.neighbor_params:
                # Capping can merge values; keep the first of each.
                values = list(dict.fromkeys(min(v, max_neighbors) for v in values))
            grid[prefix + name] = values
        if max_neighbors is not None:
            for name in self.neighbor_params:
                if name not in self.grid:
                    default = self.params.get(name, _default(self.estimator, name))
                    if default is not None and default > max_neighbors:
                        grid[prefix + name] = [max_neighbors]
        return grid


def _default(estimator, name):
    parameter = inspect.signature(estimator).parameters.get(name)
    return None if parameter is None else parameter.default


@dataclass(frozen=True)
class ClassifierSpec:
    """One classifier candidate: fixed arguments and the grid to search.

    Parameters
    ----------
    name : str
        Short key (``"small_cnn"``).
    label : str
        Name shown in reports.
    estimator : class, default=CNNClassifier
        The classifier class. ``random_state`` (the seed), ``device`` and ``classes``
        (every label of the training set) are added when it takes them.
    params : mapping, default={}
        Fixed constructor arguments.
    grid : mapping of str to sequence, default={}
        Values to search, by constructor argument name (no step prefix).

    Examples
    --------
    >>> spec = ClassifierSpec("mlp", "MLP", params={"architecture": "mlp"}, grid={"lr": [1e-3]})
    >>> spec.build(random_state=0, device="cpu").architecture
    'mlp'
    >>> spec.step_grid()
    {'clf__lr': [0.001]}
    """

    name: str
    label: str
    estimator: type = CNNClassifier
    params: Mapping[str, Any] = field(default_factory=dict)
    grid: Mapping[str, Sequence[Any]] = field(default_factory=dict)

    def __post_init__(self):
        for name in ("params", "grid"):
            object.__setattr__(self, name, _copy(getattr(self, name)))

    def build(self, *, random_state: int | None = None, device: str = "auto", classes=None):
        """A new, unfitted classifier."""
        params = dict(self.params)
        for name, value in (("random_state", random_state), ("device", device)):
            if _accepts(self.estimator, name):
                params[name] = value
        if classes is not None and _accepts(self.estimator, "classes"):
            params["classes"] = classes
        return self.estimator(**params)

    def step_grid(self, step: str = "clf") -> dict:
        """The grid with pipeline names."""
        return {f"{step}__{name}": list(values) for name, values in self.grid.items()}


def _by_name(specs: Sequence, kind: str) -> dict:
    names = [spec.name for spec in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{kind} names must be unique; repeated: {duplicates}.")
    return {spec.name: spec for spec in specs}


@dataclass(frozen=True)
class Preset:
    """A named set of candidates, folds and seeds.

    Parameters
    ----------
    name : str
        Preset name, recorded in the results.
    description : str
        One line for ``--help`` and the report.
    samplers : tuple of SamplerSpec
        Every sampler candidate, in report order.
    classifiers : tuple of ClassifierSpec
        Every classifier candidate.
    default_classifiers : tuple of str
        The classifiers run when none are named.
    cv : int
        Number of stratified folds.
    seeds : tuple of int
        Seeds run when none are given.
    torch_threads : int or None, default=None
        torch's intra-op threads for fits in the main process; ``None`` leaves torch's
        default (one per core). Small networks gain nothing from more threads, and
        threads waiting on each other slow down a machine busy with other work.

    Examples
    --------
    >>> preset = get_preset("fast")
    >>> [spec.name for spec in preset.samplers]
    ['none', 'weighted', 'logit_adjusted', 'drw', 'balanced_batches', 'ros', 'smote', 'adasyn',
     'deepsmote', 'bagangp']
    >>> preset.sampler("smote").label
    'SMOTE'
    """

    name: str
    description: str
    samplers: tuple[SamplerSpec, ...]
    classifiers: tuple[ClassifierSpec, ...]
    default_classifiers: tuple[str, ...]
    cv: int = 3
    seeds: tuple[int, ...] = (0, 1, 2)
    torch_threads: int | None = None

    def __post_init__(self):
        _by_name(self.samplers, "Sampler")
        _by_name(self.classifiers, "Classifier")
        unknown = set(self.default_classifiers) - {c.name for c in self.classifiers}
        if unknown:
            raise ValueError(f"default_classifiers names unknown classifiers: {sorted(unknown)}.")

    def sampler(self, name: str) -> SamplerSpec:
        """The sampler candidate called ``name``."""
        return _lookup(_by_name(self.samplers, "Sampler"), name, "sampler", self.name)

    def classifier(self, name: str) -> ClassifierSpec:
        """The classifier candidate called ``name``."""
        return _lookup(_by_name(self.classifiers, "Classifier"), name, "classifier", self.name)

    def with_sampler_grid(self, name: str, grid: Mapping[str, Sequence[Any]]) -> Preset:
        """A copy whose sampler ``name`` searches ``grid`` (fixed values it names are dropped).

        Examples
        --------
        >>> mesh = thesis_mesh("deepsmote", "mnist")
        >>> preset = get_preset("paper", "mnist").with_sampler_grid("deepsmote", mesh)
        >>> len(preset.sampler("deepsmote").grid["latent_dim"])
        2
        """
        spec = self.sampler(name)
        params = {k: v for k, v in spec.params.items() if k not in grid}
        return self._with_spec("samplers", replace(spec, params=params, grid=dict(grid)))

    def _with_spec(self, field_name: str, new) -> Preset:
        """A copy whose ``samplers`` or ``classifiers`` hold ``new`` in place of its name."""
        specs = tuple(new if s.name == new.name else s for s in getattr(self, field_name))
        return replace(self, **{field_name: specs})

    def with_params(self, name: str, params: Mapping[str, Any]) -> Preset:
        """A copy whose candidate ``name`` (a sampler or a classifier) fixes ``params``.

        A fixed value replaces the preset's value, and a searched parameter stops being
        searched. The parameters change the cells' fingerprints, so a resumed run with
        other values reruns the cells instead of reusing them.

        Parameters
        ----------
        name : str
            A sampler's name (``"deepsmote"``) or a classifier's (``"small_cnn"``).
        params : mapping of str to object
            Constructor arguments of the candidate's estimator.

        Returns
        -------
        Preset

        Raises
        ------
        ValueError
            If ``name`` names no candidate, the candidate has no estimator (``"none"``,
            ``"weighted"``...), or a parameter is not one of its estimator's.

        Examples
        --------
        >>> preset = get_preset("fast").with_params("small_cnn", {"max_steps": 100, "lr": 3e-3})
        >>> spec = preset.classifier("small_cnn")
        >>> spec.params["max_steps"], spec.params["lr"], dict(spec.grid)
        (100, 0.003, {})
        >>> get_preset("fast").with_params("none", {"k_neighbors": 3})
        Traceback (most recent call last):
        ...
        ValueError: Candidate 'none' has no estimator, so no parameters to set.
        """
        samplers = _by_name(self.samplers, "Sampler")
        classifiers = _by_name(self.classifiers, "Classifier")
        if name not in samplers and name not in classifiers:
            raise ValueError(
                f"Unknown candidate {name!r} in preset {self.name!r}; choose from "
                f"{', '.join([*samplers, *classifiers])}."
            )
        spec = samplers.get(name) or classifiers[name]
        if spec.estimator is None:
            raise ValueError(f"Candidate {name!r} has no estimator, so no parameters to set.")
        # Routed names ("module__channels", "optimizer__weight_decay") reach a component.
        known = set(spec.estimator().get_params())
        unknown = sorted(p for p in params if p not in known and "__" not in p)
        if unknown:
            raise ValueError(
                f"{spec.estimator.__name__} (candidate {name!r}) has no parameter(s) "
                f"{', '.join(unknown)}."
            )
        grid = {key: values for key, values in spec.grid.items() if key not in params}
        new = replace(spec, params={**spec.params, **params}, grid=grid)
        return self._with_spec("samplers" if name in samplers else "classifiers", new)


def _lookup(specs: dict, name: str, kind: str, preset: str):
    if name not in specs:
        raise ValueError(
            f"Unknown {kind} {name!r} in preset {preset!r}; choose from {', '.join(specs)}."
        )
    return specs[name]


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
# Training sets from this size on take the "large" schedule.
_LARGE_TRAINING_SET = 5000
# The paper preset's BAGAN-GP resizes images from this side on (the thesis's datasets).
_THESIS_MIN_SIDE = 28


def _fast(size: DataSize) -> Preset:
    schedule = _FAST_SCHEDULES["small" if size.n_images < _LARGE_TRAINING_SET else "large"]
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
      rate on 2 folds, ResNet-18 among the default classifiers).
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
    """
    size = dataset if isinstance(dataset, DataSize) else DataSize.of_dataset(dataset)
    if name == "fast":
        return _fast(size)
    if name == "paper":
        return _paper(size)
    raise ValueError(f"Unknown preset {name!r}; choose from {', '.join(PRESET_NAMES)}.")


def n_settings(grid: Mapping[str, Sequence[Any]]) -> int:
    """Number of parameter combinations in a grid (1 for an empty grid).

    Examples
    --------
    >>> n_settings({"a": [1, 2], "b": [3, 4, 5]})
    6
    """
    return math.prod(len(values) for values in grid.values())
