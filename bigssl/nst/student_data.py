"""The student's training set: labeled + pseudo-labeled utterances, their groups and shape files.

Writes a Kaldi data dir (wav.scp, text, utt2spk, spk2utt) with ``utt2group`` (``labeled`` or
``pseudo``, read by the batch-mixing sampler) and the two shape files ESPnet's samplers read
(``shapes/speech_shape``: samples; ``shapes/text_shape.bpe``: ``tokens,vocabulary``), computed
directly so no collect-stats pass is needed (normalization reuses existing statistics).

K-best training (when the pseudo dir holds ``nbest_text.<k>``/``nbest_weight.<k>``, see
:mod:`bigssl.nst.filtering`): each pseudo utterance ``u`` becomes one entry ``u-nb<k>`` per
hypothesis k with a non-empty text and a weight > 0 (same audio and speaker, text = hypothesis k,
group ``pseudo``), and two more files are written: ``utt2weight`` (``u-nb<k> <posterior weight>``)
and ``utt2base`` (``u-nb<k> u``). The batch-mixing sampler then shows each base utterance once per
pass with one alternative drawn in proportion to its weight, so in expectation the loss is the
posterior-weighted loss over the K hypotheses (no model change; CTC and RNN-T alike). An utterance
with no usable hypothesis keeps its 1-best ``text`` as the single entry ``u-nb0`` (weight 1).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Dict, Optional, Tuple

from bigssl.asr.mixing import UTT2BASE, UTT2GROUP, UTT2WEIGHT
from bigssl.data.kaldi_dir import DataDir, load_data_dir
from bigssl.io_utils import PathLike, examples, read_kv, write_kv

logger = logging.getLogger(__name__)

NBEST_SUFFIX = "-nb"


def expand_nbest(
    pseudo: DataDir, nbest: "NBest"
) -> Tuple[DataDir, Dict[str, str], Dict[str, float]]:  # noqa: F821
    """(one entry per usable hypothesis, utt2base, utt2weight) for K-best training (module doc)."""
    expanded = DataDir(wav_scp={}, utt2spk={}, text={})
    bases: Dict[str, str] = {}
    weights: Dict[str, float] = {}
    fallback = []
    for utt in pseudo.utt_ids:
        alternatives = [
            (k, text, weight)
            for k, (text, weight) in enumerate(
                zip(nbest.texts[utt], nbest.weights[utt]), 1
            )
            if text and weight > 0
        ]
        if not alternatives:
            fallback.append(utt)
            alternatives = [(0, pseudo.text[utt], 1.0)]
        for k, text, weight in alternatives:
            entry = f"{utt}{NBEST_SUFFIX}{k}"
            expanded.wav_scp[entry] = pseudo.wav_scp[utt]
            expanded.utt2spk[entry] = pseudo.utt2spk[utt]
            expanded.text[entry] = text
            bases[entry] = utt
            weights[entry] = weight
    if fallback:
        logger.warning(
            "%d pseudo-labeled utterance(s) have no non-empty K-best hypothesis with weight > 0; they keep "
            "their 1-best text as '<utt>%s0', e.g. %s",
            len(fallback),
            NBEST_SUFFIX,
            fallback[:3],
        )
    return expanded, bases, weights


def merge_groups(labeled: DataDir, pseudo: DataDir) -> tuple:
    """(combined DataDir, utt2group); utterance ids must not collide."""
    clash = sorted(set(labeled.wav_scp) & set(pseudo.wav_scp))
    if clash:
        raise ValueError(
            f"{examples(clash, 'utterance ids')} are both labeled and pseudo-labeled"
        )
    for name, part in (("labeled", labeled), ("pseudo", pseudo)):
        missing = sorted(set(part.wav_scp) - set(part.text))
        if missing:
            raise ValueError(
                f"{name} data: {examples(missing, 'utterances')} have no text"
            )
    combined = DataDir(
        wav_scp={**labeled.wav_scp, **pseudo.wav_scp},
        utt2spk={**labeled.utt2spk, **pseudo.utt2spk},
        text={**labeled.text, **pseudo.text},
    )
    groups = {
        **{u: "labeled" for u in labeled.wav_scp},
        **{u: "pseudo" for u in pseudo.wav_scp},
    }
    return combined, groups


def write_shapes(
    data: DataDir, shape_dir: Path, bpemodel: PathLike, vocab_size: int
) -> None:
    """speech_shape (samples) and text_shape.bpe (tokens,vocabulary) for every utterance."""
    import sentencepiece
    import soundfile

    processor = sentencepiece.SentencePieceProcessor(model_file=str(bpemodel))
    speech: Dict[str, str] = {}
    text: Dict[str, str] = {}
    frames_of: Dict[str, int] = {}  # K-best entries share their audio
    for utt in data.utt_ids:
        path = data.wav_scp[utt]
        if path not in frames_of:
            try:
                frames_of[path] = soundfile.info(path).frames
            except (
                Exception
            ) as error:  # soundfile raises several types for unreadable files
                raise RuntimeError(
                    f"{utt}: cannot read audio {path}: {error}"
                ) from error
        speech[utt] = str(frames_of[path])
        tokens = len(processor.encode(data.text[utt], out_type=str))
        if tokens == 0:
            raise ValueError(f"{utt}: empty transcript")
        text[utt] = f"{tokens},{vocab_size}"
    write_kv(shape_dir / "speech_shape", speech.items())
    write_kv(shape_dir / "text_shape.bpe", text.items())


def build_student_data(
    labeled_dir: PathLike,
    pseudo_dir: PathLike,
    out_dir: PathLike,
    bpemodel: PathLike,
    token_list: PathLike,
    pseudo_text: Optional[PathLike] = None,
    nbest_training: Optional[bool] = None,
) -> Dict[str, int]:
    """Write the mixed training dir; returns utterance counts per group (+ ``pseudo_base`` with K-best).

    ``pseudo_text`` replaces the pseudo dir's transcripts (the all-labels topline uses the
    unlabeled set's own reference transcripts); it must cover every utterance.
    ``nbest_training``: train on the K-best hypotheses (module doc); None = when the pseudo dir has
    K-best files (and no ``pseudo_text`` is given), True = require them, False = 1-best only.
    """
    from bigssl.nst.pseudo_dir import load_nbest, nbest_files

    out_dir = Path(out_dir)
    has_nbest = bool(nbest_files(pseudo_dir))
    if nbest_training and not has_nbest:
        raise FileNotFoundError(
            f"{pseudo_dir}: K-best training needs nbest_text.<k>/nbest_weight.<k> files "
            "(pseudo_label --nbest K, then filter_pseudo); none found"
        )
    if nbest_training and pseudo_text is not None:
        raise ValueError(
            "K-best training and --pseudo_text (reference transcripts) exclude each other"
        )
    use_nbest = (
        (has_nbest and pseudo_text is None)
        if nbest_training is None
        else nbest_training
    )
    pseudo = load_data_dir(pseudo_dir, require_text=pseudo_text is None)
    if pseudo_text is not None:
        reference = read_kv(pseudo_text)
        missing = sorted(set(pseudo.wav_scp) - set(reference))
        if missing:
            raise ValueError(
                f"{pseudo_text}: no transcript for {examples(missing, 'utterances')} of {pseudo_dir}"
            )
        pseudo.text = {u: reference[u] for u in pseudo.wav_scp}
    bases: Dict[str, str] = {}
    weights: Dict[str, float] = {}
    if use_nbest:
        nbest = load_nbest(pseudo_dir, pseudo.utt_ids)
        pseudo, bases, weights = expand_nbest(pseudo, nbest)  # type: ignore[arg-type]
    combined, groups = merge_groups(
        load_data_dir(labeled_dir, require_text=True), pseudo
    )
    vocab_size = sum(
        1
        for line in Path(token_list).read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
    write_shapes(combined, out_dir / "shapes", bpemodel, vocab_size)
    combined.save(out_dir)
    write_kv(out_dir / UTT2GROUP, groups.items())
    if use_nbest:
        write_kv(out_dir / UTT2WEIGHT, ((u, f"{w:.6f}") for u, w in weights.items()))
        write_kv(out_dir / UTT2BASE, bases.items())
    else:
        for name in (
            UTT2WEIGHT,
            UTT2BASE,
        ):  # from an earlier K-best build: the sampler would read them
            (out_dir / name).unlink(missing_ok=True)
    counts = {
        "labeled": sum(1 for g in groups.values() if g == "labeled"),
        "pseudo": sum(1 for g in groups.values() if g == "pseudo"),
    }
    if use_nbest:
        counts["pseudo_base"] = len(set(bases.values()))
        logger.info(
            "student data %s: %d labeled + %d pseudo-labeled utterances as %d K-best entries (%.2f per utterance)",
            out_dir,
            counts["labeled"],
            counts["pseudo_base"],
            counts["pseudo"],
            counts["pseudo"] / max(1, counts["pseudo_base"]),
        )
    else:
        logger.info(
            "student data %s: %d labeled + %d pseudo-labeled utterances",
            out_dir,
            counts["labeled"],
            counts["pseudo"],
        )
    return counts
