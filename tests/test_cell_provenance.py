"""Every cell records where it was computed; pairs across hosts are never silent."""

from __future__ import annotations

from imblearn_deep.comparison import check_row, paired_differences, paired_section, read_results
from imblearn_deep.comparison._cli import main
from imblearn_deep.comparison._provenance import host_key, provenance

KEYS = {
    "imblearn_deep", "commit", "dirty", "python", "torch", "numpy", "scikit-learn",
    "imbalanced-learn", "skorch", "cpu", "cpu_capability", "cpu_flags", "gpu", "threads",
}  # fmt: skip


def test_every_new_cell_carries_its_provenance(tmp_path):
    args = ["compare", "--samplers", "none", "--seeds", "0", "--cv", "2", "--no-quality"]
    args += ["--no-balanced-test", "--device", "cpu", "-q", "--set", "small_cnn.max_steps=5"]
    assert main([*args, "--output", str(tmp_path)]) == 0
    (row,) = read_results(tmp_path)
    assert set(row["provenance"]) == KEYS and check_row(row) is None
    here = provenance()
    assert {k: row["provenance"][k] for k in KEYS - {"threads"}} == {
        k: here[k] for k in KEYS - {"threads"}
    }
    assert row["provenance"]["threads"] == 1  # the fast preset's one torch thread per fit
    assert check_row({**row, "provenance": {"cpu": object()}}) is not None


def _rows(cpu_of_seed):
    """Two methods, three seeds; the reference's cell of each seed on ``cpu_of_seed``."""
    rows = []
    for sampler, values in {"none": [0.80, 0.82, 0.78], "ros": [0.82, 0.85, 0.805]}.items():
        for seed, value in enumerate(values):
            cpu = cpu_of_seed(seed) if sampler == "none" else "CPU A"
            rows.append(
                {
                    "dataset": "digits", "classifier": "small_cnn", "sampler": sampler,
                    "seed": seed, "status": "ok", "n_synthetic": 0 if sampler == "none" else 9,
                    "test_f1_macro": value,
                    "provenance": {"cpu": cpu, "cpu_capability": "AVX512", "torch": "2.14.1"},
                }
            )  # fmt: skip
    return rows


def test_pairs_across_cpu_models_are_marked_and_said():
    mixed = _rows(lambda seed: "CPU B" if seed == 2 else "CPU A")
    (record,) = paired_differences(mixed)
    assert record["mixed_hosts"] == [2]
    assert "Pairs across hosts" in paired_section(mixed) and "seeds 2" in paired_section(mixed)
    same = _rows(lambda seed: "CPU A")
    assert paired_differences(same)[0]["mixed_hosts"] == []
    assert "Pairs across hosts" not in paired_section(same)


def test_rows_without_provenance_are_not_marked():
    rows = [{k: v for k, v in row.items() if k != "provenance"} for row in _rows(str)]
    assert host_key(rows[0]) is None
    assert paired_differences(rows)[0]["mixed_hosts"] == []
