"""Batches of utterances by duration, for batched inference over a data dir.

Utterances are sorted by duration (ties by id), so that a batch holds utterances of similar length
and little padding, then taken in that order while the batch's padded audio (count x longest) stays
within ``batch_seconds``; an utterance longer than that is a batch of its own.

The callers sort in opposite orders, each for a reason of its own:

- pseudo-labeling (:mod:`bigssl.nst.pseudo_label`) goes longest first: its shards take whole
  batches, each to the least loaded shard so far, which balances best when the biggest come first,
  and the most memory-hungry batch runs first, so a ``batch_seconds`` too large fails at once;
- embedding extraction (:mod:`bigssl.probe.extract`) goes shortest first: the order fixes the
  numbering of its resumable shards and the rows of its cached ``layer<k>.npy``, so it stays as it
  was when those caches were written.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Mapping


def batch_by_duration(
    durations: Mapping[str, float], batch_seconds: float, *, descending: bool
) -> List[List[str]]:
    """Utterance ids of ``durations`` in batches of at most ``batch_seconds`` of padded audio.

    ``descending``: longest first (ties by id) instead of shortest first (see the module doc).
    """
    sign = -1.0 if descending else 1.0
    batches: List[List[str]] = []
    current: List[str] = []
    longest = 0.0
    for utt in sorted(durations, key=lambda u: (sign * durations[u], u)):
        longest = max(longest, durations[utt]) if current else durations[utt]
        if current and longest * (len(current) + 1) > batch_seconds:
            batches.append(current)
            current, longest = [], durations[utt]
        current.append(utt)
    if current:
        batches.append(current)
    return batches


def header_durations(
    wav_scp: Mapping[str, str], utts: Iterable[str]
) -> Dict[str, float]:
    """Seconds of audio of each of ``utts``, read from its file's header (no samples decoded)."""
    import soundfile

    durations: Dict[str, float] = {}
    for utt in utts:
        try:
            info = soundfile.info(wav_scp[utt])
        except (
            Exception
        ) as error:  # soundfile raises several types for unreadable files
            raise RuntimeError(
                f"{utt}: cannot read audio {wav_scp[utt]}: {error}"
            ) from error
        durations[utt] = info.frames / info.samplerate
    return durations
