#!/usr/bin/env bash
# wav2vec 2.0 pretraining vs training from scratch on the mini corpus (BigSSL's first half).
#   1. pretrain the Conformer on train_unlabeled + train_labeled audio (stages 44-46, no text);
#   2. for each labeled-set size: train from scratch and fine-tune from the pretrained encoder,
#      same config, data and step budget (stages 20-70);
#   3. RESULTS.md with every experiment, the comparison table and the pretraining curve.
# Sizes are utterances of train_labeled; the full set reuses ./run.sh's experiment as its baseline.
#   ./run_ssl.sh [--labeled_sizes "300 1200"] [--pretrain_stop_iter 1] [--pretrain_args "--max_epoch 3"]
set -euo pipefail
labeled_sizes="300 1200"  # labeled-set sizes (utterances of train_labeled) to compare
pretrain_stop_iter=1      # pretraining iterations; fine-tuning starts from the last one
pretrain_args=""          # extra options for the pretraining trainer
asr_args=""               # extra options for the ASR trainer (scratch and fine-tuned runs)
# RESULTS.md lists this command first, then the ./run.sh command of every experiment.
export BIGSSL_TOP_COMMAND="./run_ssl.sh"
if [ $# -gt 0 ]; then BIGSSL_TOP_COMMAND+=$(printf ' %q' "$@"); fi
. utils/parse_options.sh
. ./path.sh

ssl=(--pretrain_config conf/ssl/pretrain_mini.yaml --pretrain_sets "train_unlabeled train_labeled"
     --pretrain_stop_iter "${pretrain_stop_iter}" --pretrain_args "${pretrain_args}")
./run.sh --stop_stage 46 "${ssl[@]}"

full=$(wc -l < data/train_labeled/wav.scp)
rows=()
for n in ${labeled_sizes}; do
  if [ "${n}" -ge "${full}" ]; then
    train_set=train_labeled; scratch_tag=train_asr_conformer_ctc
  else
    train_set="train_labeled_n${n}"; scratch_tag="scratch_n${n}"
    [ -f "data/${train_set}/wav.scp" ] || python -m bigssl.bin.subset_data_dir --src data/train_labeled --dst "data/${train_set}" --num "${n}"
  fi
  ./run.sh --stage 20 --stop_stage 70 --train_set "${train_set}" --asr_tag "${scratch_tag}" --asr_args "${asr_args}"
  ./run.sh --stage 20 --stop_stage 70 --train_set "${train_set}" --asr_tag "ssl_iter${pretrain_stop_iter}_n${n}" \
    --asr_init_ssl_iter "${pretrain_stop_iter}" --pretrain_model valid.loss.ave.pth --asr_args "${asr_args}"
  hours=$(python -m bigssl.bin.audio_hours "data/${train_set}/wav.scp")
  rows+=(--row "${n} utts (${hours} h)|exp/asr_${scratch_tag}|exp/asr_ssl_iter${pretrain_stop_iter}_n${n}")
done

mkdir -p exp/results_sections figures
cp "exp/ssl_iter${pretrain_stop_iter}/curve.png" figures/pretrain_curve.png
unlabeled_hours=$(python -m bigssl.bin.audio_hours dump/raw/ssl_train/wav.scp)
python -m bigssl.bin.compare_results --test_set test --out exp/results_sections/pretraining.md "${rows[@]}" \
  --note "Pretraining: ${unlabeled_hours} h of audio (train_unlabeled + train_labeled, no text), ${pretrain_stop_iter} iteration(s) of conf/ssl/pretrain_mini.yaml; see exp/ssl_iter${pretrain_stop_iter}/train_summary.json.

![wav2vec 2.0 pretraining curve (contrastive loss and accuracy of picking the positive; distractors come from the same utterance's other masked frames, about 30 for a 2.6 s utterance, so chance is about 3 %)](figures/pretrain_curve.png)"
./run.sh --stage 80 --stop_stage 80
