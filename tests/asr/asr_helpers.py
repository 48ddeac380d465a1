"""Shared fixtures of the ASR tests: a one-block Conformer small enough to train in a test."""

from __future__ import annotations

import argparse
from typing import Dict, Sequence

TINY_ENCODER: Dict[str, object] = {
    "output_size": 32,
    "attention_heads": 2,
    "linear_units": 64,
    "num_blocks": 1,
    "cnn_module_kernel": 3,
    "input_layer": "conv2d",
    "use_flash_attn": False,
}


def tiny_asr_args(tokens: Sequence[str], transducer: bool) -> argparse.Namespace:
    """Training arguments of a tiny random CTC (``model: espnet``) or RNN-T (``bigssl_transducer``) model."""
    from bigssl.asr.task import BigSSLASRTask

    extra = ["--model", "bigssl_transducer"] if transducer else []
    args = BigSSLASRTask.get_parser().parse_args(
        ["--output_dir", "unused", "--token_list", "unused", *extra]
    )
    args.token_list, args.token_type = list(tokens), "char"
    args.frontend_conf = {"n_fft": 128, "hop_length": 64, "n_mels": 20}
    args.encoder, args.encoder_conf = "conformer", dict(TINY_ENCODER)
    args.specaug, args.normalize = None, None
    if transducer:
        args.decoder = "transducer"
        args.decoder_conf = {"rnn_type": "lstm", "num_layers": 1, "hidden_size": 24}
        args.joint_net_conf = {"joint_space_size": 16}
        args.model_conf = {"ctc_weight": 0.3, "report_cer": False, "report_wer": False}
    else:
        args.decoder, args.decoder_conf = None, {}
        args.model_conf = {"ctc_weight": 1.0}
    return args
