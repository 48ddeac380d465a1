#!/usr/bin/env bash
# Stage 30: sentencepiece model and ESPnet token list from the training transcripts.
. "${pipeline_dir}/stages/common.sh"
if is_done "${token_dir}"; then exit 0; fi
python -m bigssl.bin.train_tokenizer --text "${dumpdir}/raw/${train_set}/text" --out_dir "${token_dir}" --vocab_size "${nbpe}"
mark_done "${token_dir}"
