#!/usr/bin/env bash
# Run a command (or a job array of it) on this machine, with the interface of Kaldi's run.pl:
#
#   run_local.sh [options] [JOB=1:N] LOGFILE COMMAND ARGS...
#
# With JOB=A:B the command runs once per task id A..B (in parallel, at most --max_jobs_run at a
# time); the string JOB (or whatever name precedes '=') in LOGFILE and in every argument is replaced
# by the task id. Each task's output (stdout and stderr) goes to its log, which starts with the
# command line and ends with its exit status. The arguments are passed on exactly as given (not
# re-read by a shell): for a pipe, run "bash -c '... | ...'". Exit status 0 if every task succeeded;
# otherwise non-zero, naming the failed task ids and their logs.
# Options:
#   --max_jobs_run N   tasks run at the same time (default: all)
#   --gpu N            each task gets N GPUs of its own: the machine's GPUs (CUDA_VISIBLE_DEVICES if
#                      set, else nvidia-smi's list) are cut into slots of N, a task runs with
#                      CUDA_VISIBLE_DEVICES set to its slot's GPUs, and the tasks of a slot run one
#                      after another (so at most #GPUs / N at a time). Too few GPUs is an error.
#   --num_threads N, --mem X, --num_nodes 1
#                      accepted for the interface of the cluster backends (utils/run_slurm.sh);
#                      a local run uses what the machine has (--num_nodes above 1 is an error)
set -uo pipefail
me="$(basename "$0")"
usage() { echo "usage: ${me} [--num_threads N] [--gpu N] [--mem X] [--max_jobs_run N] [JOB=1:N] LOGFILE COMMAND ARGS..." >&2; exit 2; }
max_jobs_run=0; gpu=0
while [ $# -gt 0 ]; do
  case "$1" in
    --max_jobs_run|--num_threads|--gpu|--mem|--num_nodes)
      [ $# -ge 2 ] || { echo "${me}: $1 needs a value" >&2; usage; }
      case "$1" in
        --max_jobs_run) max_jobs_run="$2" ;;
        --gpu) gpu="$2" ;;
        --num_nodes) [ "$2" -le 1 ] 2>/dev/null || { echo "${me}: --num_nodes $2: a local run has one node (use cmd_backend=slurm)" >&2; exit 2; } ;;
      esac
      shift 2 ;;
    --*) echo "${me}: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[[ "${max_jobs_run}" =~ ^[0-9]+$ ]] || { echo "${me}: --max_jobs_run must be a non-negative integer" >&2; exit 2; }
[[ "${gpu}" =~ ^[0-9]+$ ]] || { echo "${me}: --gpu must be a non-negative integer" >&2; exit 2; }

. "$(dirname "${BASH_SOURCE[0]}")/job_range.sh"
parse_job_range "$@"
shift "${used}"

# run_task ID: the command with the task id substituted, logged like Kaldi's run.pl.
run_task() {
  local id="$1" log="${logfile}" args=() arg rc start
  [ -z "${jobvar}" ] || log="${log//${jobvar}/${id}}"
  for arg in "${cmd[@]}"; do
    [ -z "${jobvar}" ] || arg="${arg//${jobvar}/${id}}"
    args+=("${arg}")
  done
  mkdir -p "$(dirname "${log}")" || return 1
  start=$(date +%s)
  {
    printf '#'; printf ' %q' "${args[@]}"; printf '\n'
    echo "# Started at $(date) on $(hostname)"
    echo "#"
  } > "${log}"
  "${args[@]}" < /dev/null >> "${log}" 2>&1
  rc=$?
  {
    echo "# Accounting: time=$(( $(date +%s) - start )) threads=${OMP_NUM_THREADS:-1}"
    echo "# Ended (code ${rc}) at $(date), elapsed time $(( $(date +%s) - start )) seconds"
  } >> "${log}"
  echo "${rc}" > "${status_dir}/${id}"
  return "${rc}"
}

# visible_gpus: the GPU ids this machine offers (CUDA_VISIBLE_DEVICES if set, else nvidia-smi's indices).
visible_gpus() {
  if [ -n "${CUDA_VISIBLE_DEVICES+set}" ]; then
    tr ',' ' ' <<< "${CUDA_VISIBLE_DEVICES}"
  elif command -v nvidia-smi > /dev/null 2>&1; then
    nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null | tr -d ' ' | tr '\n' ' '
  fi
}
gpu_slots=()  # with --gpu N: one entry per slot, its GPU ids joined by commas
if [ "${gpu}" -gt 0 ]; then
  read -r -a gpu_ids <<< "$(visible_gpus)"
  if [ "${#gpu_ids[@]}" -lt "${gpu}" ]; then
    echo "${me}: --gpu ${gpu}: this machine shows ${#gpu_ids[@]} GPU(s) (CUDA_VISIBLE_DEVICES='${CUDA_VISIBLE_DEVICES-unset}'); decode or train on the CPU (--ngpu 0, --gpu_inference false) or use a machine with GPUs" >&2
    exit 2
  fi
  for ((i = 0; i + gpu <= ${#gpu_ids[@]}; i += gpu)); do
    gpu_slots+=("$(IFS=,; echo "${gpu_ids[*]:i:gpu}")")
  done
  if [ "${max_jobs_run}" -gt 0 ] && [ "${max_jobs_run}" -lt "${#gpu_slots[@]}" ]; then
    gpu_slots=("${gpu_slots[@]:0:max_jobs_run}")
  fi
fi

cmd=("$@")
status_dir="$(mktemp -d "${TMPDIR:-/tmp}/run_local.XXXXXX")"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do  # each task's command, then the task's subshell
    pkill -TERM -P "${pid}" 2>/dev/null; kill "${pid}" 2>/dev/null
  done
  wait 2>/dev/null
  rm -rf "${status_dir}"
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap 'rm -rf "${status_dir}"' EXIT

if [ "${#gpu_slots[@]}" -gt 0 ]; then
  # slot k runs tasks first+k, first+k+S, ... one after another on its own GPUs
  for ((k = 0; k < ${#gpu_slots[@]}; k++)); do
    (
      export CUDA_VISIBLE_DEVICES="${gpu_slots[k]}"
      for ((id = first + k; id <= last; id += ${#gpu_slots[@]})); do run_task "${id}"; done
    ) &
    pids+=($!)
  done
else
  for id in $(seq "${first}" "${last}"); do
    if [ "${max_jobs_run}" -gt 0 ]; then
      while [ "$(jobs -rp | wc -l)" -ge "${max_jobs_run}" ]; do wait -n 2>/dev/null || true; done
    fi
    run_task "${id}" &
    pids+=($!)
  done
fi
wait

failed=(); logs=()
for id in $(seq "${first}" "${last}"); do
  rc="$(cat "${status_dir}/${id}" 2>/dev/null || echo missing)"
  if [ "${rc}" != 0 ]; then
    failed+=("${id}")
    log="${logfile}"; [ -z "${jobvar}" ] || log="${log//${jobvar}/${id}}"
    logs+=("${log}")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  if [ -z "${jobvar}" ]; then
    echo "${me}: job failed, log is in ${logs[0]}" >&2
  else
    echo "${me}: ${#failed[@]} / $((last - first + 1)) failed (${jobvar}=${failed[*]}), logs: ${logs[*]}" >&2
  fi
  exit 1
fi
exit 0
