"""``compile``: the samplers' training steps under torch.compile.

The tests trace with backends that generate no code (a counting backend that runs the
captured graph as it is, and torch's ``aot_eager``), so that they exercise the capture
and the compiled backward pass in seconds; inductor's code generation takes minutes on a
small CPU and is measured in ``benchmarks/bench_compile.py``.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from _samplers import imbalanced_images, make_tiny
from sklearn.utils._param_validation import InvalidParameterError

from imblearn_deep._torch.devices import compiled

# Varying batch sizes: 35 images at batch 8 make batches of 8, 8, 8, 8, 3, and DeepSMOTE's
# one-class penalty batches hold 8, 8 or 4 images. Batch 8 of 8x8 images also checks that
# the batch size is not confused with the image size (see compiled()).
COUNTS = (22, 9, 4)
# Compiled functions of one fit: DeepSMOTE's step losses (LatentDiffusion's too: its
# denoiser runs eagerly); BAGAN-GP's reconstruction loss, critic cost and generator loss.
GRAPHS = {"DeepSMOTE": 1, "BAGANGP": 3, "LatentDiffusion": 1}
STEPS = {
    "DeepSMOTE": {"max_steps": 9, "batch_size": 8},
    "LatentDiffusion": {"max_steps": 9, "batch_size": 8},
    "BAGANGP": {"autoencoder_steps": 5, "gan_steps": 5, "batch_size": 8, "critic_steps": 2},
}


class CountingBackend:
    """A torch.compile backend that records each graph it is given and runs it as
    captured."""

    def __init__(self):
        self.graphs: list = []

    def __call__(self, graph_module, example_inputs):
        self.graphs.append(graph_module)
        return graph_module.forward


@pytest.fixture(autouse=True)
def fresh_compile_caches():
    """Each test's traces from scratch: torch keeps at most 8 per function, and each test
    brings a new backend."""
    torch.compiler.reset()
    yield
    torch.compiler.reset()


def _fit(name: str, **params):
    X, y = imbalanced_images(counts=COUNTS)
    sampler = make_tiny(name, **STEPS[name], **params)
    X_res, _ = sampler.fit_resample(X, y)
    return sampler, X_res


def _losses(sampler) -> np.ndarray:
    return np.array(
        [v for record in sampler.history_ for k, v in sorted(record.items()) if "loss" in k]
    )


def test_each_step_function_is_traced_once_whatever_the_batch_size(sampler_name):
    backend = CountingBackend()
    eager, X_eager = _fit(sampler_name)
    traced, X_traced = _fit(sampler_name, compile={"backend": backend})
    assert len(backend.graphs) == GRAPHS[sampler_name]
    # The captured graphs, run as they are, compute what the eager code does.
    np.testing.assert_array_equal(X_traced, X_eager)
    np.testing.assert_array_equal(_losses(traced), _losses(eager))


def test_a_static_trace_would_recompile_for_each_batch_size():
    # Why compiled() marks the batch dimension dynamic: without it, the sizes of COUNTS'
    # batches and penalty batches each cost a compilation.
    backend = CountingBackend()
    _fit("DeepSMOTE", compile={"backend": backend, "dynamic": False})
    assert len(backend.graphs) > GRAPHS["DeepSMOTE"]


@pytest.mark.parametrize("penalty", ["paper", "none"])
def test_deep_smote_penalties_trace_once(penalty):
    backend = CountingBackend()
    _, X_eager = _fit("DeepSMOTE", penalty=penalty)
    _, X_traced = _fit("DeepSMOTE", penalty=penalty, compile={"backend": backend})
    assert len(backend.graphs) == 1
    np.testing.assert_array_equal(X_traced, X_eager)


def test_compiled_backward_matches_eager_within_float_tolerance(sampler_name):
    # aot_eager differentiates the captured graph itself, as inductor does.
    eager, X_eager = _fit(sampler_name)
    compiled_fit, X_compiled = _fit(sampler_name, compile={"backend": "aot_eager"})
    np.testing.assert_allclose(_losses(compiled_fit), _losses(eager), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(X_compiled, X_eager, atol=1e-4)


def test_a_compiled_fit_pickles_and_generates_like_before(sampler_name):
    sampler, _ = _fit(sampler_name, compile={"backend": "aot_eager"})
    restored = pickle.loads(pickle.dumps(sampler))
    np.testing.assert_array_equal(
        restored.generate(4, 0, random_state=1), sampler.generate(4, 0, random_state=1)
    )


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_compile_takes_a_bool_or_a_dict(sampler_name, value):
    with pytest.raises(InvalidParameterError, match="'compile' parameter"):
        _fit(sampler_name, compile=value)


def test_later_fits_reuse_the_traces():
    backend = CountingBackend()
    for seed in range(3):
        _fit("DeepSMOTE", random_state=seed, compile={"backend": backend})
    assert len(backend.graphs) == 1


def test_compiled_returns_the_function_when_off_and_marks_the_batch_dynamic():
    def double(x):
        return 2 * x

    assert compiled(double, False) is double
    backend = CountingBackend()
    fast = compiled(double, {"backend": backend})
    assert fast(torch.ones(3)).tolist() == [2.0, 2.0, 2.0]
    assert fast(torch.ones(5)).tolist() == [2.0] * 5
    assert len(backend.graphs) == 1  # symbolic size: one trace for 3 and 5
