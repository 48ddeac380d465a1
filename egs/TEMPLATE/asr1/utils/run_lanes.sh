# Sourced by study scripts (run_claims.sh, run_study.sh, ...):
#   run_lanes CMD_FILE [JOBS]: run the commands of CMD_FILE (one per line), JOBS (default ${jobs:-2})
#   at a time, each in its own bash; return 1 naming the file if any command failed.
# Every command should be a restartable ./run.sh experiment, so a failed or killed study can be rerun.
run_lanes() {
  local file="$1" lanes="${2:-${jobs:-2}}"
  if ! xargs -P "${lanes}" -I{} -d '\n' bash -c '{}' < "${file}"; then
    echo "$(date '+%Y-%m-%dT%H:%M:%S') (run_lanes) a system of ${file} failed (see its exp dir's train.log)" >&2
    return 1
  fi
}
