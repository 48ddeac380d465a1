# Helpers sourced by every stage script (and by pipeline.sh, for log).
set -euo pipefail
. ./path.sh
log() { echo "$(date '+%Y-%m-%dT%H:%M:%S') ($(basename "$0" .sh)) $*"; }
# is_done DIR: true if DIR/.done exists. mark_done DIR: create it (after the step succeeded).
is_done() { [ -f "$1/.done" ]; }
mark_done() { mkdir -p "$1" && touch "$1/.done"; }
# run_logged LOG CMD...: run CMD appending its output to LOG (kept across resumes); on failure
# show the end of LOG and stop the stage.
run_logged() {
  local logfile="$1"; shift
  "$@" >> "${logfile}" 2>&1 || { tail -n 30 "${logfile}" >&2; log "failed; see ${logfile}"; exit 1; }
}
# set_asr_data_args TRAIN_DIR VALID_DIR: the array asr_data_args = the tokenizer and speech+text data
# options of bigssl.bin.asr_train shared by collect_stats (stage 40) and training (stage 50).
set_asr_data_args() {
  asr_data_args=(
    --token_type bpe --bpemodel "${token_dir}/bpe.model" --token_list "${token_dir}/tokens.txt"
    --non_linguistic_symbols none --cleaner none --g2p none
    --train_data_path_and_name_and_type "$1/wav.scp,speech,sound"
    --train_data_path_and_name_and_type "$1/text,text,text"
    --valid_data_path_and_name_and_type "$2/wav.scp,speech,sound"
    --valid_data_path_and_name_and_type "$2/text,text,text"
  )
}
# set_ssl_data_args TRAIN_DIR VALID_DIR: the array ssl_data_args = the speech-only data options of
# bigssl.bin.ssl_train shared by collect_stats (stage 45) and pretraining (stage 46).
set_ssl_data_args() {
  ssl_data_args=(
    --train_data_path_and_name_and_type "$1/wav.scp,speech,sound"
    --valid_data_path_and_name_and_type "$2/wav.scp,speech,sound"
  )
}
# add_vocab_to_text_shapes STATS_DIR: train/valid text_shape -> text_shape.bpe ("tokens,vocabulary"),
# the shape files ESPnet's asr.sh and lm.sh write for token-level batching (stages 40 and 55).
add_vocab_to_text_shapes() {
  local vocab_size part
  vocab_size=$(wc -l < "${token_dir}/tokens.txt")
  for part in train valid; do
    awk -v N="${vocab_size}" '{ print $0 "," N }' "$1/${part}/text_shape" > "$1/${part}/text_shape.bpe"
  done
}
