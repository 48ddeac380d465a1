#!/usr/bin/env bash
# Stage 75: Noisy Student Training, generations nst_start_iter..nst_stop_iter (BigSSL's second half).
# Generation k (in ${expdir}/nst_iter<k>[_<nst_tag>]/):
#   pseudo/       the teacher labels generation k's unlabeled set in nst_nj resumable shards, one job each
#                 through ${decode_cmd} JOB=1:nst_nj (cmd.sh; with --gpu_inference true
#                 ${cuda_cmd} --gpu 1: a GPU per job, decoding on cuda), logs in log/ (generation 1's
#                 teacher is the stage-50 model ${asr_exp}; generation k's is generation k-1's student)
#   data/pseudo/  confidence filtering (nst_filter_args) with its report (filter/report.md, PNG)
#   data/train/   labeled + kept pseudo-labeled utterances, utt2group, shape files
#   (the exp)     the student: nst_student_config, encoder initialized from the pretrained model
#                 (asr_init_ssl_iter), or with --nst_student_init teacher from its teacher's whole
#                 model; labeled:pseudo mixed per batch; then decoded and scored.
# With --nst_labels reference the loop instead trains one all-labels topline (${expdir}/nst_topline[_<tag>])
# on the unlabeled set's own transcripts (nst_reference_text): same student recipe, no teacher.
# --nst_pseudo_from DIR: generation nst_start_iter takes the labels of its unlabeled set's utterances from
# DIR/pseudo (labeled by the same teacher, on the same set or a larger one) instead of labeling.
# --nst_grow_data true: generation k's student trains on labeled + its own kept pseudo-labels + generations
# 1..k-1's kept pseudo-labels (data/pseudo) of utterances it did not label itself.
# --nst_unlabeled_set "A B ...": generation k labels the k-th set (the last one for every later generation),
# so that a generation can label audio its teacher never trained on.
# Pseudo-labeling decodes with nst_decode_config (Speech2Text options) when set, and with --use_lm true
# adds the stage-55 LM by shallow fusion; nst_pseudo_label_args come last, so they override both.
. "${pipeline_dir}/stages/common.sh"
if [ "${nst_stop_iter}" -lt 1 ]; then log "no NST generation requested (--nst_stop_iter 0)"; exit 0; fi
# The NST options (nst_labels, nst_student_init, the configs, the reference text) were checked by
# pipeline.sh, which runs this stage, before any stage.
suffix="${nst_tag:+_${nst_tag}}"
label_opts=()
[ -z "${nst_decode_config}" ] || label_opts+=(--decode_config "${nst_decode_config}")
if [ "${nst_labels}" = pseudo ]; then
  set_lm_opts
  label_opts+=("${lm_opts[@]}")
fi
labeled_dir="${dumpdir}/raw/${train_set}"
read -ra unlabeled_sets <<< "${nst_unlabeled_set}"
for dset in "${unlabeled_sets[@]}"; do
  [ -f "${dumpdir}/raw/${dset}/wav.scp" ] || { log "no ${dumpdir}/raw/${dset}/wav.scp; run stage 20 on ${dset} (e.g. --test_sets) or stage 44"; exit 1; }
