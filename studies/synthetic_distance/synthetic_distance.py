"""How far synthetic images move from the real images they are made from.

Residual synthesis (``DeepSMOTE(synthesis="residual")``) ties random over-sampling
downstream on Fashion-MNIST (``studies/deep_variants/README.md``). Is it close to copying
its base images? For every synthetic image of a fitted DeepSMOTE, its provenance
(``sample_provenance_``) names the base and the neighbour it interpolates between; this
script reports, per method, the pixel distance of each synthetic image to its base
image, as a share of the distance from the base to its neighbour's real image (SMOTE's
interpolation moves ``w`` of that way, ``w ~ U(0, 1)``: 0.5 on average), and the distance
to the nearest real training image of its class as a share of the real images' own
nearest-neighbour distance (1.0: as far from the training set as a real image is from
the others; 0: a copy). Same fit for both syntheses (the preset's networks), 200
synthetic images per over-sampled class. SMOTE is measured as the comparison runs it
(the ``fast`` preset's ``smote`` candidate: integer pixels interpolated in float) and on
the raw rows in their own dtype, which wraps around for uint8 pixels (what the comparison
did before the fix).

    python -m studies.synthetic_distance.synthetic_distance                   # ~6 CPU min
    python -m studies.synthetic_distance.synthetic_distance --dataset digits  # seconds

Writes ``studies/synthetic_distance/results/synthetic_distance/<dataset>_seed<N>.json``
(``--output``).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from imblearn.over_sampling import SMOTE
from sklearn.neighbors import NearestNeighbors

from benchmarks._common import describe_host
from imblearn_deep import DeepSMOTE
from imblearn_deep.comparison import get_preset
from imblearn_deep.datasets import load_imbalanced

PER_CLASS = 200


def _subset(labels: np.ndarray, per_class: int, rng: np.random.RandomState) -> np.ndarray:
    """Up to ``per_class`` synthetic rows of each class, drawn without replacement."""
    picked = []
    for label in np.unique(labels):
        rows = np.flatnonzero(labels == label)
        picked.append(rng.choice(rows, min(per_class, len(rows)), replace=False))
    return np.sort(np.concatenate(picked))


def _flat(images: np.ndarray) -> np.ndarray:
    # Fashion-MNIST comes as uint8: differences of uint8 pixels would wrap around.
    return images.reshape(len(images), -1).astype(np.float64)


def novelty(X, y, synthetic, labels) -> np.ndarray:
    """Each synthetic image's distance to the nearest real training image of its class,
    over the median distance of that class's real images to their nearest other one."""
    flat, new = _flat(X), _flat(synthetic)
    out = np.empty(len(new))
    for label in np.unique(labels):
        real, mine = flat[y == label], labels == label
        index = NearestNeighbors(n_neighbors=2).fit(real)
        typical = np.median(index.kneighbors(real)[0][:, 1])
        out[mine] = index.kneighbors(new[mine], n_neighbors=1)[0][:, 0] / typical
    return out


def moved_share(X, synthetic, base, neighbor) -> np.ndarray:
    """Distance of each synthetic image to its base image, over base-to-neighbour."""
    flat, new = _flat(X), _flat(synthetic)
    span = np.linalg.norm(flat[neighbor] - flat[base], axis=1)
    keep = span > 0
    return np.linalg.norm(new - flat[base], axis=1)[keep] / span[keep]


def _summary(values: np.ndarray) -> dict:
    return {
        "median": float(np.median(values)),
        "mean": float(np.mean(values)),
        "p10": float(np.percentile(values, 10)),
        "p90": float(np.percentile(values, 90)),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="studies/synthetic_distance/results/synthetic_distance")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    X, y, _, _ = load_imbalanced(args.dataset)
    preset = get_preset("fast", args.dataset)
    params = preset.sampler("deepsmote").params
    results = {"host": describe_host(), "dataset": args.dataset, "seed": args.seed}

    # SMOTE's default 5 neighbours, fewer where the smallest class has fewer others;
    # built as the comparison builds it (integer pixels interpolated in float), and on the
    # raw uint8 rows (what the comparison did before: wrapped around).
    k_neighbors = min(5, int(np.bincount(np.unique(y, return_inverse=True)[1]).min()) - 1)
    smote = preset.sampler("smote")
    smote = replace(smote, params={**smote.params, "k_neighbors": k_neighbors})
    smotes = {
        "smote": smote.build(random_state=args.seed),
        "smote_in_the_input_dtype": SMOTE(k_neighbors=k_neighbors, random_state=args.seed),
    }
    for name, smote in smotes.items():
        rows = X if name == "smote" else X.reshape(len(X), -1)
        X_res, y_res = smote.fit_resample(rows, y)
        picked = _subset(y_res[len(X) :], PER_CLASS, np.random.RandomState(args.seed))
        synthetic = np.asarray(X_res[len(X) :])[picked]
        results[name] = {"novelty": _summary(novelty(X, y, synthetic, y_res[len(X) :][picked]))}
    for synthesis in ("decode", "residual"):
        # The same seeded fit for both: synthesis only changes how codes become images.
        start = time.process_time()
        sampler = DeepSMOTE(**params, synthesis=synthesis, random_state=args.seed)
        X_res, _ = sampler.fit_resample(X, y)
        provenance = sampler.sample_provenance_
        rows = _subset(provenance["class"], PER_CLASS, np.random.RandomState(args.seed))
        synthetic, labels = X_res[len(X) :][rows], provenance["class"][rows]
        base, neighbor = provenance["base_index"][rows], provenance["neighbor_index"][rows]
        results[f"deepsmote_{synthesis}"] = {
            "fit_cpu_s": time.process_time() - start,
            "novelty": _summary(novelty(X, y, synthetic, labels)),
            "moved_share": _summary(moved_share(X, synthetic, base, neighbor)),
            "interpolation_weight": _summary(provenance["weight"][rows]),
        }
    text = json.dumps(results, indent=1)
    print(text)
    path = Path(args.output) / f"{args.dataset}_seed{args.seed}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


if __name__ == "__main__":
    main()
