#!/usr/bin/env bash
# Kaldi data dirs of LibriSpeech (+ Libri-Light) from their release layouts (see README.md):
#   data/<part> (dev-clean -> dev_clean), data/train_960, data/dev; with --librilight_root also
#   data/train_10min, data/train_1h, data/train_10h and data/librilight (the unlabeled subsets cut
#   into segments by their VAD; wav.scp of whole recordings + segments, no text);
#   data/local/lm_train.txt (--lm_text + the training transcripts) for the LM stage.
#   local/data.sh --librispeech_root DIR [--librilight_root DIR] [--parts "..."] [--lm_text FILE]
#                 [--librilight_subsets "small medium large"] [--download true] [--drop_bad true]
# Corpus locations can also come from the environment or an untracked db.local.sh (ESPnet's db.sh
# style, `LIBRISPEECH=/path` with or without export): LIBRISPEECH and LIBRILIGHT are the defaults of
# --librispeech_root and --librilight_root.
set -euo pipefail
if [ -f db.local.sh ]; then . ./db.local.sh; fi  # read before the defaults below use its variables
librispeech_root="${LIBRISPEECH:-}"  # directory holding LibriSpeech/<part>/ (https://www.openslr.org/12)
librilight_root="${LIBRILIGHT:-}"    # directory holding librispeech_finetuning/ and small/ medium/ large/ (empty: no Libri-Light)
parts="train-clean-100 train-clean-360 train-other-500 dev-clean dev-other test-clean test-other"  # LibriSpeech parts
librilight_limited=true              # with --librilight_root: the labeled 10 min / 1 h / 10 h sets
librilight_subsets="small medium large"  # with --librilight_root: unlabeled subsets, together in data/librilight (all three = unlab-60k)
vad_target_seconds=60                # voiced seconds per pretraining segment (Libri-Light's cut_by_vad.py default)
lm_text=""                           # librispeech-lm-norm.txt[.gz] (https://www.openslr.org/11) for data/local/lm_train.txt
download=false                       # first fetch what is missing with local/download.sh (needs internet)
drop_bad=false                       # skip bad utterances (logged, counted) instead of failing
. utils/parse_options.sh
. ./path.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
parts="${parts//,/ }" librilight_subsets="${librilight_subsets//,/ }"  # "a b" or a,b
if [ -z "${librispeech_root}" ]; then
  echo "$0: --librispeech_root is required: the directory holding LibriSpeech/ (https://www.openslr.org/12;" \
       "local/download.sh fetches it)" >&2
  exit 2
fi
if [ "${download}" = true ]; then
  local/download.sh --target_dir "${librispeech_root}" --parts "${parts}" --librilight_limited false --librilight_subsets ""
  if [ -n "${librilight_root}" ]; then
    local/download.sh --target_dir "${librilight_root}" --parts "" \
      --librilight_limited "${librilight_limited}" --librilight_subsets "${librilight_subsets}"
  fi
fi
librilight_opts=()
if [ -n "${librilight_root}" ]; then
  # shellcheck disable=SC2086
  librilight_opts=(--librilight_root "${librilight_root}" --librilight_limited "${librilight_limited}"
                   --librilight_subsets ${librilight_subsets} --vad_target_seconds "${vad_target_seconds}")
fi
lm_opts=()
[ -z "${lm_text}" ] || lm_opts=(--lm_text "${lm_text}")
# shellcheck disable=SC2086
python -m bigssl.bin.prepare librispeech --data_dir data --librispeech_root "${librispeech_root}" \
  --parts ${parts} "${librilight_opts[@]}" "${lm_opts[@]}" --drop_bad "${drop_bad}"
