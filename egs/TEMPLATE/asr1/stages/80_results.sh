#!/usr/bin/env bash
# Stage 80: generate RESULTS.md from every scored experiment under ${expdir}/asr_* and
# ${expdir}/nst_* (NST students and toplines), plus the stage-55 language models' sections
# (${expdir}/lm_*/results_section.md) and any extra sections the recipe left in
# ${expdir}/results_sections/*.md (e.g. comparisons).
. "${pipeline_dir}/stages/common.sh"
exp_args=()
section_args=()
for exp in "${expdir}"/asr_*/ "${expdir}"/nst_*/; do
  [ -d "${exp}" ] || continue
  exp="${exp%/}"
  compgen -G "${exp}/decode_*/*/score_wer/result.json" > /dev/null && exp_args+=(--exp_dir "${exp}")
done
[ ${#exp_args[@]} -gt 0 ] || { log "no scored experiment under ${expdir}; run stages 60-70 first"; exit 1; }
for summary in "${expdir}"/ssl_iter*/train_summary.json; do
  [ -f "${summary}" ] && section_args+=(--summary "${summary}")
done
for section in "${expdir}"/lm_*/results_section.md "${expdir}"/results_sections/*.md; do
  [ -f "${section}" ] && section_args+=(--section_file "${section}")
done
python -m bigssl.bin.write_results --out RESULTS.md --title "${results_title}" \
  "${exp_args[@]}" "${section_args[@]}" --data_dir data \
  --command "${BIGSSL_TOP_COMMAND}"
log "wrote RESULTS.md"
