"""DeepSMOTE's training epoch against a reference-style loop, side by side.

The released DeepSMOTE code trains its 28×28 autoencoder with a plain PyTorch loop: NCHW
tensors, two Adam optimisers (2e-4), a shuffled loader of batch 100, a penalty batch of
one class drawn uniformly (``min(n, 100)`` of its images, encoded, detached through
NumPy, shifted by one position together with its images, decoded), the loss read back
with ``.item()`` every step, and a checkpoint whenever the epoch's loss improves. This
script re-implements that loop from its description (``shared/reference/algorithms.md``
§1.2–1.5; nothing copied: the reference code has no licence) and times its epoch against
``DeepSMOTE``'s own on the same images, the same networks' shapes and the same batch:
what the library's loop (channels-last, fused Adam, no per-step host sync) gains over the
reference's, with each one's FLOP/s as a share of a float32 matmul peak measured in the
same process.

Rounds alternate (reference, library, reference, ...) so that a change of the machine's
load hits both; each round trains ``--epochs`` epochs and keeps the last one's seconds
(the first pays the one-off kernel selection).

    python -m benchmarks.reference_loop                      # 3,000 images, 3 rounds
    python -m benchmarks.reference_loop --n-images 300 --rounds 1 --epochs 1   # smoke run
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ._common import (
    OtherLoad,
    count_epoch_flops,
    describe_host,
    load_data,
    matmul_peak,
    no_generation,
)

DIM_H, N_Z = 64, 300


def reference_encoder() -> nn.Module:
    """The released 28×28 encoder: four k4 s2 p1 convolutions (no bias, BatchNorm after all
    but the first, LeakyReLU 0.2) to 512×1×1, then a linear layer to the 300-d code."""
    layers: list[nn.Module] = [nn.Conv2d(1, DIM_H, 4, 2, 1, bias=False), nn.LeakyReLU(0.2)]
    for c_in, c_out in ((DIM_H, DIM_H * 2), (DIM_H * 2, DIM_H * 4), (DIM_H * 4, DIM_H * 8)):
        layers += [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out)]
        layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(DIM_H * 8, N_Z))


def reference_decoder() -> nn.Module:
    """The released 28×28 decoder: a linear layer to 512×7×7, two k4 s1 transposed
    convolutions (7 → 10 → 13) with BatchNorm and ReLU, a k4 s2 one to 1×28×28, Tanh."""
    return nn.Sequential(
        nn.Linear(N_Z, DIM_H * 8 * 7 * 7),
        nn.ReLU(),
        nn.Unflatten(1, (DIM_H * 8, 7, 7)),
        nn.ConvTranspose2d(DIM_H * 8, DIM_H * 4, 4),
        nn.BatchNorm2d(DIM_H * 4),
        nn.ReLU(),
        nn.ConvTranspose2d(DIM_H * 4, DIM_H * 2, 4),
        nn.BatchNorm2d(DIM_H * 2),
        nn.ReLU(),
        nn.ConvTranspose2d(DIM_H * 2, 1, 4, stride=2),
        nn.Tanh(),
    )


def reference_fit(X: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> list[float]:
    """Train the reference-style loop ``epochs`` epochs; the seconds of each epoch."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    encoder, decoder = reference_encoder(), reference_decoder()
    opt_enc = torch.optim.Adam(encoder.parameters(), lr=2e-4)
    opt_dec = torch.optim.Adam(decoder.parameters(), lr=2e-4)
    data = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    loader = torch.utils.data.DataLoader(data, batch_size=100, shuffle=True)
    # BatchNorm cannot train on one image: like the library, leave one-image classes out
    # of the penalty draw (the released code would fail on them).
    by_class = [X[y == c] for c in np.unique(y) if (y == c).sum() >= 2]
    best, seconds = np.inf, []
    for _ in range(epochs):
        start = time.perf_counter()
        encoder.train(), decoder.train()
        train_loss = 0.0
        for images, _labels in loader:
            opt_enc.zero_grad()
            opt_dec.zero_grad()
            mse = F.mse_loss(decoder(encoder(images)), images)
            # The penalty: one class drawn uniformly, its codes detached through NumPy and
            # shifted by one position with their images (a second reconstruction term).
            members = by_class[rng.choice(len(by_class))]
            picked = members[rng.choice(len(members), min(len(members), 100), replace=False)]
            codes = encoder(torch.from_numpy(picked)).detach().numpy()
            shift = np.roll(np.arange(len(picked)), -1)
            decoded = decoder(torch.from_numpy(codes[shift]))
            penalty = F.mse_loss(decoded, torch.from_numpy(picked[shift]))
            loss = mse + penalty
            loss.backward()
            opt_enc.step()
            opt_dec.step()
            train_loss += loss.item() * len(images)
        train_loss /= len(loader)
        if train_loss < best:
            best = train_loss
            checkpoint = io.BytesIO()
            torch.save(
                {"encoder": encoder.state_dict(), "decoder": decoder.state_dict()}, checkpoint
            )
        seconds.append(time.perf_counter() - start)
    return seconds


