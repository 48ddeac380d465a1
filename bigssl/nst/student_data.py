"""The student's training set: labeled + pseudo-labeled utterances, their groups and shape files.

Writes a Kaldi data dir (wav.scp, text, utt2spk, spk2utt) with ``utt2group`` (``labeled`` or
``pseudo``, read by the batch-mixing sampler) and the two shape files ESPnet's samplers read
(``shapes/speech_shape``: samples; ``shapes/text_shape.bpe``: ``tokens,vocabulary``), computed
directly so no collect-stats pass is needed (normalization reuses existing statistics).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Dict, Optional, Sequence, Union

from bigssl.asr.mixing import UTT2GROUP
from bigssl.data.kaldi_dir import DataDir, load_data_dir
from bigssl.io_utils import PathLike, examples, read_kv, write_kv

logger = logging.getLogger(__name__)


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
    frames_of: Dict[str, int] = {}  # an audio file of several utterances is read once
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


def union_pseudo(pseudo_dirs: Sequence[PathLike]) -> DataDir:
    """The pseudo-labeled dirs as one; an utterance in several keeps the first dir's label.

    NST with growing data: generation k's own labels come first, earlier generations' labels
    of other audio after them. Each dropped duplicate is counted in the log.
    """
    union = DataDir(wav_scp={}, utt2spk={}, text={})
    for pseudo_dir in pseudo_dirs:
        part = load_data_dir(pseudo_dir, require_text=True)
        fresh = [u for u in part.utt_ids if u not in union.wav_scp]
        if len(fresh) < len(part.wav_scp):
            logger.info(
                "%s: %d of its %d utterances are labeled by an earlier dir of --pseudo; its labels of them are not used",
                pseudo_dir,
                len(part.wav_scp) - len(fresh),
                len(part.wav_scp),
            )
        for utt in fresh:
            union.wav_scp[utt] = part.wav_scp[utt]
            union.utt2spk[utt] = part.utt2spk[utt]
            union.text[utt] = part.text[utt]
    return union


def build_student_data(
    labeled_dir: PathLike,
    pseudo_dirs: Union[PathLike, Sequence[PathLike]],
    out_dir: PathLike,
    bpemodel: PathLike,
    token_list: PathLike,
    pseudo_text: Optional[PathLike] = None,
) -> Dict[str, int]:
    """Write the mixed training dir; returns utterance counts per group.

    ``pseudo_dirs``: one pseudo-labeled dir, or several (see ``union_pseudo``).
    ``pseudo_text`` replaces the pseudo dir's transcripts (the all-labels topline uses the
    unlabeled set's own reference transcripts); it must cover every utterance, and then only one
    pseudo dir is allowed.
    """
    out_dir = Path(out_dir)
    if isinstance(pseudo_dirs, (str, Path)):
        pseudo_dirs = [pseudo_dirs]
    if pseudo_text is not None and len(pseudo_dirs) != 1:
        raise ValueError(
            f"--pseudo_text replaces one pseudo dir's transcripts, not {len(pseudo_dirs)}'s"
        )
    if pseudo_text is None:
        pseudo = union_pseudo(pseudo_dirs)
    else:
        pseudo = load_data_dir(pseudo_dirs[0], require_text=False)
        reference = read_kv(pseudo_text)
        missing = sorted(set(pseudo.wav_scp) - set(reference))
        if missing:
            raise ValueError(
                f"{pseudo_text}: no transcript for {examples(missing, 'utterances')} of {pseudo_dirs[0]}"
            )
        pseudo.text = {u: reference[u] for u in pseudo.wav_scp}
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
    counts = {
        "labeled": sum(1 for g in groups.values() if g == "labeled"),
        "pseudo": sum(1 for g in groups.values() if g == "pseudo"),
    }
    logger.info(
        "student data %s: %d labeled + %d pseudo-labeled utterances",
        out_dir,
        counts["labeled"],
        counts["pseudo"],
    )
    return counts
