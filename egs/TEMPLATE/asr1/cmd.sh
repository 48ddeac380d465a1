# How heavy jobs are launched. Everything runs locally by default; on a cluster, point these
# at your launcher (e.g. "srun --gres=gpu:1") and the stages will prefix their commands with it.
export train_cmd="${train_cmd:-}"
export decode_cmd="${decode_cmd:-}"
