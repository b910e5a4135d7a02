"""Does ``channels_last`` speed up the samplers' convolutional autoencoders?

Times training steps (forward, MSE loss, backward, Adam) of DeepSMOTE's paper
autoencoder at 28×28 and of BAGAN-GP's reference autoencoder at 64×64, in the default
``contiguous_format`` and in ``channels_last`` (networks and batches converted), in
float32 and under bfloat16 autocast. Prints images/s per case and the ratio. Not a test::

    python benchmarks/bench_memory_format.py --threads 2 --steps 20
"""

from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from imblearn_deep.nets import bagan, deep_smote

FORMATS = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}


def autoencoder(name: str) -> tuple[nn.Module, tuple[int, int, int], int]:
    """The network, its image shape, and the reference batch size."""
    if name == "deepsmote":
        shape = (1, 28, 28)
        net = nn.Sequential(
            deep_smote.build_encoder(shape, 300, 64), deep_smote.build_decoder(shape, 300, 64)
        )
        return net, shape, 100
    shape = (1, 64, 64)
    net = nn.Sequential(bagan.build_encoder(shape, 128, 64), bagan.build_decoder(shape, 128, 64))
    return net, shape, 128


def images_per_second(name: str, memory_format, dtype, steps: int, device) -> float:
    torch.manual_seed(0)
    net, shape, batch = autoencoder(name)
    net = net.to(device).to(memory_format=memory_format)
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-4)
    x = torch.rand(batch, *shape, device=device).to(memory_format=memory_format)

    def step():
        with torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
            loss = nn.functional.mse_loss(net(x).float(), x)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(3):  # warm-up: oneDNN picks its kernels on first use
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps * batch / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per case")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--nets", nargs="+", default=["deepsmote", "bagan64"])
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {device}")
    print("| network | precision | contiguous img/s | channels_last img/s | ratio |")
    print("|---|---|---|---|---|")
    for name in args.nets:
        for label, dtype in (("float32", None), ("bfloat16", torch.bfloat16)):
            speed = {
                fmt: images_per_second(name, memory_format, dtype, args.steps, device)
                for fmt, memory_format in FORMATS.items()
            }
            ratio = speed["channels_last"] / speed["contiguous"]
            print(
                f"| {name} | {label} | {speed['contiguous']:.0f} | "
                f"{speed['channels_last']:.0f} | {ratio:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
