#!/usr/bin/env bash
# Stage 90: pack the trained model (the stage-50 model, or --pack_exp) for sharing, as ESPnet's asr.sh
# does (espnet2.bin.pack asr): its config, the --inference_model checkpoint, the feature statistics and
# the BPE model its config names (with --use_lm true the LM too), RESULTS.md and the exp's images, in
# one zip. The zip decodes with
# stock ESPnet from any directory: espnet2.main_funcs.pack_funcs.unpack rewrites the paths
# (or espnet_model_zoo's Speech2Text.from_pretrained(asr_model_file=...zip) where that is installed).
. "${pipeline_dir}/stages/common.sh"
asr_exp="${pack_exp:-${asr_exp}}"  # --pack_exp: another experiment (e.g. exp/nst_iter1), decoded with the same options
packed="${asr_exp}/${asr_exp##*/}_${inference_model%.pth}.zip"
[ -f "${packed}" ] && { log "${packed} exists (remove it to pack again)"; exit 0; }
[ -f "${asr_exp}/${inference_model}" ] || { log "no model ${asr_exp}/${inference_model} to pack; train it with stage 50 (or set --inference_model)"; exit 1; }
# The files the config refers to by path: they travel in the zip and unpack rewrites the config to them.
mapfile -t referenced < <(python - "${asr_exp}/config.yaml" <<'PY'
import sys, yaml
config = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
for path in ((config.get("normalize_conf") or {}).get("stats_file"), config.get("bpemodel")):
    if path:
        print(path)
PY
)
opts=()
for path in "${referenced[@]}" RESULTS.md "${asr_exp}/images"; do
  [ -e "${path}" ] && opts+=(--option "${path}")
done
set_lm_opts
opts+=("${lm_opts[@]}")
log "packing ${asr_exp} -> ${packed}"
tmp="${packed%.zip}.tmp.zip"
python -m espnet2.bin.pack asr --asr_train_config "${asr_exp}/config.yaml" \
  --asr_model_file "${asr_exp}/${inference_model}" "${opts[@]}" --outpath "${tmp}"
mv "${tmp}" "${packed}"
