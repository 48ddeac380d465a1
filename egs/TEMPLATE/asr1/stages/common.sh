# Helpers sourced by every stage script.
set -euo pipefail
. ./path.sh
log() { echo "$(date '+%Y-%m-%dT%H:%M:%S') ($(basename "$0" .sh)) $*"; }
# is_done DIR: true if DIR/.done exists. mark_done DIR: create it (after the step succeeded).
is_done() { [ -f "$1/.done" ]; }
mark_done() { mkdir -p "$1" && touch "$1/.done"; }
# run_logged LOG CMD...: run CMD appending its output to LOG (kept across resumes); on failure
# show the end of LOG and stop the stage.
run_logged() {
  local logfile="$1"; shift
  "$@" >> "${logfile}" 2>&1 || { tail -n 30 "${logfile}" >&2; log "failed; see ${logfile}"; exit 1; }
}
