"""Decode a data dir with ESPnet ``Speech2Text`` and write a hypothesis ``text``.

CTC models (``model: espnet``) go through stock ``Speech2Text``; RNN-T models
(``model: bigssl_transducer``), which stock ``ASRTask`` cannot build, through the same
``Speech2Text`` with ``BigSSLASRTask`` (:func:`bigssl.asr.rnnt_decode.build_speech2text`).

Decoding options come from a YAML file of ``Speech2Text`` keyword arguments (beam_size,
ctc_weight, ...). Writes ``OUT/text`` atomically and ``OUT/rtf.json`` (real-time factor).
"""
from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Dict, List, Optional

import soundfile
import yaml
from tqdm import tqdm

from bigssl.cli import setup_logging
from bigssl.espnet_compat import quiet_espnet_imports
from bigssl.io_utils import atomic_open, read_kv, write_text_atomic


def load_speech2text(train_config: Path, model_file: Path, decode_conf: Dict, device: str = "cpu"):  # type: ignore[no-untyped-def]
    """Build ``espnet2.bin.asr_inference.Speech2Text`` from an experiment's files (CTC or RNN-T)."""
    quiet_espnet_imports()
    kwargs = dict(asr_train_config=str(train_config), asr_model_file=str(model_file), device=device, **decode_conf)
    with open(train_config, encoding="utf-8") as handle:
        model_name = (yaml.safe_load(handle) or {}).get("model") or "espnet"
    from bigssl.asr.transducer import TRANSDUCER_MODEL_NAME

    if model_name == TRANSDUCER_MODEL_NAME:
        from bigssl.asr.rnnt_decode import build_speech2text

        return build_speech2text(**kwargs)
    from espnet2.bin.asr_inference import Speech2Text

    return Speech2Text(**kwargs)


def decode_data_dir(speech2text, wav_scp: Path, out_dir: Path) -> Dict[str, float]:  # type: ignore[no-untyped-def]
    """Decode every utterance of ``wav_scp``; returns timing figures."""
    import torch

    entries = read_kv(wav_scp)
    audio_seconds = 0.0
    start = time.perf_counter()
    hyps: Dict[str, str] = {}
    with torch.no_grad():
        for utt, path in tqdm(entries.items(), desc=f"decode {wav_scp.parent.name}", unit="utt"):
            speech, rate = soundfile.read(path, dtype="float32")
            audio_seconds += len(speech) / rate
            results = speech2text(speech)
            hyps[utt] = results[0][0] if results else ""
    elapsed = time.perf_counter() - start
    with atomic_open(out_dir / "text") as handle:
        for utt, hyp in hyps.items():
            handle.write(f"{utt} {hyp}\n")
    figures = {"utterances": len(entries), "audio_seconds": audio_seconds, "wall_seconds": elapsed,
               "rtf": elapsed / max(audio_seconds, 1e-9), "threads": torch.get_num_threads()}
    write_text_atomic(out_dir / "rtf.json", json.dumps(figures, indent=2) + "\n")
    logging.info("decoded %d utterances (%.1f s audio) in %.1f s: RTF %.3f", len(entries), audio_seconds, elapsed, figures["rtf"])
    return figures


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--asr_train_config", type=Path, required=True)
    parser.add_argument("--asr_model_file", type=Path, required=True)
    parser.add_argument("--data_dir", type=Path, required=True, help="data dir with wav.scp")
    parser.add_argument("--out_dir", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=None, help="YAML of Speech2Text keyword arguments")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    setup_logging()
    decode_conf = yaml.safe_load(args.config.read_text()) if args.config else {}
    logging.getLogger().setLevel(logging.WARNING)  # Speech2Text logs the whole model and every utterance at INFO
    speech2text = load_speech2text(args.asr_train_config, args.asr_model_file, decode_conf or {}, args.device)
    figures = decode_data_dir(speech2text, args.data_dir / "wav.scp", args.out_dir)
    print(f"decoded {figures['utterances']} utterances ({figures['audio_seconds']:.1f} s of audio) in "
          f"{figures['wall_seconds']:.1f} s: RTF {figures['rtf']:.3f} -> {args.out_dir}/text")


if __name__ == "__main__":
    main()
