"""Sampler schedules in optimizer steps: the same compute whatever the size of the set."""

from __future__ import annotations

import pytest
from _samplers import imbalanced_images, make_tiny

from imblearn_deep._torch.loop import epoch_schedule, n_minibatches


def _steps(sampler, stage: str) -> list[int]:
    return [r["steps"] for r in sampler.history_ if r["stage"] == stage]


@pytest.mark.parametrize("counts", [(20, 8, 4), (120, 60, 30)])
def test_deep_smote_runs_exactly_max_steps(counts):
    X, y = imbalanced_images(counts=counts)
    sampler = make_tiny("DeepSMOTE", epochs=50, max_steps=7, batch_size=16)
    sampler.fit_resample(X, y)
    steps = _steps(sampler, "autoencoder")
    assert sum(steps) == 7
    per_epoch = n_minibatches(len(y), 16)
    assert steps[:-1] == [per_epoch] * (len(steps) - 1) and 0 < steps[-1] <= per_epoch


def test_deep_smote_epochs_without_max_steps():
    X, y = imbalanced_images(counts=(19, 8, 4))
    sampler = make_tiny("DeepSMOTE", epochs=3, batch_size=10)
    sampler.fit_resample(X, y)
    assert _steps(sampler, "autoencoder") == [3, 3, 3]  # 31 images: 10, 10, 11


@pytest.mark.parametrize("counts", [(20, 8, 4), (90, 40, 20)])
def test_bagan_gp_runs_exactly_the_steps_of_each_stage(counts):
    X, y = imbalanced_images(counts=counts)
    sampler = make_tiny(
        "BAGANGP", autoencoder_epochs=9, gan_epochs=9, autoencoder_steps=5, gan_steps=3
    )
    sampler.fit_resample(X, y)
    assert sum(_steps(sampler, "autoencoder")) == 5
    assert sum(_steps(sampler, "gan")) == 3


def test_bagan_gp_zero_gan_steps_trains_the_autoencoder_only():
    X, y = imbalanced_images(counts=(20, 8, 4))
    sampler = make_tiny("BAGANGP", gan_epochs=4, gan_steps=0)
    sampler.fit_resample(X, y)
    assert _steps(sampler, "gan") == [] and _steps(sampler, "autoencoder")


def test_epoch_schedule_follows_the_batching_rule():
    # 9 images in batches of 4: the straggler joins, 2 steps an epoch.
    assert epoch_schedule(9, 4, epochs=2) == [2, 2]
    assert epoch_schedule(9, 4, epochs=2, max_steps=5) == [2, 2, 1]
    assert epoch_schedule(9, 4, epochs=2, max_steps=0) == []


@pytest.mark.parametrize("name, param", [("DeepSMOTE", "max_steps"), ("BAGANGP", "gan_steps")])
def test_step_budgets_are_validated(name, param):
    X, y = imbalanced_images(counts=(20, 8, 4))
    with pytest.raises(ValueError, match=param):
        make_tiny(name, **{param: -1}).fit_resample(X, y)


def test_optimizer_step_applies_the_lr_factors():
    import torch

    from imblearn_deep._torch.loop import OptimizerStep

    net = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    step = OptimizerStep(
        optimizer, torch.device("cpu"), "float32", lr_factors=lambda k: 1 / (k + 1)
    )
    seen = []
    for _ in range(3):
        step(net(torch.ones(1, 2)).sum())
        seen.append(optimizer.param_groups[0]["lr"])
    assert seen == [0.5, 0.25, 0.5 / 3]


def recorded_rates(monkeypatch, module) -> dict:
    """The learning rate of every update, per optimiser (in order of first update), of
    the fits that ``module`` (a sampler's module) runs after this call."""
    from imblearn_deep._torch.loop import OptimizerStep

    # Keyed by the step itself, which the dict keeps alive: an id() could be reused by a
    # later optimiser once the autoencoder stage's is collected.
    rates: dict = {}

    class RecordingStep(OptimizerStep):
        def __call__(self, loss):
            super().__call__(loss)
            rates.setdefault(self, []).append(self.optimizer.param_groups[0]["lr"])

    monkeypatch.setattr(module, "OptimizerStep", RecordingStep)
    return rates


def planned_rates(policy, n_updates: int, peak: float = 1e-2, warmup: float = 0.2):
    """The rates a schedule plans over ``n_updates`` (constant ``peak`` without one)."""
    from imblearn_deep._schedules import lr_factor

    if policy is None:
        return pytest.approx([peak] * n_updates)
    return pytest.approx([peak * lr_factor(policy, k, n_updates, warmup) for k in range(n_updates)])


