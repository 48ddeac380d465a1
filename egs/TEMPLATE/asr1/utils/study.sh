# Sourced by the study scripts (mini's run_claims.sh, voicesearch's run_study.sh): what they share.
#   epochs_for FRACTION: training epochs of a system with FRACTION % of the labels, so that smaller
#     sets get more passes but fewer steps: ceil(full_epochs x (100 / FRACTION)^epochs_exponent),
#     with ${full_epochs} (default 3) and ${epochs_exponent} (default 0.5) of the calling script.
#     Mini (0.65): 30, 14, 7, 3 epochs at 3, 10, 30, 100 %, i.e. ~800, 1200, 1900, 2600 steps.
#   run_lanes CMD_FILE [JOBS]: the commands of CMD_FILE, JOBS (default ${jobs}) at a time.
#   role NAME EXP_PATTERN [TEST_SET]: a role line of a claims spec (bigssl.bin.claims_report): the
#     experiments of EXP_PATTERN with SEED standing for each seed of ${seeds}, scored on TEST_SET
#     (default: the spec's test_set).
epochs_for() {
  awk -v e="${full_epochs:-3}" -v p="${epochs_exponent:-0.5}" -v f="$1" \
    'BEGIN { if (f <= 0) exit 1; x = e * (100 / f) ^ p; n = int(x); print (n < x ? n + 1 : n) }' \
    || { echo "epochs_for: the fraction must be positive, not '$1'" >&2; return 1; }
}
role() {
  local exps="" seed
  for seed in ${seeds}; do exps+="${exps:+, }${2//SEED/${seed}}"; done
  if [ $# -ge 3 ]; then echo "  $1: {test_set: $3, exps: [${exps}]}"; else echo "  $1: [${exps}]"; fi
}
# shellcheck source=run_lanes.sh
. "$(dirname "${BASH_SOURCE[0]}")/run_lanes.sh"
