# Helpers sourced by every stage script (and by pipeline.sh, for log).
set -euo pipefail
. ./path.sh
log() { echo "$(date '+%Y-%m-%dT%H:%M:%S') ($(basename "$0" .sh)) $*"; }
# is_done DIR: true if DIR/.done exists. mark_done DIR: create it (after the step succeeded).
is_done() { [ -f "$1/.done" ]; }
mark_done() { mkdir -p "$1" && touch "$1/.done"; }
# lock_dir DIR: this run owns DIR (an experiment, a decode or an NST generation) until the stage and
# every job it started have exited; a second command on DIR stops at once, naming the pid and command
# that own it. flock(1) on DIR/.lock: the kernel drops the lock with its last holder, so a killed run
# leaves no stale lock. Stages a locking stage runs (75 -> 50, 60, 70) inherit its locks (BIGSSL_LOCKED).
lock_dir() {
  local dir fd
  mkdir -p "$1"
  dir="$(cd "$1" && pwd)"
  [[ ":${BIGSSL_LOCKED:-}:" == *":${dir}:"* ]] && return 0
  if ! command -v flock > /dev/null; then
    log "warning: no flock(1) (util-linux) here: ${1} is not locked against a second run"; return 0
  fi
  exec {fd}>>"${dir}/.lock"
  if ! flock -n "${fd}"; then
    log "${1} is in use by another run ($(cat "${dir}/.lock.owner" 2>/dev/null || echo "owner unknown")); wait for it to finish or stop it"
    exit 1
  fi
  echo "pid $$ since $(date '+%Y-%m-%dT%H:%M:%S'): ${BIGSSL_EXP_COMMAND:-$0}" > "${dir}/.lock.owner"
  export BIGSSL_LOCKED="${BIGSSL_LOCKED:-}:${dir}"
}
# run_logged LAUNCHER LOG CMD...: run CMD through LAUNCHER, a cmd.sh command with its options as one
# string (e.g. "${train_cmd} --gpu 2"), which writes LOG (utils/run_local.sh, run_slurm.sh or Kaldi's
# run.pl/slurm.pl). The output of earlier attempts is kept in front of LOG (a resumed training's
# whole history); on failure show the end of LOG and stop the stage.
run_logged() {
  local launcher="$1" logfile="$2" rc=0; shift 2
  local previous="${logfile%.log}.previous.log"
  mkdir -p "$(dirname "${logfile}")"
  [ ! -s "${logfile}" ] || cat "${logfile}" >> "${previous}"  # a killed attempt's log too
  rm -f "${logfile}"
  # shellcheck disable=SC2086
  ${launcher} "${logfile}" "$@" || rc=$?
  # what a training resumed from (bigssl.training.checkpoints), on the console too
  { grep -h '^\[bigssl\] resume: ' "${logfile}" 2> /dev/null || true; } | while IFS= read -r line; do log "${line#\[bigssl\] }"; done
  if [ -f "${previous}" ]; then
    cat "${previous}" "${logfile}" > "${logfile}.tmp" 2>/dev/null && mv "${logfile}.tmp" "${logfile}" && rm -f "${previous}"
  fi
  if [ "${rc}" -ne 0 ]; then tail -n 30 "${logfile}" >&2; log "failed; see ${logfile}"; exit 1; fi
}
# set_train_launch EXP: the arrays train_launch (the cmd.sh launcher and its options) and train_dist
# (ESPnet's distributed options) of a training run in EXP, from the pipeline options:
#   ngpu=0 num_procs=1   one process on the CPU
#   ngpu=0 num_procs=N   N CPU processes: torchrun starts them, ESPnet joins them by RANK/WORLD_SIZE
#                        (gloo; --multiprocessing_distributed false); train_launch ends in torchrun
#   ngpu=N               ESPnet spawns one process per GPU (--multiprocessing_distributed true, nccl)
#   num_nodes=M > 1      the launcher starts one ESPnet per node (run_slurm.sh: srun) with
#                        --dist_launcher (slurm or mpi) and a file:// rendezvous in EXP
# Use: run_logged "${train_launch[*]}" LOG "${train_python[@]}" -m bigssl.bin.x ... "${train_dist[@]}"
set_train_launch() {
  local exp="$1" procs="${num_procs:-1}" gpus="${ngpu:-0}" nodes="${num_nodes:-1}"
  train_launch=("${train_cmd}"); train_dist=(--ngpu "${gpus}"); train_python=(python)
  if [ "${gpus}" -eq 0 ]; then
    [ "${nodes}" -le 1 ] || { log "--num_nodes ${nodes} needs GPUs (--ngpu)"; exit 2; }
    if [ "${procs}" -gt 1 ]; then
      train_launch+=(--num_threads "${procs}")
      train_python=(python -m torch.distributed.run --standalone --nnodes 1 --nproc_per_node "${procs}")
      train_dist+=(--multiprocessing_distributed false --dist_backend gloo)
    fi
    return 0
  fi
  [ "${procs}" -le 1 ] || { log "--num_procs is for CPU runs; with --ngpu ${gpus} ESPnet starts one process per GPU"; exit 2; }
  train_launch=("${cuda_cmd}" --gpu "${gpus}")
  train_dist+=(--multiprocessing_distributed true --dist_backend nccl)
  if [ "${nodes}" -gt 1 ]; then
    [ -n "${dist_launcher:-}" ] || { log "--num_nodes ${nodes} needs --dist_launcher slurm or mpi"; exit 2; }
    local init="$(cd "${exp}" && pwd)/.dist_init"
    rm -f "${init}"  # a rendezvous file of an earlier run would be stale
    train_launch+=(--num_nodes "${nodes}")
    train_dist+=(--dist_launcher "${dist_launcher}" --dist_init_method "file://${init}")
  fi  # one node: no launcher (ESPnet's --dist_launcher slurm would want an srun step)
}
# set_asr_data_args TRAIN_DIR VALID_DIR: the array asr_data_args = the tokenizer and speech+text data
# options of bigssl.bin.asr_train shared by collect_stats (stage 40) and training (stage 50).
set_asr_data_args() {
  asr_data_args=(
    --token_type bpe --bpemodel "${token_dir}/bpe.model" --token_list "${token_dir}/tokens.txt"
    --non_linguistic_symbols none --cleaner none --g2p none
    --train_data_path_and_name_and_type "$1/wav.scp,speech,sound"
    --train_data_path_and_name_and_type "$1/text,text,text"
    --valid_data_path_and_name_and_type "$2/wav.scp,speech,sound"
    --valid_data_path_and_name_and_type "$2/text,text,text"
  )
}
# set_inference_launch: infer_cmd (the launcher string) and infer_device (the --device option) of decoding
# and pseudo-labeling. --gpu_inference true: each job gets one GPU of its own (${cuda_cmd} --gpu 1, which
# sets CUDA_VISIBLE_DEVICES per job locally and asks Slurm for a GPU per array task) and decodes on cuda.
set_lm_opts() {  # the array lm_opts: the stage-55 LM for ESPnet's decoding with --use_lm true (none
  # without); a missing LM fails naming it
  lm_opts=()
  [ "${use_lm}" = true ] || return 0
  [ -f "${lm_exp}/${lm_model}" ] || { log "--use_lm true: no LM ${lm_exp}/${lm_model}; train it with stage 55 (--lm_config)"; exit 1; }
  lm_opts=(--lm_train_config "${lm_exp}/config.yaml" --lm_file "${lm_exp}/${lm_model}")
}
set_inference_launch() {
  if [ "${gpu_inference:-false}" = true ]; then
    infer_cmd="${cuda_cmd} --gpu 1"; infer_device=(--device cuda)
  else
    infer_cmd="${decode_cmd}"; infer_device=(--device cpu)
  fi
}
# set_ssl_data_args TRAIN_DIR VALID_DIR: the array ssl_data_args = the speech-only data options of
# bigssl.bin.ssl_train shared by collect_stats (stage 45) and pretraining (stage 46).
set_ssl_data_args() {
  ssl_data_args=(
    --train_data_path_and_name_and_type "$1/wav.scp,speech,sound"
    --valid_data_path_and_name_and_type "$2/wav.scp,speech,sound"
  )
}
# add_vocab_to_text_shapes STATS_DIR: train/valid text_shape -> text_shape.bpe ("tokens,vocabulary"),
# the shape files ESPnet's asr.sh and lm.sh write for token-level batching (stages 40 and 55).
add_vocab_to_text_shapes() {
  local vocab_size part
  vocab_size=$(wc -l < "${token_dir}/tokens.txt")
  for part in train valid; do
    awk -v N="${vocab_size}" '{ print $0 "," N }' "$1/${part}/text_shape" > "$1/${part}/text_shape.bpe"
  done
}
