"""
Tune DeepSMOTE and a CNN together in one grid search
====================================================

The sampler's parameters are searched like any other step's (``sampler__latent_dim``),
judged by the macro-F1 of the classifier on real validation images. The pipeline's
``memory`` trains each DeepSMOTE setting once per fold and reuses it for every
classifier setting.
"""

from tempfile import mkdtemp

import matplotlib.pyplot as plt
import numpy as np
import torch
from imblearn.metrics import classification_report_imbalanced
from imblearn.pipeline import Pipeline
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from imblearn_deep import CNNClassifier, DeepSMOTE
from imblearn_deep.datasets import load_imbalanced
from imblearn_deep.metrics import SCORERS

torch.set_num_threads(1)  # tiny networks: one thread is fastest on a CPU
X_train, y_train, X_test, y_test = load_imbalanced("digits")

sampler = DeepSMOTE(epochs=30, hidden_channels=16, k_neighbors=2, random_state=0)
cnn = dict(max_epochs=10, batch_size=32, module__channels=(16, 32, 64), random_state=0)
classifier = CNNClassifier(classes=np.unique(y_train), **cnn)
pipe = Pipeline([("sampler", sampler), ("clf", classifier)], memory=mkdtemp())
grid = {
    "sampler__latent_dim": [16, 32],
    "sampler__learning_rate": [1e-3],
    "clf__lr": [1e-3, 3e-3],
}
search = GridSearchCV(
    pipe,
    grid,
    scoring=SCORERS,  # macro-F1 (zero_division=0), balanced accuracy, G-mean, accuracy
    refit="f1_macro",
    cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
    error_score="raise",
)
search.fit(X_train, y_train)

for params, f1, balanced in zip(
    search.cv_results_["params"],
    search.cv_results_["mean_test_f1_macro"],
    search.cv_results_["mean_test_balanced_accuracy"],
    strict=True,
):
    print(f"macro-F1 {f1:.3f}  balanced accuracy {balanced:.3f}  {params}")
print("best:", search.best_params_)
y_pred = search.predict(X_test)
print(classification_report_imbalanced(y_test, y_pred, zero_division=0))

# %%
# Each setting's validation macro-F1, with its spread over the three folds, and the test
# confusion matrix of the refitted best pipeline: the rare classes (5 test images each)
# are where the settings differ.
results = search.cv_results_
labels = [f"latent {p['sampler__latent_dim']}, CNN lr {p['clf__lr']:g}" for p in results["params"]]
fig, (ax_grid, ax_confusion) = plt.subplots(1, 2, figsize=(10, 4))
ax_grid.barh(labels, results["mean_test_f1_macro"], xerr=results["std_test_f1_macro"], capsize=3)
ax_grid.set_xlabel("validation macro-F1 (mean ± std over folds)")
ax_grid.set_xlim(0, 1)
ax_grid.invert_yaxis()
ConfusionMatrixDisplay.from_predictions(y_test, y_pred, ax=ax_confusion, colorbar=False)
ax_confusion.set_title("test set, best setting")
fig.tight_layout()
plt.show()
