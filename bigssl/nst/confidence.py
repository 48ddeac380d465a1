"""Greedy CTC hypotheses with per-token posteriors, and the utterance confidence built from them.

The NST paper (Park et al. 2020, used by BigSSL) scores a pseudo-label by its length-normalized
mean token posterior: the mean, over the hypothesis's tokens, of the probability the model gave
each emitted token. For CTC a token is emitted by a run of identical non-blank frames; its
posterior is the highest frame posterior within that run. For RNN-T (``bigssl.asr.rnnt_decode``)
it is the joint network's probability of the token at the step that emitted it.
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

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
