#!/usr/bin/env bash
# Run a command (or a job array of it) as a Slurm job and wait for it; the interface of Kaldi's
# slurm.pl and of utils/run_local.sh:
#
#   run_slurm.sh [options] [JOB=1:N] LOGFILE COMMAND ARGS...
#
# One call is one 'sbatch --wait' job; JOB=A:B makes it an array (--array=A-B, '%M' with
# --max_jobs_run M), and JOB in LOGFILE and in the arguments becomes the task id
# (SLURM_ARRAY_TASK_ID). The job script (LOGDIR/q/<name>.sh) runs in the current directory with
# the submitting environment (sbatch's default --export=ALL) and writes each task's log like
# run_local.sh: the command line first, its exit status last. With --num_nodes M > 1 (no array) the
# command runs under 'srun' once per node (--ntasks-per-node=1), so ESPnet's '--dist_launcher slurm'
# finds its step variables; each process then uses --gpu GPUs of its node.
# Options and what sbatch gets:
#   --gpu N           --gpus-per-node=N        --num_threads N  --cpus-per-task=N
#   --mem X           --mem=X (e.g. 16G)       --num_nodes M    --nodes=M --ntasks-per-node=1
#   --max_jobs_run N  --array=A-B%N
# Environment: BIGSSL_SBATCH_OPTS (more sbatch options, e.g. "--partition=gpu --time=2-00:00:00"),
# BIGSSL_SBATCH / BIGSSL_SRUN (the sbatch and srun programs; tests put fakes there).
set -uo pipefail
me="$(basename "$0")"
usage() { echo "usage: ${me} [--num_threads N] [--gpu N] [--mem X] [--num_nodes M] [--max_jobs_run N] [JOB=1:N] LOGFILE COMMAND ARGS..." >&2; exit 2; }
sbatch="${BIGSSL_SBATCH:-sbatch}"
srun="${BIGSSL_SRUN:-srun}"
num_threads=""; gpu=0; mem=""; num_nodes=1; max_jobs_run=0
while [ $# -gt 0 ]; do
  case "$1" in
    --num_threads|--gpu|--mem|--num_nodes|--max_jobs_run)
      [ $# -ge 2 ] || { echo "${me}: $1 needs a value" >&2; usage; }
      declare "${1#--}=$2"; shift 2 ;;
    --*) echo "${me}: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
for name in gpu num_nodes max_jobs_run; do
  [[ "${!name}" =~ ^[0-9]+$ ]] || { echo "${me}: --${name} must be a non-negative integer, not '${!name}'" >&2; exit 2; }
done
[ -z "${num_threads}" ] || [[ "${num_threads}" =~ ^[1-9][0-9]*$ ]] || { echo "${me}: --num_threads must be a positive integer" >&2; exit 2; }

. "$(dirname "${BASH_SOURCE[0]}")/job_range.sh"
parse_job_range "$@"
shift "${used}"
if [ -n "${jobvar}" ] && [ "${num_nodes}" -gt 1 ]; then
  echo "${me}: --num_nodes ${num_nodes} with a job array is not supported" >&2; exit 2
fi

logdir="$(cd "$(dirname "${logfile}")" 2>/dev/null && pwd || { mkdir -p "$(dirname "${logfile}")" && cd "$(dirname "${logfile}")" && pwd; })"
[ -n "${logdir}" ] || { echo "${me}: cannot create the log directory of ${logfile}" >&2; exit 1; }
logname="$(basename "${logfile}")"
name="${logname%.log}"; name="${name//${jobvar:-JOB}/}"; name="${name//[^A-Za-z0-9_.-]/}"
name="${name%.}"; [ -n "${name}" ] || name=job
mkdir -p "${logdir}/q"
script="${logdir}/q/${name}.sh"

