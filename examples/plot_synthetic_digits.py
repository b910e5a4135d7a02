"""
What the samplers generate
==========================

SMOTE draws new images on the straight line between two real images of a class, pixel by
pixel; :class:`~imblearn_deep.DeepSMOTE` draws them between the latent codes of an
autoencoder and decodes them; :class:`~imblearn_deep.BAGANGP` samples a class-conditional
GAN; :class:`~imblearn_deep.LatentDiffusion` draws new codes of the same kind of
autoencoder from a class-conditional diffusion model of the codes. This example trains
each on the imbalanced 8×8 digits, shows the images they make for every class, and
measures their *label fidelity*: the share of synthetic images that a classifier trained
on the real images only assigns to the class they were made for.
"""

# %%
# The data: 140 … 5 training images per class
# -------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch
from imblearn.over_sampling import SMOTE

from imblearn_deep import BAGANGP, CNNClassifier, DeepSMOTE, FlattenSampler, LatentDiffusion
from imblearn_deep.datasets import load_imbalanced
from imblearn_deep.metrics import label_fidelity

torch.set_num_threads(1)  # tiny networks: one thread is fastest on a CPU
X_train, y_train, X_test, y_test = load_imbalanced("digits")  # (n, 1, 8, 8) images
print("training images per class:", np.bincount(y_train).tolist())

# %%
# Four samplers, each fitted on the training images
# -------------------------------------------------
# The rarest classes have 5 images, so SMOTE and DeepSMOTE interpolate towards at most
# 4 neighbours. ``fit_resample`` returns the originals first, then the synthetic images
# grouped by class; the deep samplers can also :meth:`~imblearn_deep.DeepSMOTE.generate`
# more of one class once fitted.
deep = dict(hidden_channels=16, latent_dim=32, learning_rate=1e-3, random_state=0)
samplers = {
    "SMOTE": FlattenSampler(SMOTE(k_neighbors=4, random_state=0)),
    "DeepSMOTE": DeepSMOTE(epochs=60, k_neighbors=4, **deep),
    "BAGAN-GP": BAGANGP(autoencoder_epochs=20, gan_epochs=40, critic_steps=2, **deep),
    # Its defaults: a 1,000-step autoencoder, then the diffusion model (seconds).
    "latent diffusion": LatentDiffusion(random_state=0),
}
synthetic = {}
for name, sampler in samplers.items():
    X_res, y_res = sampler.fit_resample(X_train, y_train)
    synthetic[name] = X_res[len(X_train) :], y_res[len(y_train) :]
    print(f"{name}: {len(y_res) - len(y_train)} synthetic images")

# %%
# Real and synthetic images of each class
# ---------------------------------------
# One column per class, two images each: real training images at the top, then each
# sampler's. Class 0, the majority, gets no synthetic images.
per_class = 2
rows = {"real": (X_train, y_train), **synthetic}
fig = plt.figure(figsize=(7, 1.6 * len(rows)), layout="constrained")
for subfig, (name, (X, y)) in zip(fig.subfigures(len(rows), 1), rows.items(), strict=True):
    subfig.supylabel(name)
    axes = subfig.subplots(per_class, 10)
    for label in range(10):
        images = X[y == label][:per_class]
        for row, ax in enumerate(axes[:, label]):
            ax.set_axis_off()
            if row < len(images):
                ax.imshow(images[row, 0], cmap="gray_r")
        if name == "real":
            axes[0, label].set_title(str(label))
fig.suptitle("Real and synthetic training images per class")
plt.show()

# %%
# Label fidelity
# --------------
# A small CNN trained on the real training images only (with a balanced loss, so that
# it does not ignore the rare classes) judges the synthetic images: a sampler whose
# images it recognises as their intended class makes class-faithful samples. SMOTE's
# blends of two images of one class are easy to recognise; fidelity says nothing of
# how varied the images are. BAGAN-GP's generator has taken a few hundred steps here,
# far from class-faithful: on these digits it needs about 300 GAN epochs (thousands of
# steps, minutes on a CPU) to reach a fidelity of 0.9 (see the results page).
judge = CNNClassifier(
    max_epochs=15,
    batch_size=32,
    lr=3e-3,
    class_weight="balanced",
    module__channels=(16, 32, 64),
    random_state=0,
).fit(X_train, y_train)
print(f"judge's test accuracy on real images: {judge.score(X_test, y_test):.3f}")

fidelity = {name: label_fidelity(judge, X, y) for name, (X, y) in synthetic.items()}
print({name: round(share, 3) for name, share in fidelity.items()})
fig, ax = plt.subplots(figsize=(5, 3))
bars = ax.barh(list(fidelity), list(fidelity.values()), color="tab:blue")
ax.bar_label(bars, fmt="%.2f", padding=3)
ax.set_xlim(0, 1.1)
ax.set_xlabel("label fidelity (share assigned to the intended class)")
ax.invert_yaxis()
fig.tight_layout()
plt.show()
