"""Greedy CTC hypotheses with per-token posteriors, and the utterance confidence built from them.

The NST paper (Park et al. 2020, used by BigSSL) scores a pseudo-label by its length-normalized
mean token posterior: the mean, over the hypothesis's tokens, of the probability the model gave
each emitted token. For CTC a token is emitted by a run of identical non-blank frames; its
posterior is the highest frame posterior within that run. For RNN-T (``bigssl.asr.rnnt_decode``)
it is the joint network's probability of the token at the step that emitted it.

Beam-search hypotheses (LM shallow fusion, ``bigssl.nst.pseudo_label``) are scored instead from
their log scores: :func:`beam_log_scores` splits an ESPnet ``BeamSearch`` hypothesis into its fused
and acoustic log scores, :func:`lm_token_log_prob` re-scores an RNN-T hypothesis's LM share, and
:func:`score_confidence` maps a log score to ``clip(exp(score / (tokens + 1)), 0, 1)``.
"""

from __future__ import annotations

import math
from typing import List, Mapping, Sequence, Tuple

import torch

TokenPosteriors = Tuple[List[int], List[float]]


def ctc_greedy_with_posteriors(
    log_probs: torch.Tensor, lengths: torch.Tensor, blank_id: int = 0
) -> List[TokenPosteriors]:
    """Best-path CTC decoding of a batch (B, T, V) of log posteriors, with each emitted token's posterior.

    Frames beyond ``lengths[b]`` are ignored. Returns, per utterance, (token ids, posteriors).
    """
    best_logp, best_ids = log_probs.max(dim=-1)
    results: List[TokenPosteriors] = []
    for b in range(log_probs.size(0)):
        frames = int(lengths[b])
        ids = best_ids[b, :frames].tolist()
        probs = best_logp[b, :frames].exp().tolist()
        tokens: List[int] = []
        posteriors: List[float] = []
        previous = blank_id
        for token, prob in zip(ids, probs):
            if token != blank_id:
                if token != previous:
                    tokens.append(token)
                    posteriors.append(prob)
                elif prob > posteriors[-1]:
                    posteriors[-1] = prob  # same run: keep its most confident frame
            previous = token
        results.append((tokens, posteriors))
    return results


def mean_token_posterior(posteriors: Sequence[float]) -> float:
    """Length-normalized confidence in [0, 1]; an empty hypothesis has confidence 0."""
    if not posteriors:
        return 0.0
    value = float(sum(posteriors)) / len(posteriors)
    return min(1.0, max(0.0, value))


# Beam-search hypotheses (``--decode_config`` / ``--lm_file``): fused and acoustic log scores.

#: ESPnet ``BeamSearch`` scorers that belong to the acoustic model itself.
ACOUSTIC_SCORERS = ("decoder", "ctc")


def score_confidence(log_score: float, num_tokens: int) -> float:
    """``clip(exp(log_score / (num_tokens + 1)), 0, 1)``; 0 for an empty hypothesis.

    ``log_score`` is a hypothesis's total log score; dividing by its ``num_tokens + 1`` prediction
    steps (the tokens plus the end of the hypothesis) gives the mean per-step log score, so a
    hypothesis twice as long with the same per-step score gets the same confidence. Monotone
    (non-decreasing) in ``log_score`` for a fixed length.
    """
    if num_tokens <= 0:
        return 0.0
    return min(1.0, max(0.0, math.exp(min(0.0, log_score / (num_tokens + 1)))))


def beam_log_scores(
    scores: Mapping[str, float], weights: Mapping[str, float]
) -> Tuple[float, float]:
    """(fused, acoustic) log scores of an ESPnet ``BeamSearch`` (attention/CTC) hypothesis.

    ``scores`` are the hypothesis's per-scorer sums (``Hypothesis.scores``; the LM's and the
    CTC prefix scorer's include their end-of-sentence step), ``weights`` the beam's weights.
    fused = sum of ``weights[k] * scores[k]`` over every scorer but ``length_bonus`` (the
    ``penalty`` only steers the search: after length normalization it would be a constant shift);
    acoustic = the same sum over the model's own scorers (``decoder``, ``ctc``) divided by the
    sum of their weights (``ctc_weight`` + (1 - ``ctc_weight``) = 1), i.e. without the LM.
    """
    fused = sum(
        float(weights.get(k, 0.0)) * float(v)
        for k, v in scores.items()
        if k != "length_bonus"
    )
    acoustic_weight = sum(
        float(weights.get(k, 0.0)) for k in ACOUSTIC_SCORERS if k in scores
    )
    if acoustic_weight <= 0.0:
        raise ValueError(f"the beam has no acoustic scorer among {sorted(scores)}")
    acoustic = (
        sum(
            float(weights[k]) * float(scores[k])
            for k in ACOUSTIC_SCORERS
            if k in scores
        )
        / acoustic_weight
    )
    return fused, acoustic


def lm_token_log_prob(
    lm: torch.nn.Module, sos: int, token_ids: Sequence[int], device: str = "cpu"
) -> float:
    """Sum over ``token_ids`` of the LM's log P(token | sos, previous tokens), no end-of-sentence.

    The same calls ESPnet's ``BeamSearchTransducer`` makes to fuse the LM into an RNN-T beam, so
    subtracting ``lm_weight`` times this from the hypothesis's score leaves its RNN-T score.
    """
    total, state, prefix = 0.0, None, [sos]
    with torch.no_grad():
        for token in token_ids:
            logp, state = lm.score(
                torch.tensor(prefix, device=device, dtype=torch.long), state, None
            )
            total += float(logp[token])
            prefix.append(int(token))
    return total
