# Sourced by run_local.sh and run_slurm.sh (which define ${me} and usage()).
# parse_job_range ARGS...: from "[JOB=A:B] LOGFILE COMMAND..." set jobvar (empty without a range),
# first, last, logfile and used (how many of ARGS were consumed: the range and LOGFILE); a malformed
# range, a missing command or a log file without the job variable exits 2 with a message.
parse_job_range() {
  jobvar=""; first=1; last=1; used=0
  if [[ $# -gt 0 && "$1" =~ ^([A-Za-z_][A-Za-z0-9_]*)=([0-9]+):([0-9]+)$ ]]; then
    jobvar="${BASH_REMATCH[1]}"; first=$((10#${BASH_REMATCH[2]})); last=$((10#${BASH_REMATCH[3]}))
    [ "${first}" -le "${last}" ] || { echo "${me}: empty job range $1" >&2; exit 2; }
    shift; used=1
  elif [[ $# -gt 0 && "$1" =~ ^[A-Za-z_][A-Za-z0-9_]*=[^/]*$ && ! -e "$1" ]]; then
    echo "${me}: bad job range '$1' (expected e.g. JOB=1:4)" >&2; exit 2
  fi
  [ $# -ge 2 ] || usage
  logfile="$1"; used=$((used + 1))
  if [ -n "${jobvar}" ] && [ "${logfile}" = "${logfile//${jobvar}/}" ] && [ "${first}" -ne "${last}" ]; then
    echo "${me}: the log file ${logfile} must contain ${jobvar} (one log per task)" >&2; exit 2
  fi
}
