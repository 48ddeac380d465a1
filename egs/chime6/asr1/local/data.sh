#!/usr/bin/env bash
# CHiME-6 data preparation: Kaldi data dirs under data/ from the array-synchronized CHiME-6 release
# (audio/{train,dev,eval}/S??_P??.wav and S??_U0?.CH?.wav, transcriptions/{train,dev,eval}/S??.json;
# local/download.sh and README.md say where it comes from).
#   local/data.sh --chime6_root DIR [--mic "worn array"] [--worn_channel stereo|left|right|both]
#                 [--array ref|U01..U06] [--array_channel 1..4] [--speed_perturb "0.9 1.0 1.1"]
#                 [--exclude_worn "P11_S03 ..."] [--drop_bad true|false]
# Lists may also be written with commas (--speed_perturb 0.9,1.0,1.1), which passes through the
# pipeline's --local_data_opts (split on spaces, quotes not honoured).
# Writes (wav.scp = whole recordings, segments = utterances, text, utt2spk, spk2utt):
#   worn:  data/train_worn data/dev_worn data/eval_worn (+ data/train_worn_sp with --speed_perturb)
#   array: data/dev_array data/eval_array
# and data/local/lm_train.txt (training transcripts, for stage 55), data/local/chime6_skipped.txt.
set -euo pipefail
. ./path.sh  # also reads an untracked db.local.sh, where CHIME6_ROOT may be set
chime6_root="${CHIME6_ROOT:-}"  # the CHiME-6 root (default: $CHIME6_ROOT)
mic="worn array"           # worn: {train,dev,eval}_worn; array: {dev,eval}_array
worn_channel=stereo        # stereo: 2-channel WAV, the pipeline's --audio_channel picks one; left/right: sox remix pipe; both: .L and .R recordings
array=ref                  # far-field sets: ref = each utterance's reference array (the transcript's 'ref', as Kaldi's baseline), or U01..U06
array_channel=1            # microphone of that array (1..4) in the far-field sets
speed_perturb=""           # speed factors of data/train_worn_sp, e.g. "0.9 1.0 1.1" (empty: no such set)
exclude_worn="P11_S03 P52_S19 P53_S24 P54_S24"  # <speaker>_<session> worn mics left out (Kaldi baseline's "possibly bad sessions")
drop_bad=false             # skip utterances with problems (logged, counted, data/local/chime6_skipped.txt) instead of failing
. utils/parse_options.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
if [ -z "${chime6_root}" ]; then
  echo "$0: --chime6_root is required (or set CHIME6_ROOT, e.g. in db.local.sh); README.md says how to obtain CHiME-6" >&2
  exit 2
fi
# shellcheck disable=SC2086  # the lists are split into words on purpose
python -m bigssl.bin.prepare chime6 --chime6_root "${chime6_root}" --data_dir data \
  --mic ${mic//,/ } --worn_channel "${worn_channel}" --array "${array}" --array_channel "${array_channel}" \
  --speed_perturb ${speed_perturb//,/ } --exclude_worn ${exclude_worn//,/ } --drop_bad "${drop_bad}"
