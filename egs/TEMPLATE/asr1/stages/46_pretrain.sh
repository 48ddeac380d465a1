#!/usr/bin/env bash
# Stage 46 (pretraining only): wav2vec 2.0 pretraining, iterations pretrain_start_iter..pretrain_stop_iter.
# Iteration k trains exp/ssl_iter<k>, initialized from iteration k-1's model; each writes its
# learning curve (curve.png, curve.csv) next to its train.log. Killed runs resume (--resume true).
. "${pipeline_dir}/stages/common.sh"
[ "${pretrain_stop_iter}" -ge 1 ] || exit 0
train_dir="${dumpdir}/raw/ssl_train"; valid_dir="${dumpdir}/raw/${valid_set}"
set_ssl_data_args "${train_dir}" "${valid_dir}"
for iter in $(seq "${pretrain_start_iter}" "${pretrain_stop_iter}"); do
  exp="${expdir}/ssl_iter${iter}"
  if is_done "${exp}"; then continue; fi
  init=()
  if [ "${iter}" -gt 1 ]; then
    init=(--init_param "${expdir}/ssl_iter$((iter - 1))/${pretrain_model}")
  fi
  lock_dir "${exp}"
  if is_done "${exp}"; then continue; fi  # finished by the run that held the lock
  start=$(date +%s)
  log "pretraining iteration ${iter} -> ${exp} (log: ${exp}/train.log)"
  # shellcheck disable=SC2086
  set_train_launch "${exp}"
  run_logged "${train_launch[*]}" "${exp}/train.log" "${train_python[@]}" -m bigssl.bin.ssl_train --resume true "${train_dist[@]}" "${init[@]}" \
    --normalize global_mvn --normalize_conf "stats_file=${ssl_stats_dir}/train/feats_stats.npz" "${ssl_data_args[@]}" \
    --train_shape_file "${ssl_stats_dir}/train/speech_shape" --valid_shape_file "${ssl_stats_dir}/valid/speech_shape" \
    --fold_length 80000 --output_dir "${exp}" --config "${pretrain_config}" ${pretrain_args}
  python -m bigssl.bin.plot_curves --log "${exp}/train.log" --keys loss acc --title "wav2vec 2.0 pretraining: ${exp}"
  python -m bigssl.bin.train_summary --exp_dir "${exp}" --data_dir "${train_dir}" --wall_seconds "$(( $(date +%s) - start ))"
  mark_done "${exp}"
done
