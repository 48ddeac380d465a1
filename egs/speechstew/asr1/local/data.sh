#!/usr/bin/env bash
# SpeechStew's corpora from their release layouts -> Kaldi data dirs under data/ (stage 10).
# One root per corpus; a corpus whose root is empty is skipped (logged). Defaults come from the
# environment or an untracked db.local.sh (AMI=/data/ami ...; path.sh reads it), as ESPnet's db.sh.
#   local/data.sh --librispeech_root /data --tedlium3_root /data [--weights "ami_ihm=2,bn=0.5"]
# Writes data/<corpus>_<split> (ids prefixed by the corpus), data/train_speechstew (all training sets,
# each repeated/subsampled by its weight), data/dev_speechstew (all dev sets) and
# data/speechstew_test_sets (the per-corpus sets scored by stages 60-70).
set -euo pipefail
. ./path.sh
ami_root="${AMI:-}"                    # AMI: amicorpus/<meeting>/audio/*.wav + ami_public_manual_1.6.2/
bn_root="${BN:-}"                      # Broadcast News: LDC97S44+LDC97T22 (1996) and/or LDC98S71+LDC98T28 (1997)
commonvoice_root="${COMMONVOICE:-}"    # Common Voice: cv-corpus-<version>/ (or its en/)
librispeech_root="${LIBRISPEECH:-}"    # LibriSpeech: the directory holding LibriSpeech/
swbd_root="${SWBD:-}"                  # Switchboard-1 LDC97S62 + swb_ms98_transcriptions/
fisher_root="${FISHER:-}"              # Fisher: fe_03_p1_tran, fe_03_p1_sph1..7 (and p2)
eval2000_root="${EVAL2000:-}"          # Hub5'00 test: LDC2002S09 (english/) + LDC2002T43 (reference/*.stm)
tedlium3_root="${TEDLIUM3:-}"          # TED-LIUM 3: the directory holding TEDLIUM_release-3/
wsj_root="${WSJ:-}"                    # WSJ: the disc directories 11-*.1 (LDC93S6B) and 13-*.1 (LDC94S13B)
weights=""                             # per-corpus sampling weights, e.g. "ami_ihm=2,bn=0.5" (default 1 each: the paper's plain mix)
sph_reader=""                          # SPHERE reader: sph2pipe or sox (empty: sph2pipe if installed, else sox)
ami_mics=ihm,sdm                       # AMI microphones: ihm, sdm or ihm,sdm
commonvoice_train=train                # Common Voice training TSV: train or validated (less dev/test sentences)
tedlium3_split=legacy                  # TED-LIUM 3 split: legacy or speaker-adaptation
. utils/parse_options.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
python -m bigssl.bin.prepare speechstew --data_dir data \
  --ami_root "${ami_root}" --bn_root "${bn_root}" --commonvoice_root "${commonvoice_root}" \
  --librispeech_root "${librispeech_root}" --swbd_root "${swbd_root}" --fisher_root "${fisher_root}" \
  --eval2000_root "${eval2000_root}" --tedlium3_root "${tedlium3_root}" --wsj_root "${wsj_root}" \
  --weights "${weights}" --sph_reader "${sph_reader}" --ami_mics "${ami_mics}" \
  --commonvoice_train "${commonvoice_train}" --tedlium3_split "${tedlium3_split}"
