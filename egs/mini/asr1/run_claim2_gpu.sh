#!/usr/bin/env bash
# Claim 2 (pretraining helps more the fewer the labels) with the lever the CPU could not pull: pretraining
# compute. ./run_claim2_levers.sh pretrained 22 epochs of the pool (8400 steps of ~40 s batches) on one
# core; this pretrains the same encoder on a GPU for several times that audio, then repeats the claim-2
# comparison with it:
#   part 1 (GPU): wav2vec 2.0 pretraining from scratch into exp_gpu/ssl_iter1 (conf/ssl/pretrain_mini_gpu.yaml:
#          ~320 s batches, tristagelr annealed over epochs x iters_per_epoch steps), through the pipeline's
#          stage 46 with --ngpu; same pool audio, same feature statistics (exp/ssl_stats) as exp/ssl_iter*;
#   part 2 (CPU is enough): fine-tuning from it at 3, 10 and 30 % with run_claims.sh's recipe and seeds
#          (exp_gpu/asr_claims_pregpu_p<f>_s<seed>), the frozen-encoder probe at 10 %, two low-label
#          fine-tuning recipes at 3 % (encoder frozen for half the steps; encoder at 0.1x the learning rate), and a RESULTS.md
#          section (exp/results_sections/claims_gpu.md) with claim 2's computed verdict against the
#          from-scratch systems of exp/ (and the 22-epoch CPU pretraining beside it).
# Needs ./run_claims.sh --part 1 (pool splits, dump/raw/ssl_train, exp/ssl_stats) and, for part 2,
# ./run_claim2_levers.sh (the scratch and 22-epoch systems it is compared with).
#   ./run_claim2_gpu.sh --part 1 --ngpu 1 [--epochs 12] [--iters_per_epoch 400]
#   ./run_claim2_gpu.sh --part 2 [--jobs 2]
set -euo pipefail
part=all                # 1: GPU pretraining; 2: fine-tuning, probe and report; all: both
ngpu=1                  # GPUs of the pretraining (part 1)
epochs=12               # pretraining epochs (part 1)
iters_per_epoch=400     # optimizer steps per pretraining epoch; the schedule anneals over epochs x this
jobs=2                  # fine-tuning systems trained side by side (part 2; each one thread on a CPU)
seeds="1 2"             # fine-tuning seeds at every fraction (those of run_claims.sh / run_claim2_levers.sh)
extra_seeds="3 4 5 6"   # more seeds at 3 %, as run_claim2_levers.sh's
export BIGSSL_TOP_COMMAND="./run_claim2_gpu.sh"
if [ $# -gt 0 ]; then BIGSSL_TOP_COMMAND+=$(printf ' %q' "$@"); fi
. utils/parse_options.sh
. ./path.sh
. utils/run_lanes.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
case "${part}" in 1|2|all) ;; *) echo "$0: --part must be 1, 2 or all, not '${part}'" >&2; exit 2 ;; esac
for n in ngpu epochs iters_per_epoch jobs; do
  [[ "${!n}" =~ ^[0-9]+$ ]] || { echo "$0: --${n} must be a whole number, not '${!n}'" >&2; exit 2; }
done
log() { echo "$(date '+%Y-%m-%dT%H:%M:%S') (run_claim2_gpu) $*"; }
for needed in dump/raw/ssl_train/.done exp/ssl_stats/train/feats_stats.npz; do
  [ -e "${needed}" ] || { log "no ${needed}: run ./run_claims.sh --part 1 first"; exit 1; }
done
mkdir -p exp_gpu
[ -e exp_gpu/ssl_stats ] || ln -s ../exp/ssl_stats exp_gpu/ssl_stats  # features normalized as exp/ssl_iter*'s

if [ "${part}" != 2 ]; then
  [ "${ngpu}" -ge 1 ] || log "warning: --ngpu 0 pretrains on the CPU (a test of the script, not the lever)"
  log "pretraining exp_gpu/ssl_iter1: ${epochs} epochs x ${iters_per_epoch} steps on ${ngpu} GPU(s)"
  ./run.sh --expdir exp_gpu --stage 46 --stop_stage 46 --ngpu "${ngpu}" --pretrain_config conf/ssl/pretrain_mini_gpu.yaml \
    --pretrain_sets "train_unlabeled train_labeled" \
    --pretrain_start_iter 1 --pretrain_stop_iter 1 --pretrain_args \
    "--max_epoch ${epochs} --num_iters_per_epoch ${iters_per_epoch} --scheduler_conf max_steps=$(( epochs * iters_per_epoch ))"
fi
[ "${part}" != 1 ] || exit 0

[ -f exp_gpu/ssl_iter1/.done ] || { log "no exp_gpu/ssl_iter1/.done: run --part 1 on a GPU machine first"; exit 1; }
fractions="3 10 30"
for fraction in ${fractions}; do
  shared="asr_stats_pool_p${fraction}_bpe40"
  [ -e "exp/${shared}/.done" ] || { log "no exp/${shared}/.done: run ./run_claims.sh first"; exit 1; }
  [ -e "exp_gpu/${shared}" ] || ln -s "../exp/${shared}" "exp_gpu/${shared}"
