#!/usr/bin/env bash
# Stage 44 (pretraining only): the pretraining audio = pretrain_sets combined, without transcripts.
. "${pipeline_dir}/stages/common.sh"
[ "${pretrain_stop_iter}" -ge 1 ] || { log "no pretraining (--pretrain_stop_iter 0)"; exit 0; }
out="${dumpdir}/raw/ssl_train"
if is_done "${out}"; then exit 0; fi
srcs=()
for dset in ${pretrain_sets}; do
  if [ ! -f "${dumpdir}/raw/${dset}/.done" ]; then
    python -m bigssl.bin.validate_data_dir --src "data/${dset}" --dst "${dumpdir}/raw/${dset}" --fs "${fs}" \
      --drop_bad "${drop_bad}" --min_wav_duration "${min_wav_duration}" --max_wav_duration "${max_wav_duration}" \
    --audio_format "${audio_format}" --audio_channel "${audio_channel}" --require_text false
    mark_done "${dumpdir}/raw/${dset}"
  fi
  srcs+=("${dumpdir}/raw/${dset}")
done
python -m bigssl.bin.combine_data_dirs --out "${out}" "${srcs[@]}"
mark_done "${out}"
