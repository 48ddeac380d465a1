#!/usr/bin/env bash
# Stage 50: ESPnet ASR training (resumes from the last epoch checkpoint if killed).
# The pipeline runs it with no arguments (the stage-50 model); stage 75 (NST) trains each student with
#   bash stages/50_train.sh --asr_exp EXP --asr_config YAML --asr_args "..." --train_dir DIR \
#     --shape_dir DIR [--init_param MODEL]
. "${pipeline_dir}/stages/common.sh"
asr_exp="${asr_exp}"      # experiment dir to train in
asr_config="${asr_config}"  # ESPnet ASR training config (YAML)
asr_args="${asr_args}"    # extra options for ESPnet's trainer
train_dir="${dumpdir}/raw/${train_set}"  # training data dir
shape_dir="${asr_stats_dir}/train"  # the training data's speech_shape and text_shape.bpe
init_param=""             # whole-model checkpoint to start from (features normalized as for it) instead of the pretrained encoder
. "${pipeline_dir}/utils/parse_options.sh"
[ $# -eq 0 ] || { log "unexpected argument '$1'"; exit 2; }
if is_done "${asr_exp}"; then log "${asr_exp} already trained"; exit 0; fi
valid_dir="${dumpdir}/raw/${valid_set}"
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
if [ -n "${init_param}" ]; then
  [ -f "${init_param}" ] || { log "no model ${init_param} to initialize from"; exit 1; }
  init=(--init_param "${init_param}")  # features normalized as for the model it starts from
  log "initialized from ${init_param}"
fi
# What the earlier stages leave behind, named with the stage that makes it (not a traceback later).
for needed in "${train_dir}/wav.scp:20 (validate)" "${token_dir}/tokens.txt:30 (tokenizer)" \
              "${stats_file}:$([ "${stats_file#"${ssl_stats_dir}"}" != "${stats_file}" ] && echo "45 (ssl_stats)" || echo "40 (stats)")" \
              "${shape_dir}/speech_shape:40 (stats)"; do
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
  --train_shape_file "${shape_dir}/speech_shape" --train_shape_file "${shape_dir}/text_shape.bpe" \
  --valid_shape_file "${asr_stats_dir}/valid/speech_shape" --valid_shape_file "${asr_stats_dir}/valid/text_shape.bpe" \
  --fold_length 80000 --fold_length 150 \
  --output_dir "${asr_exp}" --config "${asr_config}" ${asr_args}
python -m bigssl.bin.stock_config --exp_dir "${asr_exp}"  # stock Speech2Text can load it
python -m bigssl.bin.plot_curves --log "${asr_exp}/train.log" --keys loss_ctc --title "ASR training: ${asr_exp}" > /dev/null
python -m bigssl.bin.train_summary --exp_dir "${asr_exp}" --data_dir "${train_dir}" --wall_seconds "$(( $(date +%s) - start ))"
mark_done "${asr_exp}"
