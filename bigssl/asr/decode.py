"""Decoding with ESPnet's ``Speech2Text`` (CTC and bigssl RNN-T models alike).

``model: bigssl_transducer`` and ``specaug: adaptive_specaug`` are registered into ESPnet's own
class choices when :mod:`bigssl.asr.task` is imported, so stock ``Speech2Text`` builds every model
bigssl trains (RNN-T ones through ESPnet's ``BeamSearchTransducer``: beam search, or greedy at
``beam_size: 1``). Decoding options come from a YAML file of ``Speech2Text`` keyword arguments.
An ESPnet LM (``lm_train_config``/``lm_file``, e.g. the pipeline's stage 55) is added by shallow
fusion with weight ``lm_weight``: as a full scorer of ESPnet's ``BeamSearch`` beside CTC prefix
scoring for CTC models, and inside ``BeamSearchTransducer`` for RNN-T models.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import soundfile
import torch
from tqdm import tqdm

from bigssl.espnet_compat import quiet_espnet_imports
from bigssl.io_utils import PathLike, atomic_open, read_kv, write_text_atomic

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def quiet_root_logging(level: int = logging.WARNING) -> Iterator[None]:
    """Raise the root logger's level meanwhile: ESPnet's ``Speech2Text`` and beam search log the whole
    model and every utterance at INFO through the root logger (``logging.info``)."""
    root = logging.getLogger()
    saved = root.level
    root.setLevel(max(saved, level))
    try:
        yield
    finally:
        root.setLevel(saved)


def load_speech2text(train_config: PathLike, model_file: PathLike, decode_conf: Dict[str, Any], device: str = "cpu"):  # type: ignore[no-untyped-def]
    """``espnet2.bin.asr_inference.Speech2Text`` for an experiment's files (CTC or RNN-T)."""
    quiet_espnet_imports()
    from espnet2.bin.asr_inference import Speech2Text

    import bigssl.asr.task  # noqa: F401  (registers bigssl's model and SpecAugment choices)

    return Speech2Text(
        asr_train_config=str(train_config),
        asr_model_file=str(model_file),
        device=device,
        **decode_conf,
    )


def encode(
    model: torch.nn.Module, speech: torch.Tensor, speech_lengths: torch.Tensor
) -> Tuple[torch.Tensor, torch.Tensor]:
    """The model's encoder output (B, T, D) and lengths (B,), without intermediate-CTC outputs."""
    encoder_out, encoder_out_lens = model.encode(speech, speech_lengths)
    if isinstance(encoder_out, tuple):
        encoder_out = encoder_out[0]
    return encoder_out, encoder_out_lens


def decode_data_dir(speech2text, wav_scp: Path, out_dir: Path, batch_seconds: float = 60.0) -> Dict[str, float]:  # type: ignore[no-untyped-def]
    """Decode every utterance of ``wav_scp`` into ``out_dir/text``; writes and returns timing figures.

    Where :func:`~bigssl.asr.batch_beam.batched_search_for` applies (CTC-only models, with or
    without an LM) and ``batch_seconds`` > 0, the utterances are searched in batches of at most
    ``batch_seconds`` of audio (longest first), each encoded alone: the same hypotheses as one
    ``Speech2Text`` call per utterance up to exact ties. Otherwise one call per utterance.
    """
    from bigssl.asr.batch_beam import batched_search_for

    entries = read_kv(wav_scp)
    search = batched_search_for(speech2text) if batch_seconds > 0 else None
    start = time.perf_counter()
    if search is None:
        hyps, audio_seconds = _decode_one_by_one(
            speech2text, entries, wav_scp.parent.name
        )
    else:
        hyps, audio_seconds = _decode_batched(
            speech2text, search, entries, batch_seconds, wav_scp.parent.name
        )
    elapsed = time.perf_counter() - start
    with atomic_open(out_dir / "text") as handle:
        for utt in entries:
            handle.write(f"{utt} {hyps[utt]}\n")
    figures = {
        "utterances": len(entries),
        "audio_seconds": audio_seconds,
        "wall_seconds": elapsed,
        "rtf": elapsed / max(audio_seconds, 1e-9),
        "threads": torch.get_num_threads(),
        "batch_seconds": batch_seconds if search is not None else 0.0,
    }
    write_text_atomic(out_dir / "rtf.json", json.dumps(figures, indent=2) + "\n")
    logger.info(
        "decoded %d utterances (%.1f s audio) in %.1f s: RTF %.3f",
        len(entries),
        audio_seconds,
        elapsed,
        figures["rtf"],
    )
    return figures


