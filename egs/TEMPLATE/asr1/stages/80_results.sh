#!/usr/bin/env bash
# Stage 80: generate RESULTS.md from every scored experiment under ${expdir}/asr_* and
# ${expdir}/nst_* (NST students and toplines) and the same under each of --results_expdirs, plus the
# stage-55 language models' sections (${expdir}/lm_*/results_section.md) and any extra sections the
# recipe left in ${expdir}/results_sections/*.md (e.g. comparisons). ${expdir}/results_headline.md, when a
# recipe script wrote one (egs/mini/demo1/run.sh: its system table), opens RESULTS.md, right under the title.
. "${pipeline_dir}/stages/common.sh"
exp_args=()
section_args=()
# ${expdir} first (its runs are named bare in the tables), then --results_expdirs (named <dir>/<run>; one that
# does not exist yet is skipped with a log line); runs that are symlinks into another experiment dir (shared
# across dirs) are listed once, where they live.
dirs=("${expdir}")
for dir in ${results_expdirs}; do
  if [ "${dir%/}" = "${expdir%/}" ]; then continue; fi
  if [ -d "${dir}" ]; then dirs+=("${dir%/}"); else log "no experiment dir ${dir} (--results_expdirs): skipped"; fi
done
for dir in "${dirs[@]}"; do
  for exp in "${dir}"/asr_*/ "${dir}"/nst_*/; do
    exp="${exp%/}"
    [ -d "${exp}" ] && [ ! -L "${exp}" ] || continue
    compgen -G "${exp}/decode_*/*/score_wer/result.json" > /dev/null && exp_args+=(--exp_dir "${exp}")
  done
  for summary in "${dir}"/ssl_iter*/train_summary.json; do
    [ -f "${summary}" ] && [ ! -L "$(dirname "${summary}")" ] && section_args+=(--summary "${summary}")
  done
done
[ ${#exp_args[@]} -gt 0 ] || { log "no scored experiment under ${expdir}; run stages 60-70 first"; exit 1; }
for section in "${expdir}"/lm_*/results_section.md "${expdir}"/results_sections/*.md; do
  [ -f "${section}" ] && section_args+=(--section_file "${section}")
done
python -m bigssl.bin.write_results --out RESULTS.md --title "${results_title}" --main_expdir "${expdir}" \
  "${exp_args[@]}" "${section_args[@]}" --data_dir data --headline_file "${expdir}/results_headline.md" \
  --command "${BIGSSL_TOP_COMMAND}"
log "wrote RESULTS.md"
