#!/usr/bin/env bash
# The shared staged ASR pipeline. Recipes call it from their run.sh with corpus names and configs.
# Each stage is one file, stages/<number>_<name>.sh, run when stage <= number <= stop_stage:
#   10 data  20 validate (and dump audio that needs it, like asr.sh's format stage)  30 tokenizer  40 stats
#   44 ssl_data  45 ssl_stats  46 pretrain   (wav2vec 2.0 pretraining; only with --pretrain_stop_iter >= 1)
#   50 train  55 lm (ESPnet LM for shallow fusion; only with --lm_config)  60 decode  70 score
#   75 nst   (Noisy Student Training generations; only with --nst_stop_iter >= 1)
#   80 results  90 pack (the model, its stats and BPE model in one zip for stock ESPnet, like asr.sh)
# Every step leaves a .done marker and writes atomically; rerunning skips finished steps.
set -euo pipefail

# ---- options: every assignment below (up to parse_options.sh) can be set as --name value; its
# comment is its --help text. Other options are errors.
stage=0                  # first stage number to run
stop_stage=10000         # last stage number to run
nj=2                     # parallel jobs for data preparation
ngpu=0                   # GPUs per node for training (stages 46, 50, 75); >1: ESPnet DDP, one process per GPU
num_procs=1              # CPU training processes (with --ngpu 0; >1: torchrun + ESPnet DDP over gloo)
num_nodes=1              # nodes for GPU training (>1 needs --dist_launcher and cmd_backend=slurm in cmd.sh)
dist_launcher=""         # ESPnet's --dist_launcher for multi-node training: slurm or mpi
local_data_opts=""       # options passed to local/data.sh
train_set=""             # training data set name (data/<name>)
valid_set=""             # validation set name
test_sets=""             # space-separated evaluation sets
fs=16000                 # sample rate of the training audio (other rates are resampled by stage 20's dump)
audio_format=flac        # stage 20 dumps audio that needs it (segments, wav.scp commands, other rates, channels, codecs) as flac or wav
audio_channel=0          # channel kept when dumping multi-channel audio (0-based; mono audio is used as it is)
drop_bad=false           # drop bad utterances at validation (logged and counted) instead of failing
min_wav_duration=0.1     # validation: utterances shorter than this (seconds) are bad (0: no bound)
max_wav_duration=60      # validation: utterances longer than this (seconds) are bad (0: no bound)
token_type=bpe           # bpe (sentencepiece unigram)
nbpe=150                 # sentencepiece vocabulary size
asr_config=""            # ESPnet ASR training config (YAML)
asr_args=""              # extra options for ESPnet's trainer (e.g. "--max_epoch 3")
asr_tag=""               # experiment name (default: derived from the config file name)
asr_init_ssl_iter=0      # >0: initialize the ASR encoder from exp/ssl_iter<k> (fine-tuning)
feats_stats=auto         # stage 50's feature normalization: ssl (the pretraining data's stats, stage 45), train (the training set's, stage 40), auto (ssl when fine-tuning a pretrained encoder, else train)
pretrain_config=""       # wav2vec 2.0 pretraining config (YAML, e.g. conf/ssl/pretrain_mini.yaml)
pretrain_sets=""         # data sets whose audio (not text) is used for pretraining
pretrain_start_iter=1    # first pretraining iteration to run
pretrain_stop_iter=0     # last pretraining iteration (0: no pretraining)
pretrain_args=""         # extra options for the pretraining trainer
pretrain_model=valid.loss.ave.pth  # checkpoint of an iteration used downstream
nst_start_iter=1         # first Noisy Student generation to run
nst_stop_iter=0          # last NST generation (0: no NST); generation k lives in exp/nst_iter<k>[_<nst_tag>]
nst_tag=""               # suffix of NST experiment dirs (e.g. ctc, rnnt) so several model types coexist
nst_unlabeled_set=""     # data set the teacher pseudo-labels (validated by stage 20 or 44); "A B ...": generation k labels the k-th (the last for later ones)
nst_student_config=""    # student training config (SpecAugment noise, labeled:pseudo mixing)
nst_student_args=""      # extra trainer options for the students
nst_student_init=pretrained  # student start: pretrained (encoder from exp/ssl_iter<asr_init_ssl_iter>, the paper) or teacher (its whole model)
nst_filter_args="--keep_top_percent 80"  # confidence filter (bigssl.bin.filter_pseudo options)
nst_pseudo_label_args="" # extra bigssl.bin.pseudo_label options (e.g. "--batch_seconds 120")
nst_decode_config=""     # Speech2Text options of pseudo-labeling (YAML, e.g. beam_size, lm_weight; passed as --decode_config)
nst_nj=2                 # pseudo-labeling shards run in parallel
nst_pseudo_from=""       # a generation dir whose pseudo-labels (pseudo/) generation nst_start_iter reuses for its unlabeled set's utterances instead of labeling (same teacher, the same set or a larger one; e.g. another student on the same labels)
nst_grow_data=false      # true: generation k's student also trains on generations 1..k-1's kept pseudo-labels of audio it did not label again (its data grows; with fresh audio per generation, labeled by the teacher of the day)
gpu_inference=false      # decode (stage 60) and pseudo-label (stage 75) on GPUs: one GPU per job (${cuda_cmd} --gpu 1, --device cuda)
nst_labels=pseudo        # pseudo: the NST loop; reference: all-labels topline on nst_reference_text
nst_reference_text=""    # the unlabeled set's own transcripts (topline; kept-vs-dropped WER of the filter)
inference_config=""      # Speech2Text options (YAML)
inference_model=valid.loss.ave.pth  # checkpoint to decode with
lm_config=""             # ESPnet LM training config (YAML, e.g. conf/train_lm.yaml); empty: stage 55 trains no LM
lm_train_text=data/local/lm_train.txt  # LM training text, one sentence per line (every 20th line is held out for validation)
lm_args=""               # extra options for ESPnet's LM trainer (e.g. "--max_epoch 3")
lm_tag=""                # LM name: exp/lm_<tag>_<train_set>_<token_type><nbpe> (default: --lm_config's file name)
lm_model=valid.loss.ave.pth  # LM checkpoint used for shallow fusion
use_lm=false             # shallow fusion: decode (stage 60) and pseudo-label (stage 75) with the LM (lm_weight from the decode config)
results_title="Results"  # title of RESULTS.md
pack_exp=""              # experiment dir stage 90 packs (default: the stage-50 model ${expdir}/asr_<asr_tag>; e.g. an NST student)
results_expdirs=""       # more experiment dirs whose scored runs and pretraining costs stage 80 also lists (e.g. "exp_gpu")
expdir=exp               # where experiments go
dumpdir=dump             # where validated data dirs go

