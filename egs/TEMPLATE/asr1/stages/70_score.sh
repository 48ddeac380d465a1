#!/usr/bin/env bash
# Stage 70: WER and CER (sclite-style counts) for each decoded test set.
. "${pipeline_dir}/stages/common.sh"
asr_exp="${asr_exp}"  # experiment dir whose decodings are scored (default: the stage-50 model; stage 75 passes each student)
. "${pipeline_dir}/utils/parse_options.sh"
[ $# -eq 0 ] || { log "unexpected argument '$1'"; exit 2; }
for dset in ${test_sets}; do
  out="${asr_exp}/${inference_tag}/${dset}"
  [ -f "${out}/text" ] || { log "no decoding ${out}/text to score; run stage 60"; exit 1; }
  for unit in word char; do
    python -m bigssl.bin.score --ref "${dumpdir}/raw/${dset}/text" --hyp "${out}/text" \
      --out_dir "${out}/score_$([ "${unit}" = word ] && echo wer || echo cer)" --unit "${unit}"
  done
done
