#!/usr/bin/env bash
# Stage 80: generate RESULTS.md from the scored experiments.
. "${pipeline_dir}/stages/common.sh"
python -m bigssl.bin.write_results --out RESULTS.md --title "${results_title}" \
  --exp_dir "${asr_exp}" --data_dir data \
  --command "${BIGSSL_RUN_COMMAND:-${bigssl_command}}"
log "wrote RESULTS.md"
