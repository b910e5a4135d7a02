"""
Your own images: a folder of class subfolders through the comparison
====================================================================

The usual collection of imbalanced images (scans, defects, wildlife photos) is a folder
with one subfolder per class. :func:`~imblearn_deep.datasets.load_image_folder` reads it
into one ``uint8`` array with its labels and class names, and the comparison takes it
as it is. On the command line, one command does all of it and writes the report::

    imblearn-deep compare --data my_images/ --image-size 64       # 25 % held out per class
    imblearn-deep compare --data train/ --test-data test/          # your own test set

Here the folder is written first, from the 8×8 digits made imbalanced, so that the
example runs anywhere; reading it back gives the very images that were written.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from imblearn_deep.comparison import export_balanced, get_preset, run_comparison
from imblearn_deep.datasets import load_image_folder, load_imbalanced

torch.set_num_threads(1)  # tiny networks: one thread is fastest on a CPU
root = Path(tempfile.mkdtemp())

# %%
# A folder of images, one subfolder per class
# -------------------------------------------
# The digits hold values 0-16; a PNG holds 8-bit pixels, so they are scaled to 0-255
# first. ``export_balanced`` writes ``<class>/<index>.png``, the layout torchvision's
# ``ImageFolder`` reads.
X_train, y_train, X_test, y_test = load_imbalanced("digits")
to_8_bit = np.rint(X_train * 255 / 16).astype(np.uint8)
test_8_bit = np.rint(X_test * 255 / 16).astype(np.uint8)
export_balanced(to_8_bit, y_train, root / "train")
export_balanced(test_8_bit, y_test, root / "test")

train = load_image_folder(root / "train")
test = load_image_folder(root / "test", color="grey")
print(train.DESCR)

# %%
# The same images, listed class by class
# --------------------------------------
# A folder has no order across classes: the images come back class by class, each class
# in its files' order. An ``.npz`` file of ``X`` and ``y`` keeps the original order
# (``load_image_folder("data.npz")``), so a run on it repeats a run on the arrays
# number for number.
order = np.argsort(y_train, kind="stable")
assert np.array_equal(train.data, to_8_bit[order])
assert np.array_equal(train.target, y_train[order])

fig, axes = plt.subplots(1, len(train.target_names), figsize=(8, 1.3))
for code, (ax, name) in enumerate(zip(axes, train.target_names, strict=True)):
    ax.imshow(train.data[train.target == code][0, 0], cmap="gray")
    ax.set_title(f"{name}\n(n={np.sum(train.target == code)})", fontsize=8)
    ax.axis("off")
fig.suptitle("One image of each class folder, with its training count", fontsize=9)
plt.show()

# %%
# The comparison, with the folders' class names
# ---------------------------------------------
# ``class_names`` names the classes in the report and the figures; the preset is sized
# from the images. One learning rate and a short budget keep this example to seconds.
preset = get_preset("fast").with_params("small_cnn", {"max_steps": 150, "lr": 3e-3})
rows = run_comparison(
    train.data,
    train.target,
    test.data,
    test.target,
    preset=preset,
    samplers=["none", "ros", "smote"],
    seeds=[0],
    quality=False,
    dataset="my_digits",
    class_names=train.target_names,
    data_source=f"{root / 'train'} and {root / 'test'}",
    output=root / "results",
)
for row in rows:
    print(f"{row['sampler_label']:<20} test macro-F1 {row['test_f1_macro']:.3f}")

fig, ax = plt.subplots(figsize=(5, 2.2))
ax.barh([r["sampler_label"] for r in rows], [r["test_f1_macro"] for r in rows])
ax.set_xlabel("test macro-F1 (one seed, real held-out images)")
fig.tight_layout()
plt.show()
