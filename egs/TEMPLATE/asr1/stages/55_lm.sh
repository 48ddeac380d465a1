#!/usr/bin/env bash
# Stage 55: ESPnet language model for shallow fusion (only with --lm_config), trained on the text-only
# corpus lm_train_text (one sentence per line) with the ASR model's tokenizer and token list.
#   ${lm_exp}/data/   {train,valid}.txt with ids lm_<line>; every 20th sentence is the validation part.
#                     Sentences of the evaluation sets (test_sets, valid_set) are dropped (counted in the log).
#   ${lm_exp}/stats/  ESPnet collect_stats (token counts per sentence, for batching)
#   ${lm_exp}/        ESPnet LM training (--resume true: a killed run continues); ${lm_model} for decoding
. "${pipeline_dir}/stages/common.sh"
if [ -z "${lm_config}" ]; then log "no LM requested (--lm_config empty)"; exit 0; fi
if is_done "${lm_exp}"; then log "${lm_exp} already trained"; exit 0; fi
[ -s "${lm_train_text}" ] || { log "no LM text ${lm_train_text} (--lm_train_text)"; exit 1; }
[ -f "${token_dir}/tokens.txt" ] || { log "no token list ${token_dir}; run stage 30 first"; exit 1; }
data_dir="${lm_exp}/data"; stats_dir="${lm_exp}/stats"
lock_dir "${lm_exp}"
if is_done "${lm_exp}"; then log "${lm_exp} already trained"; exit 0; fi

if ! is_done "${data_dir}"; then
  rm -rf "${data_dir}.tmp" && mkdir -p "${data_dir}.tmp"
  held_out=()
  for dset in ${valid_set} ${test_sets}; do
    [ -f "${dumpdir}/raw/${dset}/text" ] && held_out+=("${dumpdir}/raw/${dset}/text")
  done
  # The evaluation sentences are read first (FILENAME != the LM text), then the LM text is split.
  awk -v lm="${lm_train_text}" -v out="${data_dir}.tmp" '
    FILENAME != lm { $1 = ""; sub(/^ +/, ""); if ($0 != "") eval[$0] = 1; next }
    { $1 = $1 }
    NF == 0 { next }
    $0 in eval { dropped++; next }
    { n++; printf "lm_%07d %s\n", n, $0 > (out "/" ((n % 20 == 0) ? "valid" : "train") ".txt") }
    END { printf "%d sentences (%d train, %d valid), %d evaluation sentences dropped\n",
          n, n - int(n / 20), int(n / 20), dropped + 0 > (out "/summary.txt") }
  ' "${held_out[@]}" "${lm_train_text}"
  log "LM text ${lm_train_text}: $(cat "${data_dir}.tmp/summary.txt")"
  rm -rf "${data_dir}" && mv "${data_dir}.tmp" "${data_dir}"
  mark_done "${data_dir}"
fi

lm_data_args=(
  --token_type bpe --bpemodel "${token_dir}/bpe.model" --token_list "${token_dir}/tokens.txt"
  --non_linguistic_symbols none --cleaner none --g2p none
  --train_data_path_and_name_and_type "${data_dir}/train.txt,text,text"
  --valid_data_path_and_name_and_type "${data_dir}/valid.txt,text,text"
)
if ! is_done "${stats_dir}"; then
  rm -rf "${stats_dir}.tmp" && mkdir -p "${stats_dir}.tmp"
  log "collecting LM statistics -> ${stats_dir}"
  # shellcheck disable=SC2086
  run_logged "${train_cmd}" "${stats_dir}.tmp/stats.log" python -m bigssl.bin.lm_train \
    --collect_stats true --use_preprocessor true --ngpu 0 --num_workers 1 "${lm_data_args[@]}" \
    --train_shape_file "${data_dir}/train.txt" --valid_shape_file "${data_dir}/valid.txt" \
    --output_dir "${stats_dir}.tmp" --config "${lm_config}" ${lm_args}
  add_vocab_to_text_shapes "${stats_dir}.tmp"
  rm -rf "${stats_dir}" && mv "${stats_dir}.tmp" "${stats_dir}"
  mark_done "${stats_dir}"
fi

echo "${BIGSSL_EXP_COMMAND}" > "${lm_exp}/run_command"
ngpu_cmd="${train_cmd}"  # one process (on --ngpu GPUs by DataParallel, as before)
[ "${ngpu}" -eq 0 ] || ngpu_cmd="${cuda_cmd} --gpu ${ngpu}"
start=$(date +%s)
log "training ${lm_exp} (log: ${lm_exp}/train.log)"
# shellcheck disable=SC2086
run_logged "${ngpu_cmd}" "${lm_exp}/train.log" python -m bigssl.bin.lm_train \
  --use_preprocessor true --resume true --ngpu "${ngpu}" "${lm_data_args[@]}" \
  --train_shape_file "${stats_dir}/train/text_shape.bpe" --valid_shape_file "${stats_dir}/valid/text_shape.bpe" \
  --fold_length 150 --output_dir "${lm_exp}" --config "${lm_config}" ${lm_args}
[ -f "${lm_exp}/${lm_model}" ] || { log "training left no ${lm_exp}/${lm_model} (--lm_model; see ${lm_exp}/train.log)"; exit 1; }
python -m bigssl.bin.plot_curves --log "${lm_exp}/train.log" --keys loss --title "LM training: ${lm_exp}" > /dev/null
# validation perplexity per epoch (ESPnet's LM loss is the mean token NLL, <eos> included)
grep -o '[0-9]*epoch results: .*\[valid\] loss=[0-9.]*' "${lm_exp}/train.log" \
  | sed -E 's/^([0-9]+)epoch.*\[valid\] loss=([0-9.]+)$/\1 \2/' \
  | awk '{ printf "epoch %d valid loss %.4f perplexity %.2f\n", $1, $2, exp($2) }' > "${lm_exp}/valid_perplexity.txt" || true
seconds=$(( $(date +%s) - start ))
log "LM trained in ${seconds} s: $(tail -n 1 "${lm_exp}/valid_perplexity.txt" 2>/dev/null || true)"
# a section of RESULTS.md (stage 80 adds every ${expdir}/lm_*/results_section.md)
params="$(grep -m 1 -o 'Total Number of model parameters: .*' "${lm_exp}/train.log" | sed 's/.*: //' || true)"
{
  echo "## Language model \`$(basename "${lm_exp}")\`"
  echo
  echo "ESPnet LM \`${lm_config}\` (${params:-?} parameters, ${seconds} s of training here) on"
  echo "\`${lm_train_text}\`: $(cat "${data_dir}/summary.txt"). Validation perplexity per token (\`<eos>\` included):"
  echo
  echo '```'
  cat "${lm_exp}/valid_perplexity.txt"
  echo '```'
} > "${lm_exp}/results_section.md"
mark_done "${lm_exp}"
