# How heavy jobs are launched (Kaldi/ESPnet cmd.sh). The stages call
#   ${train_cmd}  [options] LOGFILE COMMAND ARGS...           training, statistics (CPU or GPUs)
#   ${cuda_cmd}   [options] LOGFILE COMMAND ARGS...           training on GPUs (--gpu N)
#   ${decode_cmd} [options] [JOB=1:N] LOGFILE COMMAND ARGS... decoding, pseudo-labeling job arrays
# with options --gpu N, --num_threads N, --mem X, --num_nodes M, --max_jobs_run N (see
# utils/run_local.sh, utils/run_slurm.sh). The backend is chosen by cmd_backend (environment):
#   local  utils/run_local.sh: this machine, JOB=1:N tasks in parallel (default)
#   slurm  utils/run_slurm.sh: one 'sbatch --wait' job (array) per call; more sbatch options in
#          BIGSSL_SBATCH_OPTS, e.g. export BIGSSL_SBATCH_OPTS="--partition=gpu --time=3-00:00:00"
# Setting train_cmd, decode_cmd or cuda_cmd in the environment overrides the choice.
#
# From one CPU to many GPUs, the same recipe (pipeline options --num_procs, --ngpu, --num_nodes,
# --dist_launcher; stages 46 pretraining, 50 ASR training, 75 students):
#   ./run.sh                                     # 1 CPU process
#   ./run.sh --num_procs 2                       # 2 CPU processes: torchrun + ESPnet DDP (gloo)
#   ./run.sh --ngpu 8                            # 8 GPUs of one machine: ESPnet spawns 8 (nccl)
#   cmd_backend=slurm ./run.sh --ngpu 8          # the same as one Slurm job (sbatch --wait)
#   cmd_backend=slurm ./run.sh --ngpu 8 --num_nodes 2 --dist_launcher slurm
#                                                # 2 nodes x 8 GPUs: srun, one ESPnet launcher per node
#   ./run.sh --nst_nj 8                          # pseudo-labeling as a job array of 8 shards
cmd_backend="${cmd_backend:-local}"
__cmd_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
case "${cmd_backend}" in
  local) __cmd="${__cmd_dir}/utils/run_local.sh" ;;
  slurm) __cmd="${__cmd_dir}/utils/run_slurm.sh" ;;
  *) echo "cmd.sh: cmd_backend must be local or slurm, not '${cmd_backend}'" >&2; return 2 2>/dev/null || exit 2 ;;
esac
export cmd_backend
export train_cmd="${train_cmd:-${__cmd}}"
export cuda_cmd="${cuda_cmd:-${__cmd}}"
export decode_cmd="${decode_cmd:-${__cmd}}"
unset __cmd __cmd_dir
