#!/usr/bin/env bash
# Claim 2 (pretraining helps more the fewer the labels) did not hold in ./run_claims.sh; this runs
# the levers tried since, each a restartable ./run.sh experiment, and writes a RESULTS.md section:
#   1. fine-tuning recipes at 10 % (seed 1) from the 6-epoch pretraining: the encoder frozen for the
#      first 300 of ~1130 steps (wav2vec 2.0's freeze_finetune_updates), or given 0.3x the CTC
#      head's learning rate (the paper's separate encoder/decoder rates);
#   2. what pretraining put into the encoder: a linear CTC head on the frozen encoder
#      (--freeze_param encoder), random weights vs pretrained (6 and 12 epochs, and 6 epochs with
#      wav2vec 2.0's quantized targets instead of BigSSL's linear ones, in exp_quant/);
#   3. longer pretraining: iteration 2, 6 more epochs from iteration 1 (12 in all), then from
#      scratch vs pretrained again at 3, 10 and 30 % (the scratch systems are run_claims.sh's);
#   4. longer and annealed: iteration 3, 10 more epochs from iteration 2 (22 in all) with a schedule
#      that decays to 2 % of its peak (conf/ssl/pretrain_mini_anneal.yaml, tristagelr) instead of
#      warmuplr's inverse square root, then the same comparison and the frozen-encoder probe.
# Needs ./run_claims.sh --part 1 first (the pool splits, pretraining iteration 1, the scratch systems).
#   ./run_claim2_levers.sh [--jobs 2] [--pretrain2_args "--max_epoch 6"] [--pretrain3_args ""] [--extra_seeds "3 4 5 6"] [--large_extra_seeds "2"]
set -euo pipefail
jobs=2                              # systems trained side by side (each one thread)
pretrain2_args="--max_epoch 6"      # pretraining iteration 2 (initialized from iteration 1)
pretrain3_args=""                   # pretraining iteration 3 (from iteration 2; its config anneals over 10 epochs)
fractions="3 10 30"                 # labeled fractions (%) compared after the longer pretraining
seeds="1 2"                         # seeds of the systems at fractions <= 10 % (larger ones: the first)
extra_seeds="3 4 5 6"               # more seeds of scratch vs 22-epoch pretrained at the smallest fraction
large_extra_seeds="2"               # more seeds of scratch vs 22-epoch pretrained at fractions > 10 % (seed 1 is run_claims.sh's)
export BIGSSL_TOP_COMMAND="./run_claim2_levers.sh"
if [ $# -gt 0 ]; then BIGSSL_TOP_COMMAND+=$(printf ' %q' "$@"); fi
. utils/parse_options.sh
. ./path.sh
. utils/run_lanes.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
log() { echo "$(date '+%Y-%m-%dT%H:%M:%S') (run_claim2_levers) $*"; }
[ -f exp/ssl_iter1/.done ] && [ -f data/pool_p10/.done ] || { log "run ./run_claims.sh --part 1 first"; exit 1; }

asr_config=conf/train_asr_conformer_ctc_anneal.yaml
epochs_for() { case "$1" in 3) echo 30 ;; 10) echo 14 ;; 30) echo 6 ;; *) echo $(( 1 + 300 / $1 )) ;; esac; }  # as run_claims.sh
seeds_for() { if [ "$1" -le 10 ]; then echo "${seeds}"; else echo "${seeds%% *}"; fi; }
smallest=${fractions%% *}
# seeds_of INIT FRACTION: the seeds compared for claim 2. Scratch and pre3 get extra_seeds at the smallest fraction,
# where the seed-to-seed spread of test CER (~4 points with 2 seeds) is larger than the effect measured, and
# large_extra_seeds above 10 %, so that every fraction has at least two.
seeds_of() {
  if [ "$1" = pre2 ]; then seeds_for "$2"
  elif [ "$2" = "${smallest}" ]; then echo "$(seeds_for "$2") ${extra_seeds}"
  elif [ "$2" -gt 10 ]; then echo "$(seeds_for "$2") ${large_extra_seeds}"
  else seeds_for "$2"; fi
}
lever() {  # lever TAG INIT EXTRA_TRAINER_OPTIONS: a 10 % seed-1 system with one fine-tuning change (INIT: scratch, pre, pre2)
  local tag=$1 init=$2 opts=(); shift 2
  [ "${init}" = pre ] && opts=(--asr_init_ssl_iter 1 --pretrain_model valid.loss.ave.pth)
  [ "${init}" = pre2 ] && opts=(--asr_init_ssl_iter 2 --pretrain_model valid.loss.ave.pth)
  [ "${init}" = pre3 ] && opts=(--asr_init_ssl_iter 3 --pretrain_model valid.loss.ave.pth)
  printf '%q ' ./run.sh --stage 50 --stop_stage 70 --train_set pool_p10 --asr_config "${asr_config}" --asr_tag "${tag}" \
    --test_sets "dev test" "${opts[@]}" --asr_args "--max_epoch 14 --seed 1 $*"
  echo
}
system() {  # system INIT FRACTION SEED: one scored claim-2 system (INIT: scratch, pre2, pre3), as run_claims.sh's
  local init=$1 fraction=$2 seed=$3 opts=()
  [ "${init}" = scratch ] || opts=(--asr_init_ssl_iter "${init#pre}" --pretrain_model valid.loss.ave.pth)
  printf '%q ' ./run.sh --stage 50 --stop_stage 70 --train_set "pool_p${fraction}" --asr_config "${asr_config}" \
    --asr_tag "claims_${init}_p${fraction}_s${seed}" --test_sets "dev test test_flite" "${opts[@]}" \
    --asr_args "--max_epoch $(epochs_for "${fraction}") --seed ${seed}"
  echo
}
lanes=$(mktemp)
{
  printf '%q ' ./run.sh --stage 46 --stop_stage 46 --pretrain_config conf/ssl/pretrain_mini.yaml \
    --pretrain_sets "train_unlabeled train_labeled" --pretrain_start_iter 2 --pretrain_stop_iter 2 --pretrain_args "${pretrain2_args}"
  echo
  lever lever_pre_p10_frz300 pre --freeze_encoder_steps 300
  lever lever_pre_p10_elr03 pre --encoder_lr_scale 0.3
  lever lever_probe_pre_p10 pre --freeze_param encoder
  lever lever_probe_scratch_p10 scratch --freeze_param encoder
} > "${lanes}"
log "pretraining iteration 2 and the fine-tuning levers, ${jobs} at a time"
run_lanes "${lanes}"
for fraction in ${fractions}; do
  for seed in $(seeds_for "${fraction}"); do system pre2 "${fraction}" "${seed}"; done
