#!/usr/bin/env bash
# Stage 50: ESPnet ASR training (resumes from the last epoch checkpoint if killed).
# Stage 75 (NST) reuses it for students, setting stage_train_dir, stage_train_shape_dir and, to start
# a student from its teacher, stage_init_param (a whole-model checkpoint, instead of the pretrained encoder).
. "${pipeline_dir}/stages/common.sh"
if is_done "${asr_exp}"; then log "${asr_exp} already trained"; exit 0; fi
train_dir="${stage_train_dir:-${dumpdir}/raw/${train_set}}"; valid_dir="${dumpdir}/raw/${valid_set}"
train_shape_dir="${stage_train_shape_dir:-${asr_stats_dir}/train}"
lock_dir "${asr_exp}"
if is_done "${asr_exp}"; then log "${asr_exp} already trained"; exit 0; fi  # by the run that held the lock
echo "${BIGSSL_EXP_COMMAND}" > "${asr_exp}/run_command"
init=()
stats_file="${asr_stats_dir}/train/feats_stats.npz"
if [ "${feats_stats}" = ssl ] || { [ "${feats_stats}" = auto ] && [ "${asr_init_ssl_iter}" -gt 0 ]; }; then
  # Normalize features as the encoder saw them during pretraining (--feats_stats ssl: from-scratch
  # systems too, so that both arms of a pretrained-vs-scratch comparison normalize alike).
  stats_file="${ssl_stats_dir}/train/feats_stats.npz"
fi
if [ "${asr_init_ssl_iter}" -gt 0 ]; then
  ssl_model="${expdir}/ssl_iter${asr_init_ssl_iter}/${pretrain_model}"
  [ -f "${ssl_model}" ] || { log "no pretrained model ${ssl_model}; run the pretraining stages (44-46) first"; exit 1; }
  init=(--init_param "${ssl_model}:encoder:encoder")
  log "encoder initialized from ${ssl_model}"
fi
if [ -n "${stage_init_param:-}" ]; then
  [ -f "${stage_init_param}" ] || { log "no model ${stage_init_param} to initialize from"; exit 1; }
  init=(--init_param "${stage_init_param}")  # features normalized as for the model it starts from
  log "initialized from ${stage_init_param}"
fi
# What the earlier stages leave behind, named with the stage that makes it (not a traceback later).
for needed in "${train_dir}/wav.scp:20 (validate)" "${token_dir}/tokens.txt:30 (tokenizer)" \
              "${stats_file}:$([ "${stats_file#"${ssl_stats_dir}"}" != "${stats_file}" ] && echo "45 (ssl_stats)" || echo "40 (stats)")" \
              "${train_shape_dir}/speech_shape:40 (stats)"; do
  [ -f "${needed%%:*}" ] || { log "no ${needed%%:*}: run stage ${needed#*:} first"; exit 1; }
done
start=$(date +%s)
log "training ${asr_exp} (log: ${asr_exp}/train.log)"
set_asr_data_args "${train_dir}" "${valid_dir}"
# shellcheck disable=SC2086
set_train_launch "${asr_exp}"
run_logged "${train_launch[*]}" "${asr_exp}/train.log" "${train_python[@]}" -m bigssl.bin.asr_train \
  --use_preprocessor true --resume true "${train_dist[@]}" "${init[@]}" \
  --normalize global_mvn --normalize_conf "stats_file=${stats_file}" "${asr_data_args[@]}" \
  --train_shape_file "${train_shape_dir}/speech_shape" --train_shape_file "${train_shape_dir}/text_shape.bpe" \
  --valid_shape_file "${asr_stats_dir}/valid/speech_shape" --valid_shape_file "${asr_stats_dir}/valid/text_shape.bpe" \
  --fold_length 80000 --fold_length 150 \
  --output_dir "${asr_exp}" --config "${asr_config}" ${asr_args}
python -m bigssl.bin.stock_config --exp_dir "${asr_exp}"  # stock Speech2Text can load it
python -m bigssl.bin.plot_curves --log "${asr_exp}/train.log" --keys loss_ctc --title "ASR training: ${asr_exp}" > /dev/null
python -m bigssl.bin.train_summary --exp_dir "${asr_exp}" --data_dir "${train_dir}" --wall_seconds "$(( $(date +%s) - start ))"
mark_done "${asr_exp}"
