"""How good are a teacher's K-best pseudo-labels? WER of the greedy 1-best, of each beam rank, of the
oracle among the K, and the expected WER when one hypothesis is drawn by its posterior weight (what
K-best NST training sees), against reference transcripts.

    python -m bigssl.bin.kbest_report --pseudo_dir exp/x/pseudo --reference_text data/local/unlabeled_reference/text
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Dict, List, Optional

from bigssl.io_utils import read_kv
from bigssl.nst.filtering import load_nbest
from bigssl.score.wer import score


def kbest_wers(pseudo_dir: Path, reference: Dict[str, str]) -> Dict[str, float]:
    """WER (%) of greedy, beam rank k, oracle, and the posterior-weighted expectation."""
    greedy = read_kv(pseudo_dir / "text")
    nbest = load_nbest(pseudo_dir, list(greedy))  # checked: every k, every utterance, weights summing to 1
    if nbest is None:
        raise FileNotFoundError(f"{pseudo_dir}: no nbest_text.<k> files (pseudo-label with --nbest K)")
    ranks = list(range(1, nbest.k + 1))
    texts = {k: {u: hyps[k - 1] for u, hyps in nbest.texts.items()} for k in ranks}
    weights = {k: {u: w[k - 1] for u, w in nbest.weights.items()} for k in ranks}
    missing = sorted(set(greedy) - set(reference))
    if missing:
        raise ValueError(f"no reference transcript for {len(missing)} utterances, e.g. {missing[:3]}")
    refs = {u: reference[u] for u in greedy}
    result = {"utterances": float(len(refs)), "greedy": score(refs, greedy).err}
    per_rank = {}
    for k in ranks:
        counts = score(refs, {u: texts[k].get(u, "") for u in refs})
        result[f"beam_{k}"] = counts.err
        per_rank[k] = counts.per_utt
    words = sum(n for _, n in per_rank[ranks[0]].values())
    oracle = sum(min(per_rank[k][u][0] for k in ranks if texts[k].get(u)) if any(texts[k].get(u) for k in ranks) else per_rank[ranks[0]][u][0] for u in refs)
    expected = sum(sum(weights[k][u] * per_rank[k][u][0] for k in ranks) / max(1e-9, sum(weights[k][u] for k in ranks)) for u in refs)
    result["oracle"] = 100.0 * oracle / max(1, words)
    result["expected_posterior_weighted"] = 100.0 * expected / max(1, words)
    return result


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pseudo_dir", type=Path, required=True)
    parser.add_argument("--reference_text", type=Path, required=True)
    args = parser.parse_args(argv)
    print(json.dumps({k: round(v, 1) for k, v in kbest_wers(args.pseudo_dir, read_kv(args.reference_text)).items()}, indent=2))


if __name__ == "__main__":
    main()
