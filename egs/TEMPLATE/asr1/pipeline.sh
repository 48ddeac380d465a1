#!/usr/bin/env bash
# The shared staged ASR pipeline. Recipes call it from their run.sh with corpus names and configs.
# Each stage is one file, stages/<number>_<name>.sh, run when stage <= number <= stop_stage:
#   10 data  20 validate  30 tokenizer  40 stats  50 train  60 decode  70 score  80 results
# Every step leaves a .done marker and writes atomically; rerunning skips finished steps.
set -euo pipefail

# ---- options (every one can be set as --name value; unknown options are errors) ----------------
stage=0                  # first stage number to run
stop_stage=10000         # last stage number to run
nj=2                     # parallel jobs for data preparation
ngpu=0                   # GPUs for training (0: CPU)
local_data_opts=""       # options passed to local/data.sh
train_set=""             # training data set name (data/<name>)
valid_set=""             # validation set name
test_sets=""             # space-separated evaluation sets
fs=16000                 # sample rate every wav must have
drop_bad=false           # drop bad utterances at validation (logged and counted) instead of failing
token_type=bpe           # bpe (sentencepiece unigram)
nbpe=150                 # sentencepiece vocabulary size
asr_config=""            # ESPnet ASR training config (YAML)
asr_args=""              # extra options for ESPnet's trainer (e.g. "--max_epoch 3")
asr_tag=""               # experiment name (default: derived from the config file name)
inference_config=""      # Speech2Text options (YAML)
inference_model=valid.loss.ave.pth  # checkpoint to decode with
results_title="Results"  # title of RESULTS.md
expdir=exp               # where experiments go
dumpdir=dump             # where validated data dirs go
__bigssl_options="stage stop_stage nj ngpu local_data_opts train_set valid_set test_sets fs drop_bad token_type nbpe asr_config asr_args asr_tag inference_config inference_model results_title expdir dumpdir"

pipeline_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "${pipeline_dir}/utils/parse_options.sh"
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
for required in train_set valid_set test_sets asr_config inference_config; do
  [ -n "${!required}" ] || { echo "$0: --${required} is required" >&2; exit 2; }
done
[ -n "${asr_tag}" ] || asr_tag="$(basename "${asr_config}" .yaml)"

. ./path.sh
. ./cmd.sh

asr_exp="${expdir}/asr_${asr_tag}"
asr_stats_dir="${expdir}/asr_stats_${token_type}${nbpe}"
token_dir="data/token_list/${token_type}${nbpe}"
inference_tag="decode_$(basename "${inference_config}" .yaml)_$(basename "${inference_model}" .pth)"
export ${__bigssl_options} pipeline_dir asr_exp asr_stats_dir token_dir inference_tag
export bigssl_command="$0 $*"

log() { echo "$(date '+%Y-%m-%dT%H:%M:%S') (pipeline) $*"; }
for script in "${pipeline_dir}"/stages/[0-9]*.sh; do
  name="$(basename "${script}" .sh)"
  number=$((10#${name%%_*}))
  if [ "${number}" -ge "${stage}" ] && [ "${number}" -le "${stop_stage}" ]; then
    log "stage ${name}"
    bash "${script}"
  fi
done
log "finished stages ${stage}..${stop_stage}"