def library_sampler(**params):
    """``DeepSMOTE`` with the paper's networks and schedule (batch 100), on the CPU."""
    from imblearn_deep import DeepSMOTE

    params = {"random_state": 0, **params}
    return DeepSMOTE(batch_size=100, hidden_channels=DIM_H, latent_dim=N_Z, device="cpu", **params)


def library_fit(X: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> list[float]:
    """``DeepSMOTE``'s own loop; the seconds of each epoch."""
    sampler = library_sampler(epochs=epochs, sampling_strategy=no_generation(y), random_state=seed)
    sampler.fit_resample(X, y)
    return [row["seconds"] for row in sampler.history_]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=2, help="per round; the last is timed")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--data", default="auto", choices=("auto", "fashion_mnist", "random"))
    parser.add_argument("--json", type=Path, help="write the rows here too")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    X, y, source = load_data(args.n_images, args.data)
    if len(X) % 100 == 1:
        # The library merges such a batch into the one before; the reference loop cannot.
        parser.error(f"{len(X)} images leave a last batch of one image; choose another size")
    # The two loops run the same networks' shapes on the same batches, so one count serves.
    epoch_gflop = count_epoch_flops(library_sampler, X, y, batch_size=100)["autoencoder"] / 1e9
    peak = matmul_peak(torch.float32, torch.device("cpu"))
    print(f"host: {describe_host()}; {args.threads} thread(s)")
    print(f"data: {len(X)} images ({source}); {epoch_gflop:.0f} GFLOP per epoch")
    rows = []
    for round_ in range(args.rounds):
        for name, fit in (("reference", reference_fit), ("imblearn_deep", library_fit)):
            with OtherLoad() as load:
                seconds = fit(X, y, args.epochs, seed=round_)[-1]
            rows.append(dict(round=round_, loop=name, seconds=seconds, other_load=load.cores))
            print(f"round {round_} {name:13s} {seconds:7.2f} s/epoch  other load {load.cores:.2f}")
    peak = max(peak, matmul_peak(torch.float32, torch.device("cpu")))
    print(f"\nfloat32 matmul peak {peak:.0f} GFLOP/s (higher of before and after)\n")
    print("| loop | s/epoch per round | median | GFLOP/s | % of peak |")
    print("|---|---|---|---|---|")
    medians = {}
    for name in ("reference", "imblearn_deep"):
        times = [r["seconds"] for r in rows if r["loop"] == name]
        medians[name] = statistics.median(times)
        rate = epoch_gflop / medians[name]
        listed = " / ".join(f"{t:.2f}" for t in times)
        print(f"| {name} | {listed} | {medians[name]:.2f} | {rate:.0f} | {100 * rate / peak:.0f} |")
    ratios = [a["seconds"] / b["seconds"] for a, b in zip(rows[::2], rows[1::2], strict=True)]
    print(
        f"\nreference ÷ imblearn_deep per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"of the medians {medians['reference'] / medians['imblearn_deep']:.2f}"
    )
    if args.json:
        summary = dict(host=describe_host(), threads=args.threads, images=len(X), source=source)
        summary.update(epoch_gflop=epoch_gflop, peak_gflops=peak, rows=rows)
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
