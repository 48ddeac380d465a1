#!/usr/bin/env bash
# Stage 45 (pretraining only): feature statistics and shapes of the pretraining audio.
. "${pipeline_dir}/stages/common.sh"
[ "${pretrain_stop_iter}" -ge 1 ] || exit 0
if is_done "${ssl_stats_dir}"; then exit 0; fi
train_dir="${dumpdir}/raw/ssl_train"; valid_dir="${dumpdir}/raw/${valid_set}"
rm -rf "${ssl_stats_dir}.tmp" && mkdir -p "${ssl_stats_dir}.tmp"
log "collecting pretraining feature statistics -> ${ssl_stats_dir}"
set_ssl_data_args "${train_dir}" "${valid_dir}"
# shellcheck disable=SC2086
run_logged "${train_cmd}" "${ssl_stats_dir}.tmp/stats.log" python -m bigssl.bin.ssl_train --collect_stats true --ngpu 0 --num_workers 1 \
  "${ssl_data_args[@]}" \
  --train_shape_file "${train_dir}/wav.scp" --valid_shape_file "${valid_dir}/wav.scp" \
  --output_dir "${ssl_stats_dir}.tmp" --config "${pretrain_config}" ${pretrain_args}
rm -rf "${ssl_stats_dir}"
mv "${ssl_stats_dir}.tmp" "${ssl_stats_dir}"
mark_done "${ssl_stats_dir}"