done > "${lanes}"
lever lever_probe_pre2_p10 pre2 --freeze_param encoder >> "${lanes}"
# wav2vec 2.0's original quantized targets (conf/ssl/pretrain_mini_quantizer.yaml), 6 epochs in an exp dir
# of their own (exp_quant; pretraining statistics shared), then the same frozen-encoder probe
mkdir -p exp_quant
[ -e exp_quant/ssl_stats ] || ln -s ../exp/ssl_stats exp_quant/ssl_stats
{
  printf '%q ' ./run.sh --expdir exp_quant --stage 46 --stop_stage 46 --pretrain_config conf/ssl/pretrain_mini_quantizer.yaml \
    --pretrain_sets "train_unlabeled train_labeled" --pretrain_stop_iter 1 --pretrain_args "--max_epoch 6"
  printf '&& '
  printf '%q ' ./run.sh --expdir exp_quant --stage 40 --stop_stage 70 --train_set pool_p10 --asr_config "${asr_config}" \
    --asr_tag lever_probe_quant_p10 --test_sets "dev test" --asr_init_ssl_iter 1 --pretrain_model valid.loss.ave.pth \
    --asr_args "--max_epoch 14 --seed 1 --freeze_param encoder"
  echo
} >> "${lanes}"
log "fine-tuning from the 12-epoch pretraining, ${jobs} at a time"
run_lanes "${lanes}"
log "pretraining iteration 3 (10 annealed epochs from iteration 2)"
./run.sh --stage 46 --stop_stage 46 --pretrain_config conf/ssl/pretrain_mini_anneal.yaml \
  --pretrain_sets "train_unlabeled train_labeled" --pretrain_start_iter 3 --pretrain_stop_iter 3 --pretrain_args "${pretrain3_args}"
for fraction in ${fractions}; do
  for seed in $(seeds_for "${fraction}"); do system pre3 "${fraction}" "${seed}"; done
