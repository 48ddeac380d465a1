#!/usr/bin/env bash
# Stage 40: ESPnet collect_stats: feature mean/variance and shape files for batching.
. "${pipeline_dir}/stages/common.sh"
if is_done "${asr_stats_dir}"; then exit 0; fi
train_dir="${dumpdir}/raw/${train_set}"; valid_dir="${dumpdir}/raw/${valid_set}"
rm -rf "${asr_stats_dir}.tmp" && mkdir -p "${asr_stats_dir}.tmp"
log "collecting feature statistics -> ${asr_stats_dir}"
set_asr_data_args "${train_dir}" "${valid_dir}"
# shellcheck disable=SC2086
run_logged "${train_cmd}" "${asr_stats_dir}.tmp/stats.log" python -m bigssl.bin.asr_train \
  --collect_stats true --use_preprocessor true --ngpu 0 --num_workers 1 "${asr_data_args[@]}" \
  --train_shape_file "${train_dir}/wav.scp" --valid_shape_file "${valid_dir}/wav.scp" \
  --output_dir "${asr_stats_dir}.tmp" --config "${asr_config}" ${asr_args}
add_vocab_to_text_shapes "${asr_stats_dir}.tmp"
rm -rf "${asr_stats_dir}"
mv "${asr_stats_dir}.tmp" "${asr_stats_dir}"
mark_done "${asr_stats_dir}"
