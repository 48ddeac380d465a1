#!/usr/bin/env bash
# An NST variant beside the claims study (issue 22, item 5), on run_claims.sh's experiments (its
# pretraining exp/ssl_iter1, its 10 % labeled set and LM, its generation-1 unlabeled set; it starts
# once the study's CTC teachers exist), with every seed of --seeds: an RNN-T teacher (the pretrained encoder fine-tuned with an LSTM prediction
# network, the CTC teachers' schedule and steps), one NST generation (greedy pseudo-labels: ESPnet's
# transducer beam search with the LM is too slow to label 2400 utterances per seed here), every
# system decoded with the LM, and the same-steps control; judged as claim 3 is (generation 1 beats
# its teacher and the control).
# Writes exp/results_sections/nst_variants_rnnt.md (claims-style verdicts, bigssl.bin.claims_report).
#   local/nst_variants.sh [--seeds "1 2"]
set -euo pipefail
seeds="1 2"              # training seeds (verdicts pair them by seed and need two)
nst_fraction=10          # the teachers' labeled fraction (%), as run_claims.sh's --nst_fraction
nst_unlabeled_utts=2400  # as run_claims.sh's: generation 1's unlabeled set is pool_p<f>_unlabeled_n<N>
nst_filter_args="--keep_top_percent 80"  # as run_claims.sh's
jobs=2                   # systems side by side (each one thread)
. utils/parse_options.sh
. ./path.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
. utils/study.sh  # run_lanes, role
log() { echo "$(date '+%Y-%m-%dT%H:%M:%S') (nst_variants) $*"; }

unlabeled="pool_p${nst_fraction}_unlabeled_n${nst_unlabeled_utts}"
[ -f "dump/raw/${unlabeled}/.done" ] || { log "no dump/raw/${unlabeled}: run ./run_claims.sh --part 2 first"; exit 1; }
for seed in ${seeds}; do
  [ -f "exp/asr_claims_pre_p${nst_fraction}_s${seed}/.done" ] || { log "no CTC teacher exp/asr_claims_pre_p${nst_fraction}_s${seed}: run ./run_claims.sh first"; exit 1; }
done
common=(--train_set "pool_p${nst_fraction}" --feats_stats ssl --test_sets test --asr_init_ssl_iter 1
  --pretrain_model valid.loss.ave.pth --use_lm true --lm_config conf/train_lm.yaml)
rnnt=(--asr_config conf/train_asr_conformer_rnnt_anneal.yaml --inference_config conf/decode_rnnt_lm.yaml
  --inference_model valid.loss.ave.pth)
nst_opts() {  # nst_opts SEED: the stage-75 options of the RNN-T generation 1 on ${unlabeled}
  printf '%q ' --nst_unlabeled_set "${unlabeled}" --nst_stop_iter 1 --nst_nj 1 \
    --nst_decode_config conf/decode_rnnt_lm_label.yaml --nst_student_config conf/train_student_rnnt_from_teacher.yaml \
    --nst_student_init teacher --nst_student_args "--seed $1" \
    --nst_filter_args "${nst_filter_args}" --nst_reference_text "data/local/${unlabeled}_reference/text"
}
# The same-steps control: the teacher on its labels alone, the student recipe and step count (as run_claims.sh's)
labeled_count=$(wc -l < "data/pool_p${nst_fraction}/wav.scp")
control_steps=$(( (labeled_count + nst_unlabeled_utts * 8 / 10 + 9) / 10 ))

lanes=$(mktemp)
for seed in ${seeds}; do
  teacher="claims_rnnt_pre_p${nst_fraction}_s${seed}"
  echo "$(printf '%q ' ./run.sh --stage 50 --stop_stage 70 "${common[@]}" "${rnnt[@]}" --asr_tag "${teacher}" \
    --asr_args "--max_epoch 14 --seed ${seed}") && $(printf '%q ' ./run.sh --stage 75 --stop_stage 75 "${common[@]}" \
    "${rnnt[@]}" --asr_tag "${teacher}" --nst_tag "claims_rnnt_s${seed}") $(nst_opts "${seed}") && $(printf '%q ' \
    ./run.sh --stage 50 --stop_stage 70 "${common[@]}" --asr_config conf/train_student_rnnt_from_teacher.yaml \
    --inference_config conf/decode_rnnt_lm.yaml --inference_model valid.loss.ave.pth \
    --asr_tag "claims_rnnt_control_gen1_p${nst_fraction}_s${seed}" --asr_args "--init_param exp/${teacher}/valid.loss.ave.pth --nst_mix_ratio 0 --batch_type sorted --batch_size 10 --num_iters_per_epoch ${control_steps} --seed ${seed}")"
done > "${lanes}"
log "rnnt: ${jobs} at a time"
run_lanes "${lanes}"
rm -f "${lanes}"

# ---- the verdicts ---------------------------------------------------------------------------------
rnnt_withlm="decode_decode_rnnt_lm_valid.loss.ave_lm_train_lm_valid.loss.ave"
report() {  # report NAME TITLE CLAIMS (roles and the rest of the spec on stdin): write exp/nst_variants_NAME.yaml, judge it into a section
  local spec="exp/nst_variants_$1.yaml"
  { printf 'title: "%s"\ntest_set: test\nnst_fraction: %s\nclaims: [%s]\n' "$2" "${nst_fraction}" "$3"; cat; } > "${spec}"
  python -m bigssl.bin.claims_report --spec "${spec}" --out "exp/results_sections/nst_variants_$1.md"
  log "wrote exp/results_sections/nst_variants_$1.md"
}
mkdir -p exp/results_sections
{
  echo "roles:"
  role "nst_gen0_${nst_fraction}" "exp/asr_claims_rnnt_pre_p${nst_fraction}_sSEED/${rnnt_withlm}"
  role "nst_gen1_${nst_fraction}" "exp/nst_iter1_claims_rnnt_sSEED/${rnnt_withlm}"
  role "control_gen1_${nst_fraction}" "exp/asr_claims_rnnt_control_gen1_p${nst_fraction}_sSEED/${rnnt_withlm}"
  echo "notes:"
  echo "  3: \"RNN-T (LSTM prediction network, auxiliary CTC 0.3) from the pretrained encoder, 14 annealed epochs on the ${nst_fraction} % set; generation 1: the teacher labels (greedy, without the LM: conf/decode_rnnt_lm_label.yaml) ${nst_unlabeled_utts} utterances, top 80 % kept, conf/train_student_rnnt_from_teacher.yaml; control: the teacher on its labels alone with the student's recipe and steps\""
} | report rnnt "NST with RNN-T models (local/nst_variants.sh)" 3
