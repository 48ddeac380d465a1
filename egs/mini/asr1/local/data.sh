#!/usr/bin/env bash
# Synthesize the mini corpus into downloads/mini (audio) and data/ (Kaldi data dirs).
#   local/data.sh [--num_labeled N] [--num_unlabeled N] [--num_dev N] [--num_test N]
#                 [--num_unlabeled_flite N] [--num_test_flite N] [--seed S] [--nj J]
set -euo pipefail
num_labeled=1200          # utterances of train_labeled
num_unlabeled=4800        # utterances of train_unlabeled
num_dev=100               # utterances of dev
num_test=200              # utterances of test
num_unlabeled_flite=0     # utterances of train_unlabeled_flite (flite domain, unlabeled; 0: none)
num_test_flite=0          # utterances of test_flite (flite domain, held-out voice; 0: none)
seed=1                    # random seed of the synthesis
nj=2                      # parallel synthesis jobs
audio_dir=downloads/mini  # where the synthesized audio goes
. utils/parse_options.sh
. ./path.sh
python -m bigssl.bin.make_mini_corpus --audio_dir "${audio_dir}" --data_dir data \
  --num_labeled "${num_labeled}" --num_unlabeled "${num_unlabeled}" \
  --num_dev "${num_dev}" --num_test "${num_test}" \
  --num_unlabeled_flite "${num_unlabeled_flite}" --num_test_flite "${num_test_flite}" \
  --seed "${seed}" --nj "${nj}"
