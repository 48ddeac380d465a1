#!/usr/bin/env bash
# Claim 6 (unlabeled audio of a new domain cuts error on that domain without its labels) did not hold in
# ./run_claims.sh, where the flite-voiced audio entered through NST only. This runs the lever left: the
# flite audio in pretraining as well (BigSSL pretrains on diverse unlabeled audio), then NST on top.
#   1. pretraining iteration 3 again (exp_xflite/ssl_iter3): from iteration 2 (exp/ssl_iter2), with the
#      unlabeled flite audio added to the pretraining sets and the same budget as exp/ssl_iter3 (10 epochs
#      of 380 steps, conf/ssl/pretrain_mini_anneal.yaml); its feature statistics include the flite audio;
#   2. fine-tuning at 10 % (claims_pre3x_p10_s<seed>), as run_claim2_levers.sh's claims_pre3_p10_s<seed>,
#      which is the same system without the flite audio;
#   3. with --nst true: one NST generation from each seed-1 system, as run_claims.sh's (LM-fused
#      pseudo-labels, top 80 %, students from their teacher): the espeak-only teacher labels the pool's
#      rest (exp/nst_iter1_claims_pre3), the flite-pretrained teacher the pool's rest + the flite audio
#      (exp_xflite/nst_iter1_claims_pre3x_xflite);
#   4. a RESULTS.md section (exp/results_sections/claims_xflite.md) with claim 6's computed verdict: with
#      vs without the flite audio on the flite test set (with --nst true the pretraining + NST systems,
#      otherwise the fine-tuned ones), every system also scored on the espeak-ng test set; with --nst true
#      also claims 1 and 3 again from the espeak-only side (the lever of a better teacher: the 22-epoch
#      pretrained system, decoded with the LM as its students are, and nst_generations generations).
# Needs ./run_claims.sh and ./run_claim2_levers.sh first (the pool splits, the LM, exp/ssl_iter2, the pre3 systems).
#   ./run_claim6_levers.sh [--jobs 2] [--seeds "1 2"] [--nst true] [--nst_generations 2] [--pretrain_args "--num_iters_per_epoch 380"]
set -euo pipefail
jobs=2                              # systems trained side by side (each one thread)
seeds="1 2"                         # fine-tuning seeds at 10 % (those of claims_pre3_p10_s<seed>)
nst=true                            # also one NST generation on each side (claim 6 through pretraining and NST)
nst_generations=2                   # NST generations on the espeak-only side (claims 1 and 3 with the 22-epoch teacher)
pretrain_args="--num_iters_per_epoch 380"  # the steps of exp/ssl_iter3 (its 10 epochs of 380 batches)
export BIGSSL_TOP_COMMAND="./run_claim6_levers.sh"
if [ $# -gt 0 ]; then BIGSSL_TOP_COMMAND+=$(printf ' %q' "$@"); fi
. utils/parse_options.sh
. ./path.sh
. utils/run_lanes.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
case "${nst}" in true|false) ;; *) echo "$0: --nst must be true or false, not '${nst}'" >&2; exit 2 ;; esac
log() { echo "$(date '+%Y-%m-%dT%H:%M:%S') (run_claim6_levers) $*"; }
first_seed=${seeds%% *}
lm=lm_train_lm_pool_p10_bpe40
for needed in exp/ssl_iter2/.done data/train_unlabeled_flite/wav.scp dump/raw/pool_p10_unlabeled_xflite/.done \
              exp/asr_stats_pool_p10_bpe40/.done "exp/${lm}/.done" "exp/asr_claims_pre3_p10_s${first_seed}/.done"; do
  [ -e "${needed}" ] || { log "no ${needed}: run ./run_claims.sh and ./run_claim2_levers.sh first"; exit 1; }
done

# exp_xflite/ shares with exp/ what does not depend on the pretraining audio: iteration 2 (the start), the
# 10 % split's shapes and the LM; dump_xflite/ holds the pretraining sets (dump/'s plus the flite audio).
mkdir -p exp_xflite dump_xflite/raw
for shared in ssl_iter2 asr_stats_pool_p10_bpe40 "${lm}"; do
  [ -e "exp_xflite/${shared}" ] || ln -s "../exp/${shared}" "exp_xflite/${shared}"