# the job script: the command as a bash array (exactly these arguments), JOB filled in at run time
{
  echo '#!/usr/bin/env bash'
  echo "# made by ${me}: $(date)"
  printf 'cd %q || exit 1\n' "$(pwd)"
  printf 'log=%q\n' "${logdir}/${logname}"
  printf 'cmd=('; printf ' %q' "$@"; printf ' )\n'
  printf 'jobvar=%q\n' "${jobvar}"
  if [ "${num_nodes}" -gt 1 ]; then
    printf 'launch=(%q --kill-on-bad-exit=1 --nodes=%d --ntasks-per-node=1)\n' "${srun}" "${num_nodes}"
  else
    echo 'launch=()'
  fi
  cat <<'EOF'
if [ -n "${jobvar}" ]; then
  id="${SLURM_ARRAY_TASK_ID:?not run as a Slurm array task}"
  log="${log//${jobvar}/${id}}"
  for i in "${!cmd[@]}"; do cmd[i]="${cmd[i]//${jobvar}/${id}}"; done
fi
start=$(date +%s)
head="$(printf '#'; printf ' %q' "${cmd[@]}"; printf '\n# Started at %s on %s (Slurm job %s)\n#' "$(date)" "$(hostname)" "${SLURM_JOB_ID:-?}${SLURM_ARRAY_TASK_ID:+_${SLURM_ARRAY_TASK_ID}}")"
echo "${head}" > "${log}"
"${launch[@]}" "${cmd[@]}" < /dev/null >> "${log}" 2>&1
rc=$?
echo "# Accounting: time=$(( $(date +%s) - start )) threads=${SLURM_CPUS_PER_TASK:-1}" >> "${log}"
echo "# Ended (code ${rc}) at $(date), elapsed time $(( $(date +%s) - start )) seconds" >> "${log}"
exit "${rc}"
EOF
} > "${script}"
chmod +x "${script}"

opts=(--wait --job-name="${name}" --export=ALL --nodes="${num_nodes}" --ntasks-per-node=1)
[ "${gpu}" -eq 0 ] || opts+=(--gpus-per-node="${gpu}")
[ -z "${num_threads}" ] || opts+=(--cpus-per-task="${num_threads}")
[ -z "${mem}" ] || opts+=(--mem="${mem}")
if [ -n "${jobvar}" ]; then
  opts+=(--array="${first}-${last}$([ "${max_jobs_run}" -gt 0 ] && echo "%${max_jobs_run}")")
  opts+=(--output="${logdir}/q/${name}.%a.out")
else
  opts+=(--output="${logdir}/q/${name}.out")
fi
# shellcheck disable=SC2206
extra=(${BIGSSL_SBATCH_OPTS:-})
"${sbatch}" "${opts[@]}" "${extra[@]}" "${script}" > "${logdir}/q/${name}.sbatch.out" 2>&1
sbatch_rc=$?

# which tasks failed: the exit status each log ends with (a task that Slurm killed has none)
failed=(); logs=()
for id in $(seq "${first}" "${last}"); do
  log="${logdir}/${logname}"; [ -z "${jobvar}" ] || log="${log//${jobvar}/${id}}"
  if ! tail -n 1 "${log}" 2>/dev/null | grep -q '^# Ended (code 0)'; then
    failed+=("${id}"); logs+=("${log}")
  fi
done
if [ ${#failed[@]} -gt 0 ] || [ "${sbatch_rc}" -ne 0 ]; then
  echo "${me}: sbatch exited with ${sbatch_rc} (see ${logdir}/q/${name}.sbatch.out and ${logdir}/q/${name}*.out)" >&2
  if [ -z "${jobvar}" ]; then
    echo "${me}: job failed, log is in ${logs[0]:-${logdir}/${logname}}" >&2
  elif [ ${#failed[@]} -gt 0 ]; then
    echo "${me}: ${#failed[@]} / $((last - first + 1)) failed (${jobvar}=${failed[*]}), logs: ${logs[*]}" >&2
  fi
  exit 1
fi
exit 0
