"""How good are a teacher's K-best pseudo-labels? WER of the greedy 1-best, of each beam rank, of the
oracle among the K, and the expected WER when one hypothesis is drawn by its posterior weight (what
K-best NST training sees), against reference transcripts (CLI: ``bigssl.bin.kbest_report``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict

from bigssl.io_utils import PathLike, examples, read_kv
from bigssl.nst.pseudo_dir import load_nbest
from bigssl.score.wer import score


def kbest_wers(pseudo_dir: PathLike, reference: Dict[str, str]) -> Dict[str, float]:
    """WER (%) of greedy, beam rank k, oracle, and the posterior-weighted expectation."""
    pseudo_dir = Path(pseudo_dir)
    greedy = read_kv(pseudo_dir / "text")
    nbest = load_nbest(
        pseudo_dir, list(greedy)
    )  # checked: every k, every utterance, weights summing to 1
    if nbest is None:
        raise FileNotFoundError(
            f"{pseudo_dir}: no nbest_text.<k> files (pseudo-label with --nbest K)"
        )
    ranks = list(range(1, nbest.k + 1))
    texts = {k: {u: hyps[k - 1] for u, hyps in nbest.texts.items()} for k in ranks}
    weights = {k: {u: w[k - 1] for u, w in nbest.weights.items()} for k in ranks}
    missing = sorted(set(greedy) - set(reference))
    if missing:
        raise ValueError(
            f"no reference transcript for {examples(missing, 'utterances')}"
        )
    refs = {u: reference[u] for u in greedy}
    result = {"utterances": float(len(refs)), "greedy": score(refs, greedy).err}
    per_rank = {}
    for k in ranks:
        counts = score(refs, {u: texts[k].get(u, "") for u in refs})
        result[f"beam_{k}"] = counts.err
        per_rank[k] = counts.per_utt
    words = sum(n for _, n in per_rank[ranks[0]].values())
    oracle = sum(
        (
            min(per_rank[k][u][0] for k in ranks if texts[k].get(u))
            if any(texts[k].get(u) for k in ranks)
            else per_rank[ranks[0]][u][0]
        )
        for u in refs
    )
    expected = sum(
        sum(weights[k][u] * per_rank[k][u][0] for k in ranks)
        / max(1e-9, sum(weights[k][u] for k in ranks))
        for u in refs
    )
    result["oracle"] = 100.0 * oracle / max(1, words)
    result["expected_posterior_weighted"] = 100.0 * expected / max(1, words)
    return result


def kbest_report(pseudo_dir: PathLike, reference_text: PathLike) -> str:
    """:func:`kbest_wers` against the transcripts in ``reference_text``, as JSON rounded to 0.1 (what the CLI prints)."""
    wers = kbest_wers(pseudo_dir, read_kv(reference_text))
    return json.dumps({k: round(v, 1) for k, v in wers.items()}, indent=2)