@pytest.mark.parametrize("policy", [None, "cosine"])
def test_deep_smote_plans_its_lr_schedule_over_the_step_budget(monkeypatch, policy):
    # DeepSMOTE's autoencoder stage, which LatentDiffusion shares.
    from imblearn_deep.over_sampling import _autoencoder

    rates = recorded_rates(monkeypatch, _autoencoder)
    X, y = imbalanced_images(counts=(20, 8, 4))
    sampler = make_tiny(
        "DeepSMOTE",
        max_steps=9,
        batch_size=8,
        learning_rate=1e-2,
        lr_schedule=policy,
        lr_warmup=0.2,
    )
    sampler.fit_resample(X, y)
    (only,) = rates.values()
    assert only == planned_rates(policy, 9)


@pytest.mark.parametrize("policy", [None, "onecycle"])
def test_bagan_gp_plans_each_optimisers_schedule_over_its_stage(monkeypatch, policy):
    from imblearn_deep.over_sampling import _bagan_gp

    rates = recorded_rates(monkeypatch, _bagan_gp)
    X, y = imbalanced_images(counts=(20, 8, 4))
    sampler = make_tiny(
        "BAGANGP",
        autoencoder_steps=4,
        gan_steps=5,
        critic_steps=2,
        batch_size=8,
        learning_rate=1e-2,
        lr_schedule=policy,
        lr_warmup=0.2,
    )
    sampler.fit_resample(X, y)
    # In order of first update: the autoencoder's, the critic's, the generator's.
    autoencoder, critic, generator = rates.values()
    assert autoencoder == planned_rates(policy, 4)
    assert generator == planned_rates(policy, 5)
    assert critic == planned_rates(policy, 10)


# fingerprint() of the fast preset's deep sampler + small CNN cells (seed 0, 3 folds,
# "cpu", data hash "data"), as recorded before the samplers had an lr schedule and
# ``compile``.
RECORDED_FINGERPRINTS = {
    ("digits", "deepsmote"): "a4f3aad941b9716f",
    ("fashion_mnist", "deepsmote"): "120221387f5c0f8b",
    ("digits", "bagangp"): "c8f8564513a5b013",
    ("fashion_mnist", "bagangp"): "27e4424baa79ebc5",
}
# The defaults of the time, where they have changed since (issue 27: BAGAN-GP's
# autoencoder trains 200 epochs, and its generator seeks modes).
FORMER_DEFAULTS = {
    "deepsmote": {},
    "bagangp": {"autoencoder_epochs": 30, "mode_seeking_weight": 0.0},
}
# Values of the parameters added since, other than their neutral ones.
CHANGED = {
    "deepsmote": (
        {"lr_schedule": "cosine"},
        {"lr_warmup": 0.2},
        {"compile": True},
        {"synthesis": "residual"},
    ),
    "bagangp": (
        {"compile": True},
        {"compile": {"backend": "aot_eager"}},
        {"lr_schedule": "cosine"},
        {"lr_warmup": 0.2},
        {"mode_seeking_weight": 0.5},
    ),
}


@pytest.mark.parametrize(("dataset", "sampler"), sorted(RECORDED_FINGERPRINTS))
def test_new_parameters_at_their_neutral_values_keep_recorded_fingerprints(dataset, sampler):
    from dataclasses import replace

    from imblearn_deep.comparison import get_preset
    from imblearn_deep.comparison._cell import Cell, fingerprint

    preset = get_preset("fast", dataset)
    spec, classifier = preset.sampler(sampler), preset.classifier("small_cnn")
    spec = replace(spec, params={**FORMER_DEFAULTS[sampler], **spec.params})

    def of(spec):
        return fingerprint(Cell(spec, classifier, 0, dataset), 3, "cpu", "data")

    assert of(spec) == RECORDED_FINGERPRINTS[dataset, sampler]
    if FORMER_DEFAULTS[sampler]:  # the new defaults rerun the cells recorded before them
        assert of(preset.sampler(sampler)) != of(spec)
    # Any other value is a different configuration, even a warm-up without a schedule.
    for changed in CHANGED[sampler]:
        assert of(replace(spec, params={**spec.params, **changed})) != of(spec)


def test_latent_diffusion_plans_the_denoisers_cosine_schedule_over_its_steps(monkeypatch):
    from imblearn_deep.over_sampling import _latent_diffusion

    rates = recorded_rates(monkeypatch, _latent_diffusion)
    X, y = imbalanced_images(counts=(20, 8, 4))
    make_tiny("LatentDiffusion", diffusion_steps=40, diffusion_learning_rate=1e-2).fit_resample(
        X, y
    )
    (only,) = rates.values()
    assert only == planned_rates("cosine", 40, warmup=0.05)
