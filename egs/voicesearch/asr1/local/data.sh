#!/usr/bin/env bash
# Bring your own data: Kaldi data dirs or CSV/JSONL manifests (+ unlabeled audio) -> data/<set>.
# Each labeled set is given in one form: a Kaldi data dir (--train_dir ...) or a manifest
# (--train_manifest ...: .csv with a header row or .jsonl; columns path, text, speaker, optional
# start, end in seconds, optional id; relative paths are read from the manifest's directory).
#   local/data.sh --train_manifest /corpora/vs/train.csv --dev_manifest /corpora/vs/dev.jsonl \
#     --test_manifests /corpora/vs/test.csv,/corpora/vs/test_noisy.csv \
#     --unlabeled_dir /corpora/vs/untranscribed [--lm_text /corpora/vs/queries.txt] [--drop_bad true]
# Output: data/{train,dev,<test names>,unlabeled} (wav.scp, text, utt2spk, spk2utt[, segments]),
# data/local/lm_train.txt, data/local/corpus_hours.json. Test sets are named after their input (Kaldi
# dir name or manifest file stem): pass the same names to ./run.sh --test_sets. Paths may not contain
# commas (lists are comma- or space-separated). Details and the id
# and speaker rules: README.md and python -m bigssl.bin.prepare manifest --help.
set -euo pipefail
train_dir=""            # Kaldi data dir of the labeled training set
dev_dir=""              # Kaldi data dir of the validation set
test_dirs=""            # Kaldi data dirs of the test sets (comma- or space-separated; data/<dir name>)
train_manifest=""       # CSV/JSONL manifest of the labeled training set (instead of --train_dir)
dev_manifest=""         # CSV/JSONL manifest of the validation set (instead of --dev_dir)
test_manifests=""       # CSV/JSONL manifests of the test sets (comma- or space-separated; data/<file stem>)
unlabeled_dir=""        # directory tree of unlabeled audio (.wav .flac .mp3 .ogg, recursive) -> data/unlabeled
unlabeled_manifest=""   # CSV/JSONL of unlabeled audio (path; speaker, start, end, id optional; a text column is kept aside as a reference)
lm_text=""              # LM training text, one sentence a line -> data/local/lm_train.txt
drop_bad=false          # skip bad rows (logged and counted) instead of failing
read_durations=true     # read every audio header for the hours in data/local/corpus_hours.json
text_norm=written       # written: lower case, no punctuation, numbers and symbols spelled out (WER counts words); verbatim: as given
. utils/parse_options.sh
. ./path.sh
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi

# one_of NAME DIR MANIFEST: the set's input, given in exactly one form
one_of() {
  if [ -n "$2" ] && [ -n "$3" ]; then echo "$0: give --$1_dir or --$1_manifest, not both" >&2; exit 2; fi
  if [ -z "$2$3" ]; then echo "$0: --$1_dir or --$1_manifest is required (see README.md)" >&2; exit 2; fi
  echo "$2$3"
}
train=$(one_of train "${train_dir}" "${train_manifest}")
dev=$(one_of dev "${dev_dir}" "${dev_manifest}")
args=(--data_dir data --train "${train}" --dev "${dev}" --drop_bad "${drop_bad}" --read_durations "${read_durations}"
      --text_norm "${text_norm}")
# commas, because run.sh's --local_data_opts reach this script split at spaces
for test in ${test_dirs//,/ } ${test_manifests//,/ }; do args+=(--test "${test}"); done
[ -z "${unlabeled_dir}" ] || args+=(--unlabeled_dir "${unlabeled_dir}")
[ -z "${unlabeled_manifest}" ] || args+=(--unlabeled_manifest "${unlabeled_manifest}")
[ -z "${lm_text}" ] || args+=(--lm_text "${lm_text}")
python -m bigssl.bin.prepare manifest "${args[@]}"
