#!/usr/bin/env bash
# Stage 20: validate every data dir and copy it to dump/raw/<set> (bad utterances: error or drop).
# A data dir with segments, wav.scp commands, another sample rate, several channels or a compressed
# codec has its audio dumped first (one mono --audio_format file per utterance at --fs, under
# dump/raw/org/<set>), as ESPnet's asr.sh format stage does; the copy then points at those files.
. "${pipeline_dir}/stages/common.sh"
for dset in ${train_set} ${valid_set} ${test_sets}; do
  dst="${dumpdir}/raw/${dset}"
  if is_done "${dst}"; then continue; fi
  log "validating data/${dset}"
  python -m bigssl.bin.validate_data_dir --src "data/${dset}" --dst "${dst}" --fs "${fs}" --drop_bad "${drop_bad}" \
    --min_wav_duration "${min_wav_duration}" --max_wav_duration "${max_wav_duration}" \
    --audio_format "${audio_format}" --audio_channel "${audio_channel}"
  mark_done "${dst}"
done
