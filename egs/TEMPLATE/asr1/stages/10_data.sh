#!/usr/bin/env bash
# Stage 10: corpus preparation by the recipe's local/data.sh (Kaldi data dirs under data/).
. "${pipeline_dir}/stages/common.sh"
if is_done data; then log "data/ already prepared (remove data/.done to redo)"; exit 0; fi
# --local_data_opts is split as a shell would (quotes group): --local_data_opts "--parts 'a b'" passes
# one --parts value with a space, which local/data.sh takes as two parts.
opts=()
if [ -n "${local_data_opts}" ]; then
  python -c 'import shlex, sys; shlex.split(sys.argv[1])' "${local_data_opts}" 2> /dev/null \
    || { log "--local_data_opts \"${local_data_opts}\": unbalanced quotes"; exit 2; }
  mapfile -d '' opts < <(python -c 'import shlex, sys; sys.stdout.write("".join(a + "\0" for a in shlex.split(sys.argv[1])))' "${local_data_opts}")
fi
local/data.sh "${opts[@]}"
mark_done data
