#!/usr/bin/env bash
# Noisy Student Training on the mini corpus (BigSSL's second half), for CTC and RNN-T models:
#   1. wav2vec 2.0 pretraining on train_unlabeled + train_labeled audio (stages 10-46);
#   2. the supervised-only baseline: Conformer-CTC from scratch on train_labeled (stages 20-70);
#   3. generation 0 (teacher): the pretrained encoder fine-tuned on train_labeled (stages 50-70);
#   4. generations 1..nst_stop_iter (stage 75): the teacher pseudo-labels train_unlabeled, the most
#      confident pseudo-labels are kept, and a student (initialized from the pretrained encoder,
#      SpecAugment, labeled:pseudo = 1:9 per batch) becomes the next generation's teacher;
#   5. the all-labels topline: the same student recipe on train_unlabeled's own transcripts
#      (kept aside by the corpus builder and used for nothing else but the filter's report);
#   6. RESULTS.md with the per-generation table, the filter reports and the WER plot.
#   ./run_nst.sh [--model_types "ctc rnnt"] [--nst_stop_iter 2] [--nst_filter_args "--keep_top_percent 80"]
set -euo pipefail
model_types="ctc rnnt"    # model types to run NST for (ctc, rnnt)
nst_stop_iter=2           # NST generations (students) per model type
nst_filter_args="--keep_top_percent 80"  # confidence filter (bigssl.bin.filter_pseudo options)
nst_student_args=""       # extra trainer options for the students
topline=true              # also train the all-labels topline
# RESULTS.md lists this command first, then the ./run.sh command of every experiment.
export BIGSSL_TOP_COMMAND="./run_nst.sh"
if [ $# -gt 0 ]; then BIGSSL_TOP_COMMAND+=$(printf ' %q' "$@"); fi
. utils/parse_options.sh  # before any work: a bad option fails here
. ./path.sh

ssl=(--pretrain_config conf/ssl/pretrain_mini.yaml --pretrain_sets "train_unlabeled train_labeled" --pretrain_stop_iter 1)
./run.sh --stop_stage 46 "${ssl[@]}"
./run.sh --stage 20 --stop_stage 70  # supervised-only baseline: exp/asr_train_asr_conformer_ctc

reference=data/local/unlabeled_reference/text
rows=(--row "supervised only (no pretraining)|CTC|exp/asr_train_asr_conformer_ctc")
for type in ${model_types}; do
  case "${type}" in
    ctc)  label=CTC; asr_config=conf/train_asr_conformer_ctc.yaml; tag=ssl_iter1_n1200
          decode=(--inference_config conf/decode_ctc.yaml --inference_model valid.cer_ctc.ave.pth) ;;
    rnnt) label=RNN-T; asr_config=conf/train_asr_conformer_rnnt.yaml; tag=rnnt_ssl_iter1_n1200
          decode=(--inference_config conf/decode_rnnt.yaml --inference_model valid.loss.ave.pth) ;;
    *) echo "$0: unknown model type '${type}' (ctc or rnnt)" >&2; exit 2 ;;
  esac
  nst=(--asr_config "${asr_config}" --asr_tag "${tag}" --asr_init_ssl_iter 1 --pretrain_model valid.loss.ave.pth "${decode[@]}"
       --nst_tag "${type}" --nst_unlabeled_set train_unlabeled --nst_student_config "conf/train_student_${type}.yaml"
       --nst_student_args "${nst_student_args}" --nst_filter_args "${nst_filter_args}" --nst_reference_text "${reference}")
  # generation 0 (stages 50-70), then generations 1..N (stage 75)
  ./run.sh --stage 50 --stop_stage 75 "${nst[@]}" --nst_stop_iter "${nst_stop_iter}"
  rows+=(--row "generation 0 (teacher: pretrained + fine-tuned)|${label}|exp/asr_${tag}")
  for k in $(seq 1 "${nst_stop_iter}"); do
    rows+=(--row "generation ${k} (student)|${label}|exp/nst_iter${k}_${type}|exp/nst_iter${k}_${type}/data/pseudo")
  done
  if [ "${topline}" = true ]; then
    ./run.sh --stage 75 --stop_stage 75 "${nst[@]}" --nst_stop_iter 1 --nst_labels reference
    rows+=(--row "topline: all labels (unlabeled set's true transcripts)|${label}|exp/nst_topline_${type}")
  fi
done

mkdir -p exp/results_sections figures
histograms=""
for type in ${model_types}; do
  cp "exp/nst_iter1_${type}/data/pseudo/filter/confidence_hist.png" "figures/nst_confidence_gen1_${type}.png"
  histograms+=" ![generation-1 pseudo-label confidence, ${type}](figures/nst_confidence_gen1_${type}.png)"
done
unlabeled_hours=$(python -m bigssl.bin.audio_hours data/train_unlabeled/wav.scp)
python -m bigssl.bin.nst_report --out exp/results_sections/nst.md --plot figures/nst_wer.png --test_set test "${rows[@]}" \
  --title "Noisy Student Training" \
  --note "Teacher of generation 1: the generation-0 model; of generation k: generation k-1's student. Unlabeled set: train_unlabeled (${unlabeled_hours} h), filtered with \`${nst_filter_args}\`. Students: encoder initialized from exp/ssl_iter1 (not from the teacher), adaptive SpecAugment, labeled:pseudo = 1:9 in every batch, 8 epochs x 170 steps of 10 utterances (conf/train_student_<type>.yaml; the teachers: 12 epochs of ~7-utterance batches, ~2000 steps, no SpecAugment). The topline trains the same student recipe on the unlabeled set's true transcripts.

${histograms}"
./run.sh --stage 80 --stop_stage 80
