#!/usr/bin/env bash
# The Fashion-MNIST evidence of the comparison protocol (studies/fashion_protocol/README.md,
# summarised in docs/results.md): every method at equal classifier steps, the small CNN on
# 5 seeds and ResNet-18 (ImageNet stem) on 3, scored on the imbalanced test split (2,249
# images) and on the balanced official test split (10,000), no cross-validation (one-setting
# grids), no quality judges.
#
#   bash studies/fashion_protocol/fashion_protocol.sh [OUTPUT]
#                               (default studies/fashion_protocol/results/fashion_mnist)
#
# Needs Debian's dataset-fashion-mnist (or --data-root in EXTRA). Resumable: run it again
# after an interruption and the cells already recorded are skipped. Two cells at a time,
# one torch thread each.
set -euo pipefail
OUT=${1:-studies/fashion_protocol/results/fashion_mnist}
METHODS=none,weighted,logit_adjusted,drw,ros,smote,adasyn,deepsmote,bagangp
COMMON=(--dataset fashion_mnist --samplers "$METHODS" --no-quality --jobs 2 --output "$OUT")
imblearn-deep compare "${COMMON[@]}" --classifiers small_cnn --seeds 0,1,2,3,4 ${EXTRA:-}
imblearn-deep compare "${COMMON[@]}" --classifiers resnet18 --seeds 0,1,2 ${EXTRA:-}