# ---- command lines recorded with the results ---------------------------------------------------
#   BIGSSL_EXP_COMMAND  the command that makes one experiment (set by run.sh); stage 50 writes it to <exp>/run_command
#   BIGSSL_TOP_COMMAND  the outermost command (set by run_ssl.sh, run_nst.sh), listed first in RESULTS.md by stage 80
# Unset (pipeline.sh called directly), both are this command line.
export BIGSSL_EXP_COMMAND="${BIGSSL_EXP_COMMAND:-$0$([ $# -eq 0 ] || printf ' %q' "$@")}"
export BIGSSL_TOP_COMMAND="${BIGSSL_TOP_COMMAND:-${BIGSSL_EXP_COMMAND}}"

. "$(dirname "${BASH_SOURCE[0]}")/utils/parse_options.sh"  # the options are the assignments above
pipeline_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ $# -gt 0 ]; then echo "$0: unexpected argument '$1'" >&2; exit 2; fi
for required in train_set valid_set test_sets asr_config inference_config; do
  [ -n "${!required}" ] || { echo "$0: --${required} is required" >&2; exit 2; }
done
[ -n "${asr_tag}" ] || asr_tag="$(basename "${asr_config}" .yaml)$([ "${asr_init_ssl_iter}" -gt 0 ] && echo "_ssl_iter${asr_init_ssl_iter}" || true)"
[ -n "${lm_tag}" ] || lm_tag="$(basename "${lm_config:-}" .yaml)"
if [ "${use_lm}" = true ] && [ -z "${lm_tag}" ]; then
  echo "$0: --use_lm true needs --lm_config (or --lm_tag of a trained exp/lm_<tag>)" >&2; exit 2
