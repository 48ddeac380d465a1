#!/usr/bin/env bash
# Mini recipe: a synthetic multi-voice English corpus (espeak-ng x fortunes), Conformer + CTC.
# Runs end to end on 2 CPU cores. Options of the shared pipeline may be added, e.g.
#   ./run.sh --stage 50 --stop_stage 80 --asr_args "--max_epoch 5"
# Shallow fusion with an LSTM LM trained on data/local/lm_train.txt (stage 55; its own decode dirs):
#   ./run.sh --stage 55 --stop_stage 80 --lm_config conf/train_lm.yaml --use_lm true --inference_config conf/decode_ctc_lm.yaml
set -euo pipefail
quoted_args=""
if [ $# -gt 0 ]; then quoted_args=$(printf ' %q' "$@"); fi
export BIGSSL_EXP_COMMAND="./run.sh${quoted_args}"  # written to exp/<x>/run_command (see pipeline.sh)
./pipeline.sh \
  --train_set train_labeled --valid_set dev --test_sets "dev test" \
  --asr_config conf/train_asr_conformer_ctc.yaml --inference_config conf/decode_ctc.yaml \
  --inference_model valid.cer_ctc.ave.pth \
  --nbpe 40 --results_title "mini (synthetic espeak-ng corpus): Conformer + CTC" \
  --results_expdirs "exp_domain exp_encoder_conv2d exp_encoder_linear" "$@"  # run_claims.sh's claim-6 arm, local/compare_encoders.sh's experiment dirs
