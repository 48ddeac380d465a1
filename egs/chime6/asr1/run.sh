#!/usr/bin/env bash
# CHiME-6 recipe (BigSSL, Zhang et al. 2021, arXiv:2109.13226): a wav2vec 2.0-pretrained Conformer
# XXL (42 blocks, d=1024, ~1 B parameters) fine-tuned with RNN-T on the worn-mic training data,
# evaluated on close-talk (worn) and far-field (one microphone of the reference array) dev/eval.
# The paper pretrains on YT-U (~900k h of unlabeled YouTube audio, private) and self-trains on
# YouTube before fine-tuning; here stage 46 pretrains on the CHiME-6 training audio (transcripts
# unused) unless you bring a bigger pretrained encoder as exp/ssl_iter1 (README.md).
# Corpus: set CHIME6_ROOT (environment or db.local.sh) or add --local_data_opts "--chime6_root DIR".
#   ./run.sh                                   # all stages (GPU: --ngpu 1 is set below)
#   ./run.sh --stage 10 --stop_stage 20        # data preparation and audio dump only
#   ./run.sh --asr_config conf/train_asr_conformer_xxl_ctc.yaml --inference_config conf/decode_ctc.yaml \
#            --inference_model valid.cer_ctc.ave.pth   # CTC instead of RNN-T
set -euo pipefail
quoted_args=""
if [ $# -gt 0 ]; then quoted_args=$(printf ' %q' "$@"); fi
export BIGSSL_EXP_COMMAND="./run.sh${quoted_args}"  # written to exp/<x>/run_command (see pipeline.sh)
ssl_conf="$(dirname "$(readlink -f pipeline.sh)")/conf/ssl"  # the shared model-size configs
./pipeline.sh \
  --train_set train_worn --valid_set dev_worn --test_sets "dev_worn eval_worn dev_array eval_array" \
  --asr_config conf/train_asr_conformer_xxl_rnnt.yaml --inference_config conf/decode_rnnt.yaml \
  --inference_model valid.loss.ave.pth \
  --pretrain_config "${ssl_conf}/pretrain_xxl.yaml" --pretrain_sets train_worn --pretrain_stop_iter 1 \
  --asr_init_ssl_iter 1 --ngpu 1 --nbpe 1024 \
  --results_title "CHiME-6: Conformer XXL (wav2vec 2.0) + RNN-T, worn-mic training" "$@"