fi
# Every option is checked here, before any work: a mistake must not surface hours later.
bad_option() { echo "$0: $*" >&2; exit 2; }
for name in stage stop_stage nj ngpu num_procs num_nodes nbpe fs audio_channel asr_init_ssl_iter pretrain_start_iter pretrain_stop_iter \
            nst_start_iter nst_stop_iter nst_nj; do
  [[ "${!name}" =~ ^[0-9]+$ ]] || bad_option "--${name} must be a non-negative integer, not '${!name}'"
done
[ "${stage}" -le "${stop_stage}" ] || bad_option "--stage ${stage} is after --stop_stage ${stop_stage}: no stage would run"
[ "${num_procs}" -ge 1 ] && [ "${num_nodes}" -ge 1 ] && [ "${nst_nj}" -ge 1 ] || bad_option "--num_procs, --num_nodes and --nst_nj must be at least 1"
[ "${num_procs}" -eq 1 ] || [ "${ngpu}" -eq 0 ] || bad_option "--num_procs ${num_procs} is for CPU training; with --ngpu ${ngpu} ESPnet starts one process per GPU"
case "${dist_launcher}" in ""|slurm|mpi) ;; *) bad_option "--dist_launcher must be slurm or mpi, not '${dist_launcher}'" ;; esac
if [ "${num_nodes}" -gt 1 ] && { [ "${ngpu}" -eq 0 ] || [ -z "${dist_launcher}" ]; }; then
  bad_option "--num_nodes ${num_nodes} needs --ngpu N and --dist_launcher slurm (or mpi)"
fi
case "${feats_stats}" in auto|ssl|train) ;; *) bad_option "--feats_stats must be auto, ssl or train, not '${feats_stats}'" ;; esac
case "${gpu_inference}" in true|false) ;; *) bad_option "--gpu_inference must be true or false, not '${gpu_inference}'" ;; esac
case "${audio_format}" in flac|wav) ;; *) bad_option "--audio_format must be flac or wav, not '${audio_format}'" ;; esac
for name in min_wav_duration max_wav_duration; do
  [[ "${!name}" =~ ^[0-9]+([.][0-9]+)?$ ]] || bad_option "--${name} must be a non-negative number of seconds, not '${!name}'"
done
if [ "${pretrain_stop_iter}" -ge 1 ] && { [ -z "${pretrain_config}" ] || [ -z "${pretrain_sets}" ]; }; then
  bad_option "pretraining needs --pretrain_config and --pretrain_sets"
fi
if [ "${nst_stop_iter}" -ge 1 ]; then
  [ -n "${nst_unlabeled_set}" ] && [ -n "${nst_student_config}" ] || bad_option "NST (--nst_stop_iter ${nst_stop_iter}) needs --nst_unlabeled_set and --nst_student_config"
  case "${nst_labels}" in pseudo|reference) ;; *) bad_option "--nst_labels must be pseudo or reference, not '${nst_labels}'" ;; esac
  case "${nst_student_init}" in pretrained|teacher) ;; *) bad_option "--nst_student_init must be pretrained or teacher, not '${nst_student_init}'" ;; esac
  if [ -n "${nst_pseudo_from}" ] && [ ! -f "${nst_pseudo_from}/pseudo/.done" ]; then
    bad_option "--nst_pseudo_from ${nst_pseudo_from}: no finished pseudo-labels (${nst_pseudo_from}/pseudo/.done)"
  fi
  if [ "${nst_labels}" = reference ] && [ ! -f "${nst_reference_text}" ]; then
    bad_option "--nst_labels reference needs --nst_reference_text (no file '${nst_reference_text}')"
  fi
