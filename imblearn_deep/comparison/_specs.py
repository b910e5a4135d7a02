"""The candidates of a comparison: samplers and classifiers with their grids, in presets.

A :class:`SamplerSpec` says how to build one sampler candidate for the ``"sampler"`` step
of an imblearn :class:`~imblearn.pipeline.Pipeline` and which of its parameters to
search; a :class:`ClassifierSpec` does the same for the ``"clf"`` step. A
:class:`Preset` bundles them with a number of folds and seeds (the presets themselves
are built in :mod:`._presets`).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..classifiers import CNNClassifier
from ..over_sampling import FlattenSampler

__all__ = ["ClassifierSpec", "Preset", "SamplerSpec", "n_settings"]


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
        if _accepts(self.estimator, "n_threads"):
            # The run sets its fits' threads (Execution.threads), unless --set says.
            params.setdefault("n_threads", None)
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
        if _accepts(self.estimator, "n_threads"):
            # The run sets its fits' threads (Execution.threads), unless --set says.
            params.setdefault("n_threads", None)
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
    >>> from imblearn_deep.comparison import get_preset
    >>> preset = get_preset("fast")
    >>> [spec.name for spec in preset.samplers]
    ['none', 'weighted', 'logit_adjusted', 'drw', 'balanced_batches', 'ros', 'smote', 'adasyn',
     'deepsmote', 'bagangp', 'latent_diffusion']
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
        >>> from imblearn_deep.comparison import get_preset, thesis_mesh
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
        >>> from imblearn_deep.comparison import get_preset
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


def n_settings(grid: Mapping[str, Sequence[Any]]) -> int:
    """Number of parameter combinations in a grid (1 for an empty grid).

    Examples
    --------
    >>> n_settings({"a": [1, 2], "b": [3, 4, 5]})
    6
    """
    return math.prod(len(values) for values in grid.values())
