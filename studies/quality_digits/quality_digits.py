"""Label fidelity of a sampler's images on the imbalanced digits set, and its cost.

Balances ``load_imbalanced("digits")`` with one sampler configuration, then lets an SVC
label the synthetic images; prints one JSON line with the fidelity (share recognised as
their target class), the per-class fidelity and the fit time. The SVC is trained on all
1,797 real digits (``--judge all``, the earlier measurements) or only on the 1,472 that
are not in the sampler's training set (``--judge heldout``: an independent judge; its
accuracy on the 325 training images is printed beside, as ``judge_accuracy_on_train``).
Used to choose the settings of the quality tests.

    python -m studies.quality_digits.quality_digits BAGANGP '{"gan_epochs": 200, "batch_size": 32}'
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from sklearn.svm import SVC

from imblearn_deep import BAGANGP, DeepSMOTE
from imblearn_deep.datasets import load_digits_images, load_imbalanced

SAMPLERS = {"DeepSMOTE": DeepSMOTE, "BAGANGP": BAGANGP}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sampler", choices=sorted(SAMPLERS))
    parser.add_argument("params", type=json.loads, help="sampler parameters as JSON")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--judge", choices=("all", "heldout"), default="all")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    X_all, y_all = load_digits_images()
    X, y, _, _ = load_imbalanced("digits", random_state=args.seed)
    if args.judge == "heldout":
        # Digits can repeat: leave out every image equal to a training image.
        seen = {row.tobytes() for row in X}
        keep = np.array([row.tobytes() not in seen for row in X_all])
        X_all, y_all = X_all[keep], y_all[keep]
    judge = SVC().fit(X_all.reshape(len(X_all), -1), y_all)
    judge_accuracy = float((judge.predict(X.reshape(len(X), -1)) == y).mean())
    sampler = SAMPLERS[args.sampler](**{"random_state": args.seed, "device": "cpu", **args.params})
    start = time.perf_counter()
    X_res, y_res = sampler.fit_resample(X, y)
    seconds = time.perf_counter() - start
    synthetic, labels = X_res[len(X) :], y_res[len(y) :]
    correct = judge.predict(synthetic.reshape(len(synthetic), -1)) == labels
    print(
        json.dumps(
            {
                "sampler": args.sampler,
                "params": args.params,
                "seed": args.seed,
                "judge": args.judge,
                "judge_accuracy_on_train": round(judge_accuracy, 4),
                "threads": torch.get_num_threads(),
                "seconds": round(seconds, 2),
                "fidelity": round(float(correct.mean()), 4),
                "per_class": {
                    int(c): round(float(correct[labels == c].mean()), 3) for c in np.unique(labels)
                },
                "last_epoch": sampler.history_[-1],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
