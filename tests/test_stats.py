"""The paired verdict: per-seed differences against a reference, t intervals, verdicts,
average ranks, and the report's "Paired differences" section. No training: hand-made rows
with known differences."""

from __future__ import annotations

import math

import pytest

from imblearn_deep.comparison import (
    ResultsStore,
    _row,
    average_ranks,
    paired_differences,
    paired_section,
    paired_table,
    write_report,
)
from imblearn_deep.comparison._stats import (
    BETTER,
    NO_COMMON_SEED,
    NOT_SEPARATED,
    ONE_SEED,
    WORSE,
    ranks_across_datasets,
)

# Student's t quantiles, 2 degrees of freedom (3 seeds), from a table: 0.975 and 0.90.
T_975_2 = 4.302652729749464
T_90_2 = 1.8856180831641267

BASE = [0.85, 0.88, 0.82]  # "weighted", the best method without resampling, per seed
SHIFTS = {
    "weighted": [0.0, 0.0, 0.0],
    "none": [-0.05, -0.06, -0.04],
    "ros": [0.02, 0.03, 0.025],  # clearly better
    "smote": [0.05, -0.04, 0.0],  # a win, a loss, a tie
    "deepsmote": [-0.03, -0.04, -0.035],  # clearly worse
}
LABELS = {
    "none": "none",
    "weighted": "class-weighted loss",
    "ros": "RandomOverSampler",
    "smote": "SMOTE",
    "deepsmote": "DeepSMOTE",
    "bagangp": "BAGAN-GP",
    "adasyn": "ADASYN",
}
RESAMPLING = {"ros", "smote", "deepsmote", "bagangp", "adasyn"}


def make_row(sampler, seed, score, *, dataset="digits", classifier="small_cnn", **fields):
    """A complete finished row, as the runner records it, with test macro-F1 ``score``."""
    classes = [0, 1]
    row = {
        "cell": f"{dataset}|{sampler}|{classifier}|seed={seed}",
        "status": "ok",
        "dataset": dataset,
        "preset": "fast",
        "sampler": sampler,
        "sampler_label": LABELS[sampler],
        "classifier": classifier,
        "classifier_label": {"small_cnn": "small CNN", "mlp": "MLP"}[classifier],
        "seed": seed,
        "cv_folds": 3,
        "classes": classes,
        "train_class_counts": {"0": 40, "1": 10},
        "test_class_counts": {"0": 20, "1": 5},
        "recall": {"0": 0.9, "1": 0.6},
        "confusion_matrix": [[18, 2], [2, 3]],
        "best_params": {},
        "cv_f1_macro": 0.7,
        "cv_f1_macro_std": 0.02,
        "cv_balanced_accuracy": 0.7,
        "cv_g_mean": 0.6,
        "cv_accuracy": 0.8,
        "test_f1_macro": score,
        "test_balanced_accuracy": 0.7,
        "test_g_mean": 0.6,
        "test_accuracy": 0.8,
        "n_synthetic": 30 if sampler in RESAMPLING else 0,
        "sampler_fits": 4 if sampler in RESAMPLING else 0,
        "expected_sampler_fits": 4 if sampler in RESAMPLING else 0,
        "search_seconds": 1.0,
    }
    row.update(fields)
    return row


def known_rows(**fields):
    return [
        make_row(sampler, seed, base + shift[seed], **fields)
        for sampler, shift in SHIFTS.items()
        for seed, base in enumerate(BASE)
    ]


def by_method(records):
    return {r["method"]: r for r in records}


def hand_interval(differences, quantile):
    n = len(differences)
    mean = sum(differences) / n
    sd = math.sqrt(sum((d - mean) ** 2 for d in differences) / (n - 1))
    half = quantile * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def test_known_differences_give_mean_interval_counts_and_verdict():
    records = by_method(paired_differences(known_rows()))
    assert set(records) == {"none", "ros", "smote", "deepsmote"}
    expected = {
        "ros": ((3, 0, 0), BETTER),
        "smote": ((1, 1, 1), NOT_SEPARATED),
        "deepsmote": ((0, 3, 0), WORSE),
        "none": ((0, 3, 0), WORSE),
    }
    for method, (counts, verdict) in expected.items():
        record = records[method]
        mean, low, high = hand_interval(SHIFTS[method], T_975_2)
        assert record["reference"] == "weighted"
        assert record["reference_label"] == "class-weighted loss"
        assert record["n_seeds"] == 3 and record["n_unpaired"] == 0
        assert record["mean_difference"] == pytest.approx(mean, abs=1e-12)
        assert record["ci_low"] == pytest.approx(low, abs=1e-12)
        assert record["ci_high"] == pytest.approx(high, abs=1e-12)
        assert (record["wins"], record["losses"], record["ties"]) == counts
        assert record["verdict"] == verdict
    # The hand numbers for "ros": 0.025 ± 4.303 * 0.005 / sqrt(3).
    assert records["ros"]["ci_low"] == pytest.approx(0.012579, abs=1e-6)
    assert records["ros"]["ci_high"] == pytest.approx(0.037421, abs=1e-6)


