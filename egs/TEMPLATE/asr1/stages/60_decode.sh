#!/usr/bin/env bash
# Stage 60: decode each test set with ESPnet's Speech2Text through bigssl.bin.decode (CTC and RNN-T models;
# bigssl's model and SpecAugment names are registered into ESPnet's class choices first).
# With --use_lm true the stage-55 LM ${lm_exp}/${lm_model} is added by shallow fusion (lm_weight from the
# decode config), into a decode dir of its own (inference_tag ends in _lm_<lm_tag>_<lm_model>).
. "${pipeline_dir}/stages/common.sh"
asr_exp="${asr_exp}"  # experiment dir to decode with (default: the stage-50 model; stage 75 passes each student)
. "${pipeline_dir}/utils/parse_options.sh"
[ $# -eq 0 ] || { log "unexpected argument '$1'"; exit 2; }
set_lm_opts
[ -f "${asr_exp}/${inference_model}" ] || { log "no model ${asr_exp}/${inference_model} to decode with; train it with stage 50 (or set --inference_model)"; exit 1; }
set_inference_launch
for dset in ${test_sets}; do
  out="${asr_exp}/${inference_tag}/${dset}"
  if is_done "${out}"; then continue; fi
  [ -f "${dumpdir}/raw/${dset}/wav.scp" ] || { log "no ${dumpdir}/raw/${dset}/wav.scp; run stage 20 (it validates every --test_sets set)"; exit 1; }
  lock_dir "${out}"
  if is_done "${out}"; then continue; fi  # decoded by the run that held the lock
  log "decoding ${dset} -> ${out}"
  # shellcheck disable=SC2086
  run_logged "${infer_cmd}" "${out}/decode.log" python -m bigssl.bin.decode --asr_train_config "${asr_exp}/config.yaml" \
    --asr_model_file "${asr_exp}/${inference_model}" --data_dir "${dumpdir}/raw/${dset}" \
    --out_dir "${out}" --config "${inference_config}" "${infer_device[@]}" "${lm_opts[@]}"
  mark_done "${out}"
done
