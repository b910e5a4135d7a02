"""Deep over-samplers, and a meta-sampler that runs imbalanced-learn's 2-D samplers on images."""

from .._lazy import deprecated_aliases
from ._bagan_gp import BAGANGP
from ._deep_smote import DeepSMOTE
from ._flatten import FlattenSampler
from ._latent_diffusion import LatentDiffusion

__all__ = ["BAGANGP", "DeepSMOTE", "FlattenSampler", "LatentDiffusion"]

# Research aids that moved to imblearn_deep.experimental; the old names warn for one release.
__getattr__ = deprecated_aliases(
    __name__,
    {
        name: "imblearn_deep.experimental"
        for name in ("JudgeFilter", "PartialBalance", "default_judge")
    },
)
