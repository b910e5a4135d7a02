"""
Compare over-samplers with plain imbalanced-learn and scikit-learn
==================================================================

Each sampler is the first step of an imblearn ``Pipeline``, so it only runs on the
training part of each cross-validation fold: the validation folds and the test set hold
real images only. ``imblearn-deep compare`` (:func:`imblearn_deep.comparison.run_comparison`)
does the same with more metrics, several seeds and a report.
"""

from tempfile import mkdtemp

import matplotlib.pyplot as plt
import numpy as np
import torch
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import Pipeline
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from imblearn_deep import BAGANGP, CNNClassifier, DeepSMOTE, FlattenSampler
from imblearn_deep.datasets import load_imbalanced

torch.set_num_threads(1)  # tiny networks: one thread is fastest on a CPU
X_train, y_train, X_test, y_test = load_imbalanced("digits")  # (n, 1, 8, 8) images

# The rarest class has 5 images, 3 in a training fold: 2 neighbours at most.
deep = dict(hidden_channels=16, latent_dim=32, learning_rate=1e-3, random_state=0)
samplers = {
    "none": "passthrough",
    "ROS": FlattenSampler(RandomOverSampler(random_state=0)),  # classic samplers want 2-D X
    "SMOTE": FlattenSampler(SMOTE(k_neighbors=2, random_state=0)),
    "DeepSMOTE": DeepSMOTE(epochs=30, k_neighbors=2, **deep),
    "BAGAN-GP": BAGANGP(autoencoder_epochs=10, gan_epochs=10, critic_steps=2, **deep),
}
cnn = dict(max_epochs=10, batch_size=32, module__channels=(16, 32, 64), random_state=0)
classifier = CNNClassifier(classes=np.unique(y_train), **cnn)  # every label in every fold
folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)

print(f"{'sampler':<10} {'CV macro-F1':>11} {'test macro-F1':>13}")
scores = {}
for name, sampler in samplers.items():
    # memory: each sampler is fitted once per fold, not once per classifier setting.
    pipe = Pipeline([("sampler", sampler), ("clf", classifier)], memory=mkdtemp())
    grid = {"clf__lr": [1e-3, 3e-3]}
    search = GridSearchCV(pipe, grid, scoring="f1_macro", cv=folds, error_score="raise")
    search.fit(X_train, y_train)
    test_f1 = f1_score(y_test, search.predict(X_test), average="macro")
    print(f"{name:<10} {search.best_score_:>11.3f} {test_f1:>13.3f}")
    scores[name] = search.best_score_, test_f1

# %%
# The validation score picks each sampler's setting; the test score is measured once, on
# 99 real images. One test image of a rare class (5 each) moves that class's recall by
# 0.2 and the macro-F1 by about 0.02, so differences of that size say little.
fig, ax = plt.subplots(figsize=(6, 3.5))
where = np.arange(len(scores))
cv_f1, test_f1 = np.array(list(scores.values())).T
ax.bar(where - 0.2, cv_f1, width=0.4, label="cross-validation (best setting)")
ax.bar(where + 0.2, test_f1, width=0.4, label="held-out test")
ax.set_xticks(where, list(scores))
ax.set_ylabel("macro-F1")
ax.set_ylim(0, 1.15)  # room for the legend above the bars
ax.legend(loc="upper center", ncols=2, frameon=False)
fig.tight_layout()
plt.show()