done
for dset in train_unlabeled train_labeled dev; do
  [ -e "dump_xflite/raw/${dset}" ] || ln -s "../../dump/raw/${dset}" "dump_xflite/raw/${dset}"
done
log "pretraining iteration 3 with the flite audio (exp_xflite/ssl_iter3)"
./run.sh --expdir exp_xflite --dumpdir dump_xflite --stage 44 --stop_stage 46 \
  --pretrain_config conf/ssl/pretrain_mini_anneal.yaml --pretrain_sets "train_unlabeled train_labeled train_unlabeled_flite" \
  --pretrain_start_iter 3 --pretrain_stop_iter 3 --pretrain_args "${pretrain_args}"

asr_config=conf/train_asr_conformer_ctc_anneal.yaml
pretrained=(--asr_init_ssl_iter 3 --pretrain_model valid.loss.ave.pth)
lm_decode=(--use_lm true --lm_config conf/train_lm.yaml --inference_config conf/decode_ctc_lm.yaml)
lanes=$(mktemp)
for seed in ${seeds}; do
  printf '%q ' ./run.sh --expdir exp_xflite --stage 50 --stop_stage 70 --train_set pool_p10 --asr_config "${asr_config}" \
    --asr_tag "claims_pre3x_p10_s${seed}" --test_sets "dev test test_flite" "${pretrained[@]}" \
    --asr_args "--max_epoch 14 --seed ${seed}"
  echo
done > "${lanes}"
log "fine-tuning the flite-pretrained encoder at 10 % (seeds ${seeds}), ${jobs} at a time"
run_lanes "${lanes}"
nst_run() {  # nst_run EXPDIR TEACHER_TAG NST_TAG UNLABELED_SET GENERATIONS: NST generations 1..GENERATIONS, as run_claims.sh's
  printf '%q ' ./run.sh --expdir "$1" --stage 75 --stop_stage 75 --train_set pool_p10 --asr_config "${asr_config}" \
    --asr_tag "$2" --test_sets "dev test test_flite" "${pretrained[@]}" "${lm_decode[@]}" \
    --nst_decode_config conf/decode_ctc_lm.yaml --nst_tag "$3" --nst_unlabeled_set "$4" --nst_stop_iter "$5" \
    --nst_student_config conf/train_student_ctc_from_teacher.yaml --nst_student_init teacher \
    --nst_student_args "" --nst_filter_args "--keep_top_percent 80" --nst_nj 1 \
    --nst_reference_text "data/local/$4_reference/text"
  echo
}
if [ "${nst}" = true ]; then
  log "the two teachers decoded with the LM (generation 0 of each side)"
  ./run.sh --stage 60 --stop_stage 70 --train_set pool_p10 --asr_config "${asr_config}" --asr_tag "claims_pre3_p10_s${first_seed}" \
    --test_sets "dev test test_flite" "${pretrained[@]}" "${lm_decode[@]}"
  ./run.sh --expdir exp_xflite --stage 60 --stop_stage 70 --train_set pool_p10 --asr_config "${asr_config}" \
    --asr_tag "claims_pre3x_p10_s${first_seed}" --test_sets "dev test test_flite" "${pretrained[@]}" "${lm_decode[@]}"
  {
    nst_run exp "claims_pre3_p10_s${first_seed}" claims_pre3 pool_p10_unlabeled "${nst_generations}"
    nst_run exp_xflite "claims_pre3x_p10_s${first_seed}" claims_pre3x_xflite pool_p10_unlabeled_xflite 1
  } > "${lanes}"
  log "NST: ${nst_generations} generation(s) on the espeak-only side, 1 with the flite audio, ${jobs} at a time"
  run_lanes "${lanes}"
fi
rm -f "${lanes}"

