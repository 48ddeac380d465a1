#!/usr/bin/env bash
# The mini encoder (conf/train_asr_conformer_ctc_anneal.yaml: 40 ms frames into a linear input layer,
# 5 blocks) against the one it replaced (conf/train_asr_conformer_ctc_anneal_conv2d.yaml: conv2d
# subsampling of 10 ms frames, 6 blocks), in the same wall time: both supervised on train_labeled side
# by side, one thread each, the cheaper one for --linear_epochs (the epochs its speed buys in the
# conv2d model's 12). Each has its own expdir (feature statistics depend on the frontend). Writes
# exp/results_sections/encoders.md: dev/test error rates, steps, audio and wall time of each.
#   local/compare_encoders.sh [--linear_epochs 24]
set -euo pipefail
linear_epochs=24         # epochs of the linear-input model (the conv2d one trains its config's 12)
. utils/parse_options.sh
. ./path.sh
. utils/run_lanes.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
[[ "${linear_epochs}" =~ ^[0-9]+$ ]] || { echo "$0: --linear_epochs must be a whole number, not '${linear_epochs}'" >&2; exit 2; }
./run.sh --stage 10 --stop_stage 30
lanes=$(mktemp)
{
  echo "./run.sh --stage 40 --stop_stage 70 --expdir exp_encoder_conv2d --asr_config conf/train_asr_conformer_ctc_anneal_conv2d.yaml --asr_tag conv2d_10ms"
  echo "./run.sh --stage 40 --stop_stage 70 --expdir exp_encoder_linear --asr_config conf/train_asr_conformer_ctc_anneal.yaml --asr_tag linear_40ms --asr_args '--max_epoch ${linear_epochs}'"
} > "${lanes}"
run_lanes "${lanes}" 2
rm -f "${lanes}"
mkdir -p exp/results_sections
flops=$(python - <<'PY'
import yaml
from bigssl.training.flops import training_gflops_per_audio_second as gflops
conv2d, linear = (
    gflops(yaml.safe_load(open(f"{d}/config.yaml")))
    for d in ("exp_encoder_conv2d/asr_conv2d_10ms", "exp_encoder_linear/asr_linear_40ms")
)
print(f"{conv2d:.3f} vs {linear:.3f} GFLOP ({conv2d / linear:.2f}x fewer)")
PY
)
python -m bigssl.bin.system_table --test_sets "dev test" --out exp/results_sections/encoders.md \
  --title "The mini encoder: conv2d over 10 ms frames vs a linear input layer over 40 ms frames, same wall time" \
  --note "Training FLOPs per audio second (bigssl.training.flops, encoder + CTC head, 3 s utterances): ${flops}." \
  --row "conv2d, 10 ms frames, 6 blocks (before)|exp_encoder_conv2d/asr_conv2d_10ms|exp_encoder_conv2d/asr_conv2d_10ms" \
  --row "linear, 40 ms frames, 5 blocks (now)|exp_encoder_linear/asr_linear_40ms|exp_encoder_linear/asr_linear_40ms"
cat exp/results_sections/encoders.md
