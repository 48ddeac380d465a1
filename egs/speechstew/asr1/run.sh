#!/usr/bin/env bash
# SpeechStew (Chan et al. 2021, arXiv:2104.02133) as BigSSL fine-tunes it (Zhang et al. 2021,
# arXiv:2109.13226): AMI, Broadcast News, Common Voice, LibriSpeech, Switchboard/Fisher, TED-LIUM 3
# and WSJ mixed into one training set; a Conformer XL pretrained with wav2vec 2.0 (stages 44-46, on
# the mix's own audio unless --pretrain_sets says otherwise) fine-tuned with RNN-T (50) and scored
# on every corpus's dev and test sets (60-70; Hub5'00 SWBD/CallHome with --eval2000_root). E.g.
#   ./run.sh --local_data_opts "--librispeech_root /data --tedlium3_root /data --wsj_root /data/wsj"
# Conformer XXL: --asr_config conf/train_asr_conformer_xxl_rnnt.yaml --pretrain_config conf/ssl/pretrain_xxl.yaml
# Stage 10 decides which corpora are present, so the test sets are read from what it wrote
# (data/speechstew_test_sets); --test_sets overrides them.
set -euo pipefail
quoted_args=""
if [ $# -gt 0 ]; then quoted_args=$(printf ' %q' "$@"); fi
export BIGSSL_EXP_COMMAND="./run.sh${quoted_args}"  # written to exp/<x>/run_command (see pipeline.sh)
opts=(
  --train_set train_speechstew --valid_set dev_speechstew
  --nbpe 1024
  --pretrain_config conf/ssl/pretrain_xl.yaml --pretrain_sets train_speechstew
  --pretrain_stop_iter 1 --asr_init_ssl_iter 1
  --asr_config conf/train_asr_conformer_xl_rnnt.yaml --inference_config conf/decode_rnnt.yaml
  --inference_model valid.loss.ave.pth
  --results_title "SpeechStew: Conformer + RNN-T on AMI, BN, Common Voice, LibriSpeech, SWBD/Fisher, TED-LIUM 3, WSJ"
)
sets_file=data/speechstew_test_sets
case " $* " in *" --help "*|*" -h "*) exec ./pipeline.sh "${opts[@]}" --test_sets "${sets_file}" "$@" ;; esac
if [ ! -s "${sets_file}" ]; then  # stage 10 first (nothing runs if --stage is above 10)
  ./pipeline.sh "${opts[@]}" --test_sets "${sets_file}" "$@" --stop_stage 10
fi
if [ ! -s "${sets_file}" ]; then
  echo "$0: no ${sets_file}: stage 10 (local/data.sh) writes it; run it (--stage 10, after removing data/.done if it is there)" >&2
  exit 1
fi
./pipeline.sh "${opts[@]}" --test_sets "$(cat "${sets_file}")" "$@"
