#!/usr/bin/env bash
# Stage 20: validate every data dir and copy it to dump/raw/<set> (bad utterances: error or drop).
. "${pipeline_dir}/stages/common.sh"
for dset in ${train_set} ${valid_set} ${test_sets}; do
  dst="${dumpdir}/raw/${dset}"
  if is_done "${dst}"; then continue; fi
  log "validating data/${dset}"
  python -m bigssl.bin.validate_data_dir --src "data/${dset}" --dst "${dst}" --fs "${fs}" --drop_bad "${drop_bad}" \
    --min_wav_duration "${min_wav_duration}" --max_wav_duration "${max_wav_duration}"
  mark_done "${dst}"
done
