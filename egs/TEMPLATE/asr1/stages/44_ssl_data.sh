#!/usr/bin/env bash
# Stage 44 (pretraining only): the pretraining audio = pretrain_sets combined, without transcripts.
. "${pipeline_dir}/stages/common.sh"
[ "${pretrain_stop_iter}" -ge 1 ] || { log "no pretraining (--pretrain_stop_iter 0)"; exit 0; }
out="${dumpdir}/raw/ssl_train"
# The sets it was built from are kept beside it: a later run asking for other sets must not pretrain on
# the old ones (nor on their statistics, stage 45) without a word.
sets="$(echo ${pretrain_sets})"
if is_done "${out}"; then
  if [ -f "${out}/pretrain_sets" ] && [ "$(cat "${out}/pretrain_sets")" != "${sets}" ]; then
    log "${out} holds the audio of '$(cat "${out}/pretrain_sets")', not of --pretrain_sets '${sets}': remove it and ${ssl_stats_dir}, or give this run its own --dumpdir and --expdir"
    exit 1
  fi
  exit 0
fi
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
echo "${sets}" > "${out}/pretrain_sets"
mark_done "${out}"