fi
# Config files that the requested stages will read must exist now.
configs=(asr_config inference_config)
[ "${pretrain_stop_iter}" -ge 1 ] && configs+=(pretrain_config)
[ "${nst_stop_iter}" -ge 1 ] && configs+=(nst_student_config)
[ -n "${nst_decode_config}" ] && configs+=(nst_decode_config)
[ -n "${lm_config}" ] && configs+=(lm_config)
for name in "${configs[@]}"; do
  [ -f "${!name}" ] || bad_option "--${name} ${!name}: no such file"
done
for dir in "${expdir}" "${dumpdir}" data; do
  mkdir -p "${dir}" 2>/dev/null && [ -w "${dir}" ] || bad_option "cannot write to ${dir}/ (--expdir, --dumpdir and data/ must be writable)"
done

. "${pipeline_dir}/stages/common.sh"  # path.sh and the stage helpers (log, is_done, ...)
. ./cmd.sh

# The configs the requested stages will read, parsed by ESPnet's own parsers with this run's
# overrides, before any stage (bigssl.bin.check_configs); a passed check is remembered by content.
in_range() { [ "${stage}" -le "$1" ] && [ "${stop_stage}" -ge "$2" ]; }
checks=()
in_range 40 50 && checks+=(--train asr "${asr_config}" "${asr_args}")
in_range 44 46 && [ "${pretrain_stop_iter}" -ge 1 ] && checks+=(--train ssl "${pretrain_config}" "${pretrain_args}")
in_range 55 55 && [ -n "${lm_config}" ] && checks+=(--train lm "${lm_config}" "${lm_args}")
in_range 60 60 && checks+=(--decode "${inference_config}")
if in_range 75 75 && [ "${nst_stop_iter}" -ge 1 ]; then
  checks+=(--train student "${nst_student_config}" "${nst_student_args}" --decode "${inference_config}")
  [ -z "${nst_decode_config}" ] || checks+=(--decode "${nst_decode_config}")
fi
if [ ${#checks[@]} -gt 0 ]; then
  check_key=$(for arg in "${checks[@]}"; do printf '%s\n' "${arg}"; if [ -f "${arg}" ]; then cat "${arg}"; fi; done | sha1sum | cut -c1-16)
  if [ ! -f "${expdir}/.checked_configs/${check_key}" ]; then
    python -m bigssl.bin.check_configs "${checks[@]}" || bad_option "fix the config(s) above; no stage has run"
    mkdir -p "${expdir}/.checked_configs" && touch "${expdir}/.checked_configs/${check_key}"
  fi
fi

asr_exp="${expdir}/asr_${asr_tag}"
asr_stats_dir="${expdir}/asr_stats_${train_set}_${token_type}${nbpe}"
token_dir="data/token_list/${train_set}_${token_type}${nbpe}"
ssl_stats_dir="${expdir}/ssl_stats"
lm_exp="${expdir}/lm_${lm_tag}_${train_set}_${token_type}${nbpe}"  # an LM is bound to its token list
inference_tag="decode_$(basename "${inference_config}" .yaml)_$(basename "${inference_model}" .pth)"
# decodings with the LM get their own dir, so results with and without it coexist (RESULTS.md lists both)
[ "${use_lm}" = false ] || inference_tag="${inference_tag}_lm_${lm_tag}_$(basename "${lm_model}" .pth)"
export "${bigssl_options[@]}" pipeline_dir asr_exp asr_stats_dir ssl_stats_dir token_dir lm_exp inference_tag

for script in "${pipeline_dir}"/stages/[0-9]*.sh; do
  name="$(basename "${script}" .sh)"
  number=$((10#${name%%_*}))
  if [ "${number}" -ge "${stage}" ] && [ "${number}" -le "${stop_stage}" ]; then
    log "stage ${name}"
    bash "${script}"
  fi
done
log "finished stages ${stage}..${stop_stage}"