nolm="decode_decode_ctc_valid.cer_ctc.ave"
withlm="decode_decode_ctc_lm_valid.cer_ctc.ave_lm_train_lm_valid.loss.ave"
exps() {  # exps DIR_PATTERN DECODE: the YAML list of DIR_PATTERN (SEED replaced by each seed)/DECODE
  local out=() seed
  for seed in ${seeds}; do out+=("${1//SEED/${seed}}/$2"); done
  (IFS=,; echo "[${out[*]}]")
}
finetuned_without=$(exps exp/asr_claims_pre3_p10_sSEED "${nolm}")
finetuned_with=$(exps exp_xflite/asr_claims_pre3x_p10_sSEED "${nolm}")
nst_without="[exp/nst_iter1_claims_pre3/${withlm}]"
nst_with="[exp_xflite/nst_iter1_claims_pre3x_xflite/${withlm}]"
spec=exp/claims_xflite.yaml
{
  echo "title: \"Claim 6 with the flite audio in pretraining$([ "${nst}" = true ] && echo " and NST, claims 1 and 3 with the 22-epoch teacher") (run_claim6_levers.sh)\""
  echo "test_set: test"
  if [ "${nst}" = true ]; then echo "claims: [1, 3, 6]"; else echo "claims: [6]"; fi
  echo "roles:"
  if [ "${nst}" = true ]; then
    echo "  supervised_100: [exp/asr_claims_scratch_p100_s1/${withlm}]"
    echo "  nst_gen0_10: [exp/asr_claims_pre3_p10_s${first_seed}/${withlm}]"
    for k in $(seq 1 "${nst_generations}"); do echo "  nst_gen${k}_10: [exp/nst_iter${k}_claims_pre3/${withlm}]"; done
    echo "  teacher_with_flite: {exps: [exp_xflite/asr_claims_pre3x_p10_s${first_seed}/${withlm}], test_set: test_flite}"
    echo "  teacher_without_flite: {exps: [exp/asr_claims_pre3_p10_s${first_seed}/${withlm}], test_set: test_flite}"
    echo "  crossdomain_without: {exps: ${nst_without}, test_set: test_flite}"
    echo "  crossdomain_with: {exps: ${nst_with}, test_set: test_flite}"
    echo "  nst_without_flite_espeak_test: ${nst_without}"
    echo "  nst_with_flite_espeak_test: ${nst_with}"
    echo "  finetuned_without_flite: {exps: ${finetuned_without}, test_set: test_flite}"
    echo "  finetuned_with_flite: {exps: ${finetuned_with}, test_set: test_flite}"
  else
    echo "  crossdomain_without: {exps: ${finetuned_without}, test_set: test_flite}"
    echo "  crossdomain_with: {exps: ${finetuned_with}, test_set: test_flite}"
  fi
  echo "  finetuned_without_flite_espeak_test: ${finetuned_without}"
  echo "  finetuned_with_flite_espeak_test: ${finetuned_with}"
  echo "notes:"
  if [ "${nst}" = true ]; then
    echo "  1: \"the teacher pretrained 22 epochs (iteration 3) instead of 6 (./run_claims.sh's table), ${nst_generations} NST generation(s)\""
    echo "  3: \"generation 0 is the 22-epoch pretrained teacher (./run_claims.sh's: 6 epochs), decoded with the same LM as its students\""
  fi
  echo "  6: \"flite audio (1200 unlabeled utterances, 0.89 h) added to the pretraining audio for pretraining iteration 3 (same start, schedule and steps as exp/ssl_iter3, 22 epochs in all)$([ "${nst}" = true ] && echo ", then one NST generation whose unlabeled set includes it (with: the flite-pretrained teacher on the pool's rest + flite; without: the espeak-only teacher on the pool's rest)"). Seen in ./run_claims.sh: the flite audio through NST only. finetuned_* rows: the pretrained encoders fine-tuned at 10 % without NST (no-LM decodes, seeds ${seeds}); *_espeak_test rows: the same systems on the espeak-ng test set\""
} > "${spec}"
mkdir -p exp/results_sections
python -m bigssl.bin.claims_report --spec "${spec}" --out exp/results_sections/claims_xflite.md
log "wrote exp/results_sections/claims_xflite.md; RESULTS.md next"
./run.sh --stage 80 --stop_stage 80 --results_title "mini (synthetic espeak-ng corpus): BigSSL's claims"