done
unlabeled_of() {  # unlabeled_of K: the dump dir generation K labels
  local n=${#unlabeled_sets[@]}
  echo "${dumpdir}/raw/${unlabeled_sets[$(( $1 <= n ? $1 - 1 : n - 1 ))]}"
}

first="${nst_start_iter}"; last="${nst_stop_iter}"
if [ "${nst_labels}" = reference ]; then first=1; last=1; fi
set_inference_launch  # infer_cmd, infer_device: the same for every generation
for k in $(seq "${first}" "${last}"); do
  teacher="${asr_exp}"
  if [ "${nst_labels}" = reference ]; then
    gen_dir="${expdir}/nst_topline${suffix}"
  else
    gen_dir="${expdir}/nst_iter${k}${suffix}"
    [ "${k}" -gt 1 ] && teacher="${expdir}/nst_iter$((k - 1))${suffix}"
  fi
  unlabeled_dir="$(unlabeled_of "${k}")"
  init=()  # nst_student_init=pretrained: 50_train.sh loads exp/ssl_iter<asr_init_ssl_iter>'s encoder
  [ "${nst_student_init}" = teacher ] && init=(--init_param "${teacher}/${inference_model}")
  lock_dir "${gen_dir}"  # held for the generation: pseudo-labels, filter, student, decoding
  if is_done "${gen_dir}"; then
    log "generation ${k}: ${gen_dir} already trained"
  else
    if [ "${nst_labels}" = reference ]; then
      pseudo_args=(--pseudo "${unlabeled_dir}" --pseudo_text "${nst_reference_text}")
    else
      [ -f "${teacher}/${inference_model}" ] || { log "generation ${k}: no teacher model ${teacher}/${inference_model}; $([ "${k}" -gt 1 ] && echo "run generation $((k - 1)) first (--nst_start_iter $((k - 1)))" || echo "train it with stage 50")"; exit 1; }
      if [ -n "${nst_pseudo_from}" ] && [ "${k}" -eq "${first}" ] && ! is_done "${gen_dir}/pseudo"; then
        log "generation ${k}: the pseudo-labels of ${nst_pseudo_from} for ${unlabeled_dir} (--nst_pseudo_from; its teacher)"
        rm -rf "${gen_dir}/pseudo.tmp"
        python -m bigssl.bin.subset_pseudo_dir --src "${nst_pseudo_from}/pseudo" --data_dir "${unlabeled_dir}" --out "${gen_dir}/pseudo.tmp"
        rm -rf "${gen_dir}/pseudo" && mv "${gen_dir}/pseudo.tmp" "${gen_dir}/pseudo"
        mark_done "${gen_dir}/pseudo"
      fi
      if ! is_done "${gen_dir}/pseudo"; then
        log "generation ${k}: ${teacher} pseudo-labels ${unlabeled_dir} (a job array of ${nst_nj} shards; logs: ${gen_dir}/log/pseudo_label.*.log)"
        # shellcheck disable=SC2206
        pl_args=(--asr_train_config "${teacher}/config.yaml" --asr_model_file "${teacher}/${inference_model}"
                 --data_dir "${unlabeled_dir}" --out_dir "${gen_dir}/pseudo" --nj "${nst_nj}" "${label_opts[@]}"
                 "${infer_device[@]}" ${nst_pseudo_label_args})
        # one shard per job (a finished shard is kept, a killed one redone), then the checked merge
        # shellcheck disable=SC2086
        ${infer_cmd} JOB=1:"${nst_nj}" "${gen_dir}/log/pseudo_label.JOB.log" \
          python -m bigssl.bin.pseudo_label "${pl_args[@]}" --job_id JOB \
          || { log "generation ${k}: pseudo-labeling failed (see above); rerunning the stage redoes only the failed shards"; exit 1; }
        run_logged "${decode_cmd}" "${gen_dir}/log/pseudo_label_merge.log" python -m bigssl.bin.pseudo_label "${pl_args[@]}" --merge_only
        mark_done "${gen_dir}/pseudo"
      fi
      if ! is_done "${gen_dir}/data/pseudo"; then
        reference=()
        [ -f "${nst_reference_text}" ] && reference=(--reference_text "${nst_reference_text}")
        # shellcheck disable=SC2086
        python -m bigssl.bin.filter_pseudo --pseudo_dir "${gen_dir}/pseudo" --out_dir "${gen_dir}/data/pseudo" \
          --title "generation ${k}${nst_tag:+ (${nst_tag})}" "${reference[@]}" ${nst_filter_args}
        mark_done "${gen_dir}/data/pseudo"
      fi
      pseudo_args=(--pseudo "${gen_dir}/data/pseudo")
      if [ "${nst_grow_data}" = true ]; then
        for j in $(seq $((k - 1)) -1 1); do
          earlier="${expdir}/nst_iter${j}${suffix}/data/pseudo"
          is_done "${earlier}" || { log "generation ${k}: --nst_grow_data true needs generation ${j}'s kept pseudo-labels ${earlier}; run generation ${j} first"; exit 1; }
          pseudo_args+=("${earlier}")
        done
      fi
    fi
    if ! is_done "${gen_dir}/data/train"; then
      python -m bigssl.bin.make_student_data --labeled "${labeled_dir}" "${pseudo_args[@]}" --out "${gen_dir}/data/train" \
        --bpemodel "${token_dir}/bpe.model" --token_list "${token_dir}/tokens.txt"
      mark_done "${gen_dir}/data/train"
    fi
    log "generation ${k}: training the student ${gen_dir}"
    bash "${pipeline_dir}/stages/50_train.sh" --asr_exp "${gen_dir}" --asr_config "${nst_student_config}" \
      --asr_args "${nst_student_args}" --train_dir "${gen_dir}/data/train" --shape_dir "${gen_dir}/data/train/shapes" \
      "${init[@]}"
  fi
  bash "${pipeline_dir}/stages/60_decode.sh" --asr_exp "${gen_dir}"
  bash "${pipeline_dir}/stages/70_score.sh" --asr_exp "${gen_dir}"
done