def _decode_one_by_one(speech2text, entries: Dict[str, str], name: str) -> Tuple[Dict[str, str], float]:  # type: ignore[no-untyped-def]
    hyps: Dict[str, str] = {}
    audio_seconds = 0.0
    with torch.no_grad():
        for utt, path in tqdm(entries.items(), desc=f"decode {name}", unit="utt"):
            speech, rate = soundfile.read(path, dtype="float32")
            audio_seconds += len(speech) / rate
            results = speech2text(speech)
            hyps[utt] = results[0][0] if results else ""
    return hyps, audio_seconds


def _decode_batched(speech2text, search, entries: Dict[str, str], batch_seconds: float, name: str) -> Tuple[Dict[str, str], float]:  # type: ignore[no-untyped-def]
    from bigssl.asr.batch_beam import best_token_ids, encode_each, token_text
    from bigssl.data.batching import batch_by_duration, header_durations

    durations = header_durations(
        entries, entries
    )  # one batch's audio in memory at a time
    hyps: Dict[str, str] = {}
    with tqdm(total=len(entries), desc=f"decode {name} (batched)", unit="utt") as bar:
        for batch in batch_by_duration(durations, batch_seconds, descending=True):
            waves = [soundfile.read(entries[u], dtype="float32")[0] for u in batch]
            nbests = search(encode_each(speech2text, waves))
            for utt, nbest in zip(batch, nbests):
                ids = best_token_ids(nbest)
                hyps[utt] = "" if ids is None else token_text(speech2text, ids)
            bar.update(len(batch))
    return hyps, sum(durations.values())


def decode_options(
    config: Path | None = None,
    lm_train_config: Path | None = None,
    lm_file: Path | None = None,
    lm_weight: float | None = None,
) -> Dict[str, Any]:
    """``Speech2Text`` keyword arguments: the YAML file ``config`` plus the LM's files and weight."""
    import yaml

    decode_conf: Dict[str, Any] = (
        yaml.safe_load(config.read_text()) if config else None
    ) or {}
    if (lm_train_config is None) != (lm_file is None):
        raise ValueError("an LM needs both lm_train_config and lm_file")
    if lm_train_config is not None:
        decode_conf.update(lm_train_config=str(lm_train_config), lm_file=str(lm_file))
    if lm_weight is not None:
        decode_conf["lm_weight"] = lm_weight
    return decode_conf


def decode(
    train_config: Path,
    model_file: Path,
    data_dir: Path,
    out_dir: Path,
    config: Path | None = None,
    device: str = "cpu",
    lm_train_config: Path | None = None,
    lm_file: Path | None = None,
    lm_weight: float | None = None,
    batch_seconds: float = 60.0,
) -> Dict[str, float]:
    """Decode ``data_dir/wav.scp`` with the options of the YAML file ``config`` (``bigssl.bin.decode``),
    with shallow fusion of the ESPnet LM ``lm_train_config``/``lm_file`` when given; searches in
    batches of ``batch_seconds`` of audio where it can (:func:`decode_data_dir`)."""
    decode_conf = decode_options(config, lm_train_config, lm_file, lm_weight)
    with quiet_root_logging():
        speech2text = load_speech2text(train_config, model_file, decode_conf, device)
        figures = decode_data_dir(
            speech2text, data_dir / "wav.scp", out_dir, batch_seconds
        )
    if lm_file is not None:
        figures["lm_weight"] = float(decode_conf.get("lm_weight", 1.0))
        write_text_atomic(out_dir / "rtf.json", json.dumps(figures, indent=2) + "\n")
    print(
        f"decoded {figures['utterances']} utterances ({figures['audio_seconds']:.1f} s of audio) in "
        f"{figures['wall_seconds']:.1f} s: RTF {figures['rtf']:.3f} -> {out_dir}/text"
    )
    return figures