done > "${lanes}"
lever lever_probe_pre3_p10 pre3 --freeze_param encoder >> "${lanes}"
log "fine-tuning from the 22-epoch annealed pretraining, ${jobs} at a time"
run_lanes "${lanes}"
{
  for fraction in ${fractions}; do
    [ "${fraction}" -gt 10 ] || continue
    for seed in ${large_extra_seeds}; do
      for init in scratch pre3; do system "${init}" "${fraction}" "${seed}"; done
    done
  done
  for seed in ${extra_seeds}; do
    for init in scratch pre3; do system "${init}" "${smallest}" "${seed}"; done
  done
} > "${lanes}"
log "extra seeds of scratch and 22-epoch pretrained (${smallest} %: ${extra_seeds}; above 10 %: ${large_extra_seeds}), ${jobs} at a time"
run_lanes "${lanes}"
# the low-label lever: the students' adaptive SpecAugment in fine-tuning, scratch and 22-epoch pretrained, at the
# smallest fraction (seeds 1 and 2), then with 3x the updates (seed 1): does SpecAugment pay off once it has the steps?
specaug_system() {  # specaug_system TAG INIT SEED EPOCHS: one such system (INIT: scratch or pre3)
  local opts=(); [ "$2" = scratch ] || opts=(--asr_init_ssl_iter 3 --pretrain_model valid.loss.ave.pth)
  printf '%q ' ./run.sh --stage 50 --stop_stage 70 --train_set "pool_p${smallest}" \
    --asr_config conf/train_asr_conformer_ctc_anneal_specaug.yaml --asr_tag "$1_$2_p${smallest}_s$3" \
    --test_sets "dev test" "${opts[@]}" --asr_args "--max_epoch $4 --seed $3"
  echo
}
for seed in ${seeds}; do
  for init in scratch pre3; do specaug_system lever_specaug "${init}" "${seed}" "$(epochs_for "${smallest}")"; done
done > "${lanes}"
log "SpecAugment in fine-tuning at ${smallest} %, ${jobs} at a time"
run_lanes "${lanes}"
for init in scratch pre3; do specaug_system lever_specaug90 "${init}" 1 "$(( 3 * $(epochs_for "${smallest}") ))"; done > "${lanes}"
log "SpecAugment in fine-tuning at ${smallest} % with 3x the epochs, ${jobs} at a time"
run_lanes "${lanes}"
rm -f "${lanes}"

nolm="decode_decode_ctc_valid.cer_ctc.ave"
spec=exp/claims_levers.yaml
{
  echo "title: \"Claim 2 after the levers: 22 epochs of pretraining, the last 10 annealed (run_claim2_levers.sh)\""
  echo "test_set: test"
  echo "claims: [2]"
  echo "fractions: [$(echo ${fractions} | tr ' ' ',')]"
  echo "roles:"
  for fraction in ${fractions}; do
    for init in scratch pre3 pre2; do
      case "${init}" in
        scratch) role="scratch_${fraction}" ;;
        pre3) role="pretrained_${fraction}" ;;             # the verdict's pretrained system: 22 epochs
        pre2) role="pretrained_12ep_${fraction}" ;;        # shown beside it: 12 epochs (iteration 2)
      esac
      echo "  ${role}:"
      for seed in $(seeds_of "${init}" "${fraction}"); do echo "    - exp/asr_claims_${init}_p${fraction}_s${seed}/${nolm}"; done
    done
  done
  for tag in claims_scratch_p10_s1 claims_pre_p10_s1 lever_pre_p10_frz300 lever_pre_p10_elr03 lever_probe_scratch_p10 lever_probe_pre_p10 lever_probe_pre2_p10 lever_probe_pre3_p10; do
    echo "  ${tag}: [exp/asr_${tag}/${nolm}]"
  done
  echo "  lever_probe_quant_p10: [exp_quant/asr_lever_probe_quant_p10/${nolm}]"
  for init in scratch pre3; do
    echo "  lever_specaug_${init}_p${smallest}:"
    for seed in ${seeds}; do echo "    - exp/asr_lever_specaug_${init}_p${smallest}_s${seed}/${nolm}"; done
    echo "  lever_specaug90_${init}_p${smallest}: [exp/asr_lever_specaug90_${init}_p${smallest}_s1/${nolm}]"
  done
  echo "notes:"
  echo "  2: \"pretraining 6 -> 12 epochs (iteration 2) -> 22 epochs, the last 10 annealed (iteration 3; pretrained_12ep_* rows below are iteration 2); more seeds of scratch vs 22 epochs (${smallest} %: $(echo $(seeds_of pre3 "${smallest}") | wc -w), above 10 %: $(echo $(seeds_of pre3 "${fractions##* }") | wc -w)). Also tried at 10 %, seed 1 (lever_* rows below, from the 6-epoch pretraining): encoder frozen for the first 300 steps; encoder learning rate x0.3; at ${smallest} %, seeds 1-2, the students' adaptive SpecAugment in fine-tuning (lever_specaug_* rows; lever_specaug90_*: 3x the epochs, seed 1); linear CTC head on the frozen encoder, random vs pretrained 6, 12 and 22 epochs and 6 epochs with wav2vec 2.0's quantized targets\""
} > "${spec}"
mkdir -p exp/results_sections
python -m bigssl.bin.claims_report --spec "${spec}" --out exp/results_sections/claims_levers.md
log "wrote exp/results_sections/claims_levers.md; RESULTS.md next"
./run.sh --stage 80 --stop_stage 80 --results_title "mini (synthetic espeak-ng corpus): BigSSL's claims"
