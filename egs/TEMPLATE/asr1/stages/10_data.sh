#!/usr/bin/env bash
# Stage 10: corpus preparation by the recipe's local/data.sh (Kaldi data dirs under data/).
. "${pipeline_dir}/stages/common.sh"
if is_done data; then log "data/ already prepared (remove data/.done to redo)"; exit 0; fi
# shellcheck disable=SC2086
local/data.sh ${local_data_opts}
mark_done data
