#!/usr/bin/env bash
# voicesearch: BigSSL on your own data (the paper's voice-search corpus is private; see README.md).
# Stage 10 runs local/data.sh with --local_data_opts: Kaldi data dirs or CSV/JSONL manifests, plus
# unlabeled audio. Options of the shared pipeline may be added, e.g.
#   ./run.sh --local_data_opts "--train_manifest /corpora/vs/train.csv --dev_manifest /corpora/vs/dev.csv \
#       --test_manifests /corpora/vs/test.csv --unlabeled_dir /corpora/vs/untranscribed" --ngpu 8
# The data-efficiency study (labeled fractions, pretraining, fine-tuning, NST) is ./run_study.sh.
set -euo pipefail
quoted_args=""
if [ $# -gt 0 ]; then quoted_args=$(printf ' %q' "$@"); fi
export BIGSSL_EXP_COMMAND="./run.sh${quoted_args}"  # written to exp/<x>/run_command (see pipeline.sh)
./pipeline.sh \
  --train_set train --valid_set dev --test_sets test \
  --asr_config conf/train_asr_conformer_xl_rnnt.yaml --inference_config conf/decode_rnnt.yaml \
  --inference_model valid.loss.ave.pth \
  --nbpe 1024 --results_title "voicesearch (your data): Conformer XL + RNN-T" "$@"
