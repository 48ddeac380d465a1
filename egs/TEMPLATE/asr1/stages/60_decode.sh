#!/usr/bin/env bash
# Stage 60: decode each test set with ESPnet's Speech2Text through bigssl.bin.decode (CTC and RNN-T models;
# bigssl's model and SpecAugment names are registered into ESPnet's class choices first).
. "${pipeline_dir}/stages/common.sh"
for dset in ${test_sets}; do
  out="${asr_exp}/${inference_tag}/${dset}"
  if is_done "${out}"; then continue; fi
  log "decoding ${dset} -> ${out}"
  # shellcheck disable=SC2086
  ${decode_cmd} python -m bigssl.bin.decode --asr_train_config "${asr_exp}/config.yaml" \
    --asr_model_file "${asr_exp}/${inference_model}" --data_dir "${dumpdir}/raw/${dset}" \
    --out_dir "${out}" --config "${inference_config}"
  mark_done "${out}"
done
