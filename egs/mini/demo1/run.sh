#!/usr/bin/env bash
# make demo: BigSSL's method end to end, small, on 2 CPU cores (~18 min here, ~20 with a fresh install).
# The mini recipe's corpus and configs (conf/ and local/ are egs/mini/asr1's), in a recipe dir of its
# own, so its data/, exp/ and RESULTS.md are its own:
#   1. the synthetic corpus, validation and tokenizer (stages 10-30);
#   2. wav2vec 2.0 pretraining of the Conformer on the audio of train_unlabeled + train_labeled
#      (stages 44-46, one short annealed budget), beside it the LSTM LM on text only (stage 55);
#   3. the teacher: the pretrained encoder fine-tuned with CTC on train_labeled (stages 40, 50);
#   4. the teacher decoded without and with the LM by shallow fusion (stages 60-70);
#   5. one Noisy Student generation (stage 75): the teacher + LM pseudo-labels part of
#      train_unlabeled, the confidence filter keeps the best, and a student (started from the
#      teacher, labeled:pseudo = 1:1 per batch, dropout as its noise) trains and is decoded with
#      the LM;
#   6. RESULTS.md, opened by the table of these three systems with their training cost (stage 80),
#      and the student + LM packed into a zip that stock ESPnet decodes (stage 90).
# Restartable: rerunning skips what is done. The demo runs the method; it does not judge it (no
# from-scratch or same-steps control, one seed): egs/mini/asr1/run_claims.sh does that.
#   ./run.sh [--pretrain_steps 300] [--finetune_epochs 8] [--student_epochs 2] [--unlabeled_utts 800]
set -euo pipefail
pretrain_steps=300       # wav2vec 2.0 pretraining updates (batches of ~40 s of audio), annealed over this budget
finetune_epochs=8        # teacher fine-tuning passes over train_labeled (160 updates each)
student_epochs=2         # student passes over labeled + kept pseudo-labeled utterances
unlabeled_utts=800       # utterances of train_unlabeled the teacher pseudo-labels (a seeded subset)
nst_filter_args="--keep_top_percent 80"  # confidence filter (bigssl.bin.filter_pseudo options)
num_procs=2              # processes per training (torchrun + ESPnet DDP over gloo: one per core)
local_data_opts=""       # local/data.sh options (default: the corpus egs/mini/asr1 builds)
pretrain_args=""         # extra options of the pretraining trainer (after the budget above)
asr_args=""              # extra options of the teacher's trainer (after --max_epoch)
lm_args=""               # extra options of the LM trainer
student_args=""          # extra options of the student's trainer (after --max_epoch)
# RESULTS.md lists this command first, then the ./pipeline.sh command of every experiment.
export BIGSSL_TOP_COMMAND="./run.sh"
if [ $# -gt 0 ]; then BIGSSL_TOP_COMMAND+=$(printf ' %q' "$@"); fi
. utils/parse_options.sh  # before any work: a bad option fails here
. ./path.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
for name in pretrain_steps finetune_epochs student_epochs unlabeled_utts num_procs; do
  [[ "${!name}" =~ ^[1-9][0-9]*$ ]] || { echo "$0: --${name} must be a positive integer, not '${!name}'" >&2; exit 2; }
done
log() { echo "$(date '+%Y-%m-%dT%H:%M:%S') (demo) $*"; }
. utils/run_lanes.sh  # run_lanes CMD_FILE: its commands side by side
start=$(date +%s)

# Pretraining: 4 epochs of pretrain_steps/4 updates, the tri-stage schedule annealed over all of them.
pretrain_epochs=4
pretrain_iters=$(( (pretrain_steps + pretrain_epochs - 1) / pretrain_epochs ))
lm_tag=train_lm
unlabeled="train_unlabeled_n${unlabeled_utts}"
expdir=exp
demo=(--train_set train_labeled --valid_set dev --test_sets "dev test" --nbpe 40
      --inference_config conf/decode_ctc.yaml --inference_model valid.cer_ctc.ave.pth
      --num_procs "${num_procs}" --local_data_opts "${local_data_opts}"
      --asr_config conf/train_asr_conformer_ctc_anneal.yaml --asr_tag demo_teacher --asr_init_ssl_iter 1
      --asr_args "--max_epoch ${finetune_epochs} ${asr_args}"
      --pretrain_config conf/ssl/pretrain_mini_anneal.yaml --pretrain_sets "train_unlabeled train_labeled"
      --pretrain_stop_iter 1 --pretrain_model valid.loss.ave.pth
      --pretrain_args "--max_epoch ${pretrain_epochs} --num_iters_per_epoch ${pretrain_iters} --scheduler_conf max_steps=$(( pretrain_epochs * pretrain_iters )) --num_att_plot 0 ${pretrain_args}"
      --lm_config conf/train_lm.yaml --lm_tag "${lm_tag}" --lm_args "${lm_args}"
      --results_title "mini (synthetic espeak-ng corpus): make demo, BigSSL's method small")
with_lm=(--use_lm true --inference_config conf/decode_ctc_lm.yaml --test_sets test)  # LM-fused beam search: test only
nst=(--nst_tag demo --nst_unlabeled_set "${unlabeled}" --nst_stop_iter 1
     --nst_student_config conf/train_student_ctc_from_teacher.yaml --nst_student_init teacher
     --nst_student_args "--max_epoch ${student_epochs} ${student_args}" --nst_filter_args "${nst_filter_args}"
     --nst_decode_config conf/decode_ctc_lm.yaml --nst_reference_text data/local/unlabeled_reference/text)

log "1/6 corpus, validation, tokenizer"
./pipeline.sh "${demo[@]}" --stop_stage 30
if [ ! -f "dump/raw/${unlabeled}/.done" ]; then  # the part of train_unlabeled that NST pseudo-labels
  python -m bigssl.bin.subset_data_dir --src data/train_unlabeled --dst "data/${unlabeled}" --num "${unlabeled_utts}"
  python -m bigssl.bin.validate_data_dir --src "data/${unlabeled}" --dst "dump/raw/${unlabeled}" --require_text false
  touch "dump/raw/${unlabeled}/.done"
fi

log "2/6 wav2vec 2.0 pretraining (${pretrain_steps} updates) | the LM"
lanes=$(mktemp)
{
  printf '%q ' ./pipeline.sh "${demo[@]}" --stage 40 --stop_stage 46; echo
  printf '%q ' ./pipeline.sh "${demo[@]}" --stage 55 --stop_stage 55; echo
} > "${lanes}"
run_lanes "${lanes}" 2

log "3/6 the teacher: the pretrained encoder fine-tuned with CTC (${finetune_epochs} epochs)"
./pipeline.sh "${demo[@]}" --stage 50 --stop_stage 50

log "4/6 the teacher decoded without | with the LM"
{
  printf '%q ' ./pipeline.sh "${demo[@]}" --stage 60 --stop_stage 70; echo
  printf '%q ' ./pipeline.sh "${demo[@]}" "${with_lm[@]}" --stage 60 --stop_stage 70; echo
} > "${lanes}"
run_lanes "${lanes}" 2
rm -f "${lanes}"

log "5/6 Noisy Student generation 1: LM-fused pseudo-labels of ${unlabeled}, filtered; the student"
./pipeline.sh "${demo[@]}" "${with_lm[@]}" "${nst[@]}" --stage 75 --stop_stage 75

log "6/6 RESULTS.md and the packed student"
teacher="${expdir}/asr_demo_teacher"
student="${expdir}/nst_iter1_demo"
lm_exp="${expdir}/lm_${lm_tag}_train_labeled_bpe40"
decode=decode_decode_ctc_valid.cer_ctc.ave
decode_lm=decode_decode_ctc_lm_valid.cer_ctc.ave_lm_${lm_tag}_valid.loss.ave
report="${student}/data/pseudo/filter/report.json"
kept=$(python - "${report}" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
counts, wer = report["counts"], (report.get("wer") or {}).get("kept")
print(f"{counts['kept']} of {counts['total']} kept" + (f", WER of the kept ones {wer['Err']:.1f} %" if wer else ""))
PY
)
python -m bigssl.bin.system_table --out "${expdir}/results_headline.md" --test_sets test \
  --title "The demo's systems (make demo: egs/mini/demo1/run.sh)" \
  --row "teacher: pretrained, fine-tuned with CTC, no LM|${teacher}/${decode}|${expdir}/ssl_iter1,${teacher}" \
  --row "teacher + LM (shallow fusion)|${teacher}/${decode_lm}|${expdir}/ssl_iter1,${teacher},${lm_exp}" \
  --row "student, NST generation 1, + LM|${student}/${decode_lm}|${expdir}/ssl_iter1,${teacher},${lm_exp},${student}" \
  --note "Labeled: train_labeled ($(python -m bigssl.bin.audio_hours data/train_labeled/wav.scp) h). Pretraining: the audio of train_unlabeled + train_labeled, ${pretrain_steps} updates (\`${expdir}/ssl_iter1\`). The student learned from the teacher + LM's pseudo-labels of ${unlabeled} (${kept} by \`${nst_filter_args}\`; report: \`${student}/data/pseudo/filter/report.md\`), mixed 1:1 with the labeled data, ${student_epochs} passes, started from the teacher (\`conf/train_student_ctc_from_teacher.yaml\`). The training column adds up what each system needed (pseudo-labeling and decoding not counted). One seed and no controls: this shows the method running, not its size; egs/mini/asr1/run_claims.sh measures the claims."
./pipeline.sh "${demo[@]}" "${with_lm[@]}" --pack_exp "${student}" --stage 80 --stop_stage 90
log "done in $(( ($(date +%s) - start) / 60 )) min: RESULTS.md (the table first); the packed student: ${student}/*.zip"