def test_confidence_sets_the_t_quantile():
    ros = by_method(paired_differences(known_rows(), confidence=0.8))["ros"]
    _, low, high = hand_interval(SHIFTS["ros"], T_90_2)
    assert (ros["ci_low"], ros["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert ros["confidence"] == 0.8
    with pytest.raises(ValueError, match="confidence"):
        paired_differences(known_rows(), confidence=95)


def test_default_reference_is_the_best_method_without_resampling():
    rows = known_rows()
    # "ros" scores highest, but it resamples; "weighted" beats "none".
    assert {r["reference"] for r in paired_differences(rows)} == {"weighted"}
    # A row's own ``resamples`` field outranks ``n_synthetic``.
    for row in rows:
        if row["sampler"] == "ros":
            row["resamples"] = False
    assert {r["reference"] for r in paired_differences(rows)} == {"ros"}
    # Without any method that does not resample, nothing is compared.
    only_resamplers = [r for r in known_rows() if r["sampler"] in RESAMPLING]
    assert paired_differences(only_resamplers) == []
    assert paired_section(only_resamplers) is None


def test_unknown_resampling_needs_an_explicit_reference():
    rows = [{k: v for k, v in r.items() if k != "n_synthetic"} for r in known_rows()]
    with pytest.raises(ValueError, match="resamples"):
        paired_differences(rows)
    assert len(paired_differences(rows, reference="none")) == 4


def test_explicit_reference():
    records = by_method(paired_differences(known_rows(), reference="none"))
    assert set(records) == {"weighted", "ros", "smote", "deepsmote"}
    assert records["weighted"]["verdict"] == BETTER
    mean, _, _ = hand_interval([0.05, 0.06, 0.04], T_975_2)
    assert records["weighted"]["mean_difference"] == pytest.approx(mean)
    with pytest.raises(ValueError, match="'resnet'.*no finished row"):
        paired_differences(known_rows(), reference="resnet")


def test_pairing_by_seed_leaves_unmatched_seeds_out_and_counts_them():
    rows = known_rows()
    # ADASYN ran seeds 1, 2 and 7; the reference has 0, 1, 2. The far-off seed 7 must
    # not enter the differences.
    rows += [
        make_row("adasyn", 1, BASE[1] + 0.01),
        make_row("adasyn", 2, BASE[2] + 0.03),
        make_row("adasyn", 7, 0.1),
    ]
    adasyn = by_method(paired_differences(rows))["adasyn"]
    assert adasyn["n_seeds"] == 2 and adasyn["n_unpaired"] == 1
    mean, low, high = hand_interval([0.01, 0.03], 12.706204736174698)  # t, 1 df
    assert adasyn["mean_difference"] == pytest.approx(mean)
    assert (adasyn["ci_low"], adasyn["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert adasyn["verdict"] == NOT_SEPARATED
    # No seed in common: no number, no claim.
    lonely = by_method(paired_differences([*known_rows(), make_row("adasyn", 9, 0.9)]))["adasyn"]
    assert lonely["n_seeds"] == 0 and lonely["n_unpaired"] == 1
    assert lonely["mean_difference"] is None and lonely["verdict"] == NO_COMMON_SEED


def test_one_seed_is_never_a_claim():
    rows = [r for r in known_rows() if r["seed"] == 0]
    for record in paired_differences(rows):
        assert record["n_seeds"] == 1
        assert record["ci_low"] is None and record["ci_high"] is None
        assert record["verdict"] == ONE_SEED
    ros = by_method(paired_differences(rows))["ros"]
    assert ros["mean_difference"] == pytest.approx(0.02) and ros["wins"] == 1


def test_failed_rows_are_left_out_and_bad_input_is_named():
    rows = known_rows()
    rows.append({**make_row("bagangp", 0, 0.99), "status": "failed", "test_f1_macro": None})
    assert "bagangp" not in by_method(paired_differences(rows))
    with pytest.raises(ValueError, match="two rows .* 'ros', seed 0"):
        paired_differences([*known_rows(), make_row("ros", 0, 0.5)])
    with pytest.raises(ValueError, match="'test_f2'"):
        paired_differences(known_rows(), score="test_f2")
    # Another score of the rows: every method ties on the constant test accuracy.
    records = paired_differences(known_rows(), score="test_accuracy")
    assert all(r["ties"] == 3 and r["verdict"] == NOT_SEPARATED for r in records)


def test_average_ranks_over_blocks_with_a_tie():
    scores = {
        "small_cnn": {"none": 0.8, "ros": 0.9, "smote": 0.9},  # ros and smote tie: 1.5
        "mlp": {"none": 0.7, "ros": 0.6, "smote": 0.8, "adasyn": 0.75},
    }
    rows = [
        make_row(sampler, seed, value + 0.01 * seed, classifier=classifier)
        for classifier, methods in scores.items()
        for sampler, value in methods.items()
        for seed in (0, 1)
    ]
    ranks = {r["method"]: (r["mean_rank"], r["n_blocks"]) for r in average_ranks(rows)}
    assert ranks == {
        "smote": (1.25, 2),  # (1.5 + 1) / 2
        "ros": (2.75, 2),  # (1.5 + 4) / 2
        "none": (3.0, 2),  # (3 + 3) / 2
        "adasyn": (2.0, 1),
    }
    assert [r["method"] for r in average_ranks(rows)] == ["smote", "adasyn", "ros", "none"]


def test_table_marks_unpaired_seeds_and_missing_intervals():
    rows = [*known_rows(), make_row("bagangp", 0, 0.9), make_row("bagangp", 5, 0.9)]
    table = paired_table(paired_differences(rows)).splitlines()
    assert table[0].startswith("| Method | Reference | Classifier | Seeds |")
    (line,) = [line for line in table if line.startswith("| BAGAN-GP")]
    assert "| 1 (1 unpaired left out) | +0.050 | – | 1 / 0 / 0 | one seed: not separated |" in line
    (line,) = [line for line in table if line.startswith("| RandomOverSampler")]
    assert "| +0.025 | [+0.013, +0.037] | 3 / 0 / 0 | better |" in line


def test_report_shows_the_paired_section_after_the_scores(tmp_path, monkeypatch):
    # Made-up scores that no confusion matrix gives: this is about the report's layout,
    # so the store's check of the scores against the matrix is switched off.
    monkeypatch.setattr(_row, "_consistent", lambda row, prefix: None)
    store = ResultsStore(tmp_path)
    # digits: the known rows, one classifier; toy: ROS and none, two classifiers.
    rows = known_rows()
    rows += [
        make_row(sampler, seed, score + 0.01 * seed, dataset="toy", classifier=classifier)
        for classifier in ("small_cnn", "mlp")
        for sampler, score in (("ros", 0.5), ("none", 0.4))
        for seed in range(2)
    ]
    for row in rows:
        store.record(row)
    text = write_report(tmp_path).read_text(encoding="utf-8")
    digits, toy = text[: text.index("## toy")], text[text.index("## toy") :]
    scores = digits.index("### Scores")
    paired = digits.index("### Paired differences (test macro-F1")
    assert scores < paired < digits.index("### Per-class test recall")
    assert "| RandomOverSampler | class-weighted loss | small CNN | 3 | +0.025 |" in digits
    assert "| DeepSMOTE | class-weighted loss | small CNN | 3 | -0.035 |" in digits
    assert "### Average ranks" not in digits  # one classifier: nothing to average
    # toy pairs ROS with "none" for each classifier, and ranks over its two classifiers.
    assert toy.count("| RandomOverSampler | none |") == 2
    assert "| 2 | +0.100 | [+0.100, +0.100] | 2 / 0 / 0 | better |" in toy
    assert "### Average ranks (test macro-F1 of the mean over seeds; 2 dataset" in toy
    # Both datasets are ranked together at the end.
    across = text.index("## Average ranks over datasets and classifiers")
    assert text[across:] == ranks_across_datasets(store.rows())
    assert "| RandomOverSampler | 1.00 | 3 |" in text[across:]
