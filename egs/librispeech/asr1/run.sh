#!/usr/bin/env bash
# LibriSpeech + Libri-Light: the BigSSL / "Pushing the limits" system (README.md). Conformer XL
# pretrained with wav2vec 2.0 on Libri-Light's unlabeled audio (stages 44-46), fine-tuned with RNN-T
# on LibriSpeech 960 h (50), decoded on dev/test clean/other (60-70); NST generations on the same
# unlabeled audio with --nst_stop_iter K (75). The corpora: --local_data_opts (local/data.sh), e.g.
#   ./run.sh --local_data_opts "--librispeech_root /data --librilight_root /data --lm_text /data/librispeech-lm-norm.txt.gz"
# CTC instead of RNN-T:
#   ./run.sh --asr_config conf/train_asr_conformer_xl_ctc.yaml --inference_config conf/decode_ctc.yaml
# Without pretraining (supervised only): --pretrain_stop_iter 0 --asr_init_ssl_iter 0
# With the Transformer LM (stage 55) in decoding and in the NST teacher's labels, as the paper:
#   --lm_config conf/train_lm_transformer.yaml --use_lm true --inference_config conf/decode_rnnt_lm.yaml
#   --nst_decode_config conf/decode_rnnt_lm.yaml
# Tokens: a 1024-piece sentencepiece unigram model, the size of the paper's 1024-token wordpiece model.
# Libri-Light segments keep the pauses between voiced stretches (up to 60 s of voice each), so
# utterances may last up to 120 s here (--max_wav_duration).
set -euo pipefail
quoted_args=""
if [ $# -gt 0 ]; then quoted_args=$(printf ' %q' "$@"); fi
export BIGSSL_EXP_COMMAND="./run.sh${quoted_args}"  # written to exp/<x>/run_command (see pipeline.sh)
./pipeline.sh \
  --train_set train_960 --valid_set dev --test_sets "dev_clean dev_other test_clean test_other" \
  --nbpe 1024 --max_wav_duration 120 \
  --pretrain_config conf/ssl/pretrain_xl.yaml \
  --pretrain_sets librilight \
  --pretrain_stop_iter 1 --asr_init_ssl_iter 1 \
  --asr_config conf/train_asr_conformer_xl_rnnt.yaml --inference_config conf/decode_rnnt.yaml \
  --inference_model valid.loss.ave.pth \
  --nst_unlabeled_set librilight --nst_student_config conf/train_student_xl_rnnt.yaml \
  --results_title "LibriSpeech + Libri-Light: Conformer XL, wav2vec 2.0 pretraining, RNN-T" "$@"