done
asr_config=conf/train_asr_conformer_ctc_anneal.yaml
pretrained=(--expdir exp_gpu --asr_init_ssl_iter 1 --pretrain_model valid.loss.ave.pth)
epochs_for() { case "$1" in 3) echo 30 ;; 10) echo 14 ;; 30) echo 6 ;; esac; }  # as run_claims.sh
seeds_of() { if [ "$1" = 3 ]; then echo "${seeds} ${extra_seeds}"; else echo "${seeds}"; fi; }
lanes=$(mktemp)
{
  for seed in ${seeds} ${extra_seeds}; do
    for fraction in ${fractions}; do
      [[ " $(seeds_of "${fraction}") " == *" ${seed} "* ]] || continue
      printf '%q ' ./run.sh --stage 50 --stop_stage 70 --train_set "pool_p${fraction}" --asr_config "${asr_config}" \
        --asr_tag "claims_pregpu_p${fraction}_s${seed}" --test_sets "dev test" "${pretrained[@]}" \
        --asr_args "--max_epoch $(epochs_for "${fraction}") --seed ${seed}"
      echo
    done
  done
  # what pretraining put into the encoder: a linear CTC head on the frozen encoder (run_claim2_levers.sh's probe)
  printf '%q ' ./run.sh --stage 50 --stop_stage 70 --train_set pool_p10 --asr_config "${asr_config}" \
    --asr_tag lever_probe_pregpu_p10 --test_sets "dev test" "${pretrained[@]}" \
    --asr_args "--max_epoch 14 --seed 1 --freeze_param encoder"
  echo
  # wav2vec 2.0's low-label fine-tuning habits at 3 % (seed 1): the encoder frozen for the first half of the
  # steps, or at 0.1x the CTC head's learning rate
  for lever in "frz360:--freeze_encoder_steps 360" "elr01:--encoder_lr_scale 0.1"; do
    printf '%q ' ./run.sh --stage 50 --stop_stage 70 --train_set pool_p3 --asr_config "${asr_config}" \
      --asr_tag "lever_pregpu_p3_${lever%%:*}_s1" --test_sets "dev test" "${pretrained[@]}" \
      --asr_args "--max_epoch 30 --seed 1 ${lever#*:}"
    echo
  done
} > "${lanes}"
log "fine-tuning from exp_gpu/ssl_iter1 at ${fractions// / and } %, ${jobs} at a time"
run_lanes "${lanes}"
rm -f "${lanes}"

nolm="decode_decode_ctc_valid.cer_ctc.ave"
spec=exp/claims_gpu.yaml
steps=$(python -c "import json; print(json.load(open('exp_gpu/ssl_iter1/train_summary.json'))['steps'])")
passes=$(python -c "import json; print(round(json.load(open('exp_gpu/ssl_iter1/train_summary.json'))['data_passes']))")
{
  echo "title: \"Claim 2 with GPU pretraining: ${passes} passes over the pool (run_claim2_gpu.sh)\""
  echo "test_set: test"
  echo "claims: [2]"
  echo "fractions: [$(echo ${fractions} | tr ' ' ',')]"
  echo "roles:"
  for fraction in ${fractions}; do
    echo "  scratch_${fraction}:"
    for seed in $(seeds_of "${fraction}"); do echo "    - exp/asr_claims_scratch_p${fraction}_s${seed}/${nolm}"; done
    echo "  pretrained_${fraction}:"
    for seed in $(seeds_of "${fraction}"); do echo "    - exp_gpu/asr_claims_pregpu_p${fraction}_s${seed}/${nolm}"; done
    echo "  pretrained_22ep_cpu_${fraction}:"
    for seed in $(seeds_of "${fraction}"); do echo "    - exp/asr_claims_pre3_p${fraction}_s${seed}/${nolm}"; done
  done
  for tag in lever_probe_scratch_p10 lever_probe_pre3_p10; do echo "  ${tag}: [exp/asr_${tag}/${nolm}]"; done
  echo "  lever_probe_pregpu_p10: [exp_gpu/asr_lever_probe_pregpu_p10/${nolm}]"
  for lever in frz360 elr01; do echo "  lever_pregpu_p3_${lever}: [exp_gpu/asr_lever_pregpu_p3_${lever}_s1/${nolm}]"; done
  echo "notes:"
  echo "  2: \"pretraining from scratch on a GPU: ${steps} steps of ~320 s batches, ${passes} passes over the pool (exp_gpu/ssl_iter1, conf/ssl/pretrain_mini_gpu.yaml) vs 22 passes on the CPU (pretrained_22ep_cpu_* rows, exp/ssl_iter3); fine-tuning and seeds as run_claim2_levers.sh's; lever_probe_* rows: linear CTC head on the frozen encoder at 10 %, random vs 22 CPU epochs vs GPU; lever_pregpu_p3_* rows: at 3 % (seed 1) the encoder frozen for the first 360 of 720 steps (frz360) or at 0.1x the head's learning rate (elr01)\""
} > "${spec}"
mkdir -p exp/results_sections
python -m bigssl.bin.claims_report --spec "${spec}" --out exp/results_sections/claims_gpu.md
log "wrote exp/results_sections/claims_gpu.md; RESULTS.md next"
./run.sh --stage 80 --stop_stage 80 --results_title "mini (synthetic espeak-ng corpus): BigSSL's claims"
