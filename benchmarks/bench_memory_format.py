"""Does ``channels_last`` (and bfloat16) speed up the networks' training and prediction?

Times training steps (forward, loss, backward, Adam) or prediction batches (eval mode,
no gradients) of the samplers' convolutional autoencoders (DeepSMOTE's paper autoencoder
at 28×28, batch 100; BAGAN-GP's reference autoencoder at 64×64, batch 128; MSE loss) and
of CNNClassifier's networks (``small_cnn`` and ``resnet18`` at 28×28, whose ResNet stem
is then stride 1, ``resnet18_imagenet`` at 28×28 with the ImageNet stem, and
``resnet18_64`` at 64×64, where that stem is the default; batch 64, prediction batch
256, cross-entropy), in the default ``contiguous_format`` and in ``channels_last``
(networks and batches converted), in float32 and under bfloat16 autocast. Cases run in
``--repeats`` alternating rounds; prints images/s (median and minimum over the rounds)
per case and the channels_last / contiguous and bfloat16 / float32 ratios of each round
(median, minimum), and the cores other processes used meanwhile. Not a test::

    python -m benchmarks.bench_memory_format --threads 2 --steps 20
    python -m benchmarks.bench_memory_format --nets small_cnn resnet18 --modes train predict \\
        --threads 1 2 --steps 5 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import torch
from torch import nn

from imblearn_deep.nets import bagan, deep_smote
from imblearn_deep.nets.classifiers import build_classifier

from ._common import OtherLoad, describe_host

FORMATS = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}
PRECISIONS = {"float32": None, "bfloat16": torch.bfloat16}
# CNNClassifier's networks: architecture, image side and builder options.
CLASSIFIER_NETS = {
    "small_cnn": ("small_cnn", 28, {}),
    "resnet18": ("resnet18", 28, {}),  # at 28×28 the stem is stride 1, without max-pool
    "resnet18_imagenet": ("resnet18", 28, {"stem": "imagenet"}),
    "resnet18_64": ("resnet18", 64, {}),  # the ImageNet stem from 64 pixels on
}
NETS = ("deepsmote", "bagan64", *CLASSIFIER_NETS)
PREDICT_BATCH = 256


def network(name: str) -> tuple[nn.Module, tuple[int, int, int], int]:
    """The network, its image shape, and the reference training batch size."""
    if name == "deepsmote":
        shape = (1, 28, 28)
        net = nn.Sequential(
            deep_smote.build_encoder(shape, 300, 64), deep_smote.build_decoder(shape, 300, 64)
        )
        return net, shape, 100
    if name == "bagan64":
        shape = (1, 64, 64)
        net = nn.Sequential(
            bagan.build_encoder(shape, 128, 64), bagan.build_decoder(shape, 128, 64)
        )
        return net, shape, 128
    architecture, size, options = CLASSIFIER_NETS[name]
    shape = (1, size, size)
    return build_classifier(architecture, shape, 10, **options), shape, 64


def images_per_second(
    name: str, memory_format, dtype, steps: int, device, mode: str = "train", warmup: int = 3
) -> float:
    """Images per second of ``steps`` training steps or prediction batches of ``name``."""
    torch.manual_seed(0)
    net, shape, batch = network(name)
    net = net.to(device).to(memory_format=memory_format)
    classifier = name in CLASSIFIER_NETS
    if mode == "predict":
        batch = PREDICT_BATCH
        net.eval()
    x = torch.rand(batch, *shape, device=device).to(memory_format=memory_format)
    labels = torch.randint(10, (batch,), device=device)
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-4)

    def autocast():
        return torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None)

    def train_step():
        with autocast():
            out = net(x).float()
            loss = (
                nn.functional.cross_entropy(out, labels)
                if classifier
                else (nn.functional.mse_loss(out, x))
            )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def predict_step():
        with torch.no_grad(), autocast():
            net(x).float()

    step = train_step if mode == "train" else predict_step
    for _ in range(warmup):  # oneDNN picks its kernels on first use
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps * batch / (time.perf_counter() - start)


def spread(values: list[float]) -> str:
    """``median (min)`` of a list of values."""
    return f"{statistics.median(values):.2f} ({min(values):.2f})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--threads", type=int, nargs="+", default=None, help="torch CPU thread counts"
    )
    parser.add_argument("--steps", type=int, default=20, help="timed steps per case")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps per case")
    parser.add_argument("--repeats", type=int, default=1, help="alternating rounds")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--nets", nargs="+", default=["deepsmote", "bagan64"], choices=NETS)
    parser.add_argument("--modes", nargs="+", default=["train"], choices=("train", "predict"))
    parser.add_argument(
        "--precision", nargs="+", default=list(PRECISIONS), choices=list(PRECISIONS)
    )
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    print(f"Host: {describe_host(device)}.")
    speeds: dict[tuple, list[float]] = {}
    loads: dict[tuple, list[float]] = {}
    for round_ in range(1, args.repeats + 1):
        for threads in args.threads or [torch.get_num_threads()]:
            torch.set_num_threads(threads)
            for name in args.nets:
                for mode in args.modes:
                    for precision in args.precision:
                        for fmt, memory_format in FORMATS.items():
                            with OtherLoad() as load:
                                speed = images_per_second(
                                    name,
                                    memory_format,
                                    PRECISIONS[precision],
                                    args.steps,
                                    device,
                                    mode,
                                    args.warmup,
                                )
                            key = (name, mode, threads, precision, fmt)
                            speeds.setdefault(key, []).append(speed)
                            loads.setdefault(key[:4], []).append(load.cores)
                            print(
                                f"round {round_}: {name} {mode} {threads} thread(s) {precision} "
                                f"{fmt}: {speed:.0f} img/s, other load {load.cores:.2f}",
                                file=sys.stderr,
                                flush=True,
                            )
    print(
        "| network | mode | threads | precision | contiguous img/s | channels_last img/s "
        "| channels_last ÷ contiguous | bfloat16 ÷ float32 (channels_last) | other load (max) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for (name, mode, threads, precision, fmt), values in speeds.items():
        if fmt != "contiguous":
            continue
        last = speeds[(name, mode, threads, precision, "channels_last")]
        f32 = speeds.get((name, mode, threads, "float32", "channels_last"))
        vs_f32 = (
            spread([b / f for b, f in zip(last, f32, strict=True)])
            if f32 and precision != "float32"
            else "–"
        )
        print(
            f"| {name} | {mode} | {threads} | {precision} | "
            f"{statistics.median(values):.0f} ({min(values):.0f}) | "
            f"{statistics.median(last):.0f} ({min(last):.0f}) | "
            f"{spread([c / v for c, v in zip(last, values, strict=True)])} | {vs_f32} | "
            f"{max(loads[(name, mode, threads, precision)]):.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
