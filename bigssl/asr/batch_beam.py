"""LM-fused CTC beam search over a batch of utterances, step for step ESPnet's ``BatchBeamSearch``.

ESPnet's ``Speech2Text`` searches one utterance at a time: each of its label-synchronous steps
scores that utterance's ``beam`` hypotheses with the LM (one small batch) and the CTC prefix
scorer, so a labeling job spends its time in per-step overhead. :class:`UtteranceBatchBeamSearch`
runs the same search for many utterances at once, their hypotheses side by side in one batch of
rows (utterance-major, ``beam`` rows each), and keeps everything else as ESPnet does it:

* the scorers, weights, beam size and pre-beam are the ``BatchBeamSearch`` object's own (built by
  ``Speech2Text`` from the decode config), the CTC prefix scores come from ESPnet's
  ``CTCPrefixScoreTH`` (which handles padded batches of utterances), the LM from its
  ``batch_score``;
* each utterance takes the top ``beam`` of its rows x vocabulary each step, ends hypotheses on
  ``<eos>``, adds ``<eos>`` at its own max length, stops by ESPnet's ``end_detect`` and returns its
  ended hypotheses sorted by score;
* scores are accumulated in the same order and dtype, so the hypotheses and their scores equal
  the per-utterance search's; they can differ where two candidates tie (``topk`` order) or where
  a matrix product's last bits depend on how many rows it holds (counted in bench/README.md).

A row whose hypothesis has ended (or whose utterance is done) stays in the batch with score
``-inf`` so every utterance keeps ``beam`` rows; finished utterances are dropped from the batch
between steps. Only CTC-only models are handled (no attention decoder: its cross-attention would
see the other utterances' padding); full scorers must be LMs or ESPnet's length bonus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import torch

NEG_INF = float("-inf")


@dataclass
class BatchedHypothesis:
    """One ended hypothesis: ``yseq`` with ``<sos>`` and ``<eos>``, its score and per-scorer scores."""

    yseq: torch.Tensor
    score: torch.Tensor
    scores: Dict[str, torch.Tensor] = field(default_factory=dict)

    def asdict(self) -> Dict[str, Any]:
        """The fields ESPnet's ``end_detect`` reads."""
        return {"yseq": self.yseq.tolist(), "score": float(self.score)}


def check_supported(beam_search: Any) -> None:
    """Raise ValueError unless ``beam_search`` is CTC-only with LM/length-bonus full scorers."""
    from espnet2.lm.abs_model import AbsLM
    from espnet.nets.scorers.ctc import CTCPrefixScorer
    from espnet.nets.scorers.length_bonus import LengthBonus

    if set(beam_search.part_scorers) != {"ctc"} or not isinstance(
        beam_search.part_scorers["ctc"], CTCPrefixScorer
    ):
        raise ValueError(
            f"the batched search needs exactly one partial scorer, CTC; got {sorted(beam_search.part_scorers)}"
        )
    for name, scorer in beam_search.full_scorers.items():
        if not isinstance(scorer, (AbsLM, LengthBonus)):
            raise ValueError(
                f"the batched search handles LM and length-bonus scorers, not '{name}' ({type(scorer).__name__})"
            )
    if getattr(beam_search, "return_hs", False) or beam_search.hyp_primer is not None:
        raise ValueError("the batched search does not support return_hs or hyp_primer")


def length_bounds(num_frames: int, maxlenratio: float, minlenratio: float) -> tuple:
    """ESPnet's (maxlen, minlen) for an encoder output of ``num_frames`` frames."""
    if maxlenratio == 0:
        maxlen = num_frames
    elif maxlenratio < 0:
        maxlen = -1 * int(maxlenratio)
    else:
        maxlen = max(1, int(maxlenratio * num_frames))
    minlen = -1 * int(minlenratio) if minlenratio < 0 else int(minlenratio * num_frames)
    return maxlen, minlen


class _Rows:
    """The running rows of a batch: token sequences, scores, per-scorer sums and states."""

    def __init__(self, yseq: torch.Tensor, score: torch.Tensor, scores: Dict[str, torch.Tensor],
                 states: Dict[str, List[Any]], ctc_state: Optional[tuple]) -> None:  # fmt: skip
        self.yseq, self.score, self.scores = yseq, score, scores
        self.states, self.ctc_state = states, ctc_state


class UtteranceBatchBeamSearch:
    """ESPnet's CTC(+LM) ``BatchBeamSearch`` run for a batch of utterances at once."""

    def __init__(self, beam_search: Any, maxlenratio: float = 0.0,
                 minlenratio: float = 0.0) -> None:  # fmt: skip
        check_supported(beam_search)
        self.search = beam_search
        self.ctc = beam_search.part_scorers["ctc"].ctc
        self.maxlenratio = maxlenratio
        self.minlenratio = minlenratio

    @torch.no_grad()
    def __call__(self, encs: Sequence[torch.Tensor]) -> List[List[BatchedHypothesis]]:
        """N-best lists (best first) of each encoder output ``(T_i, D)`` of ``encs``."""
        from espnet.nets.ctc_prefix_score import CTCPrefixScoreTH

        search = self.search
        num = len(encs)
        frames = [int(e.size(0)) for e in encs]
        logp = encs[0].new_zeros(num, max(frames), search.n_vocab)
        for b, enc in enumerate(encs):  # per utterance, as ESPnet's scorer computes it
            logp[b, : frames[b]] = self.ctc.log_softmax(enc.unsqueeze(0))[0]
        impl = CTCPrefixScoreTH(logp, torch.tensor(frames), 0, search.eos)
        bounds = [length_bounds(t, self.maxlenratio, self.minlenratio) for t in frames]
        ended: List[List[BatchedHypothesis]] = [[] for _ in range(num)]
        active = list(range(num))  # utterances still searching, in batch order
        rows = self._initial_rows(encs)
        n_hyps = 1
        for i in range(max(b[0] for b in bounds)):
            rows, n_hyps = self._step(impl, rows, n_hyps, len(active), encs[0])
            done = self._post_process(i, rows, n_hyps, active, bounds, ended)
            if done:
                keep = [j for j, utt in enumerate(active) if utt not in done]
                if not keep:
                    break
                rows = self._keep_utterances(impl, rows, n_hyps, keep)
                active = [active[j] for j in keep]
        return [self._nbest(utt, ended[utt], encs[utt]) for utt in range(num)]

    def _initial_rows(self, encs: Sequence[torch.Tensor]) -> _Rows:
        search = self.search
        num = len(encs)
        device = encs[0].device
        states = {
            k: [d.batch_init_state(enc) for enc in encs]
            for k, d in search.full_scorers.items()
        }
        return _Rows(
            yseq=torch.full((num, 1), search.sos, dtype=torch.long, device=device),
            score=torch.zeros(num, device=device),
            scores={k: torch.zeros(num, device=device) for k in search.scorers},
            states=states,
            ctc_state=None,
        )

    def _step(self, impl: Any, rows: _Rows, n_hyps: int, num_utts: int,
              like: torch.Tensor) -> tuple:  # fmt: skip
        """Score every row's next token, keep each utterance's top ``beam``: (rows, beam)."""
        search = self.search
        n_rows, vocab = rows.yseq.size(0), search.n_vocab
        xs = (
            like[:1].unsqueeze(0).expand(n_rows, 1, like.size(-1))
        )  # the scorers read dtype/device
        weighted = torch.zeros(n_rows, vocab, dtype=like.dtype, device=like.device)
        full_scores, full_states = {}, {}
        for k, d in search.full_scorers.items():
            full_scores[k], full_states[k] = d.batch_score(
                rows.yseq, rows.states[k], xs
            )
            weighted += search.weights[k] * full_scores[k]
        part_ids = None
        if search.do_pre_beam:
            pre = (
                weighted
                if search.pre_beam_score_key == "full"
                else full_scores[search.pre_beam_score_key]
            )
            part_ids = torch.topk(pre, search.pre_beam_size, dim=-1)[1]
        ctc_scores, ctc_state = impl(rows.yseq, rows.ctc_state, part_ids)
        weighted += search.weights["ctc"] * ctc_scores
        weighted += rows.score.to(dtype=like.dtype, device=like.device).unsqueeze(1)
        beam = search.beam_size
        top = weighted.view(num_utts, n_hyps * vocab).topk(beam, dim=1)[1]
        base = torch.arange(num_utts, device=top.device).unsqueeze(1) * n_hyps
        prev = (base + torch.div(top, vocab, rounding_mode="trunc")).view(-1)
        token = (top % vocab).view(-1)
        scores = {
            k: rows.scores[k][prev] + v[prev, token] for k, v in full_scores.items()
        }
        scores["ctc"] = rows.scores["ctc"][prev] + ctc_scores[prev, token]
        prev_list = prev.tolist()
        states = {
            k: [search.full_scorers[k].select_state(v, p) for p in prev_list]
            for k, v in full_states.items()
        }
        return (
            _Rows(
                yseq=torch.cat([rows.yseq[prev], token.unsqueeze(1)], dim=1),
                score=weighted[prev, token],
                scores=scores,
                states=states,
                ctc_state=self._select_ctc_state(ctc_state, prev, token, vocab),
            ),
            beam,
        )

    @staticmethod
    def _select_ctc_state(state: tuple, prev: torch.Tensor, token: torch.Tensor,
                          vocab: int) -> tuple:  # fmt: skip
        """``CTCPrefixScorer.select_state`` for every new row, stacked as its batch call expects."""
        r, log_psi, f_min, f_max, idmap = state
        column = token if idmap is None else idmap[prev, token]
        s = log_psi[prev, token].unsqueeze(1).expand(-1, vocab)
        return r[:, :, prev, column], s, f_min, f_max

    def _post_process(self, i: int, rows: _Rows, n_hyps: int, active: List[int],
                      bounds: List[tuple], ended: List[List[BatchedHypothesis]]) -> set:  # fmt: skip
        """End hypotheses on ``<eos>`` or at max length; the utterances that stop searching."""
        from espnet.nets.e2e_asr_common import end_detect

        eos = self.search.eos
        done = set()
        last = rows.yseq[:, -1].tolist()
        running = (rows.score != NEG_INF).tolist()
        for j, utt in enumerate(active):
            maxlen, minlen = bounds[utt]
            at_end = i == maxlen - 1  # ESPnet appends <eos> to every running row there
            alive = 0
            for row in range(j * n_hyps, (j + 1) * n_hyps):
                if not running[row]:
                    continue
                if last[row] == eos or at_end:
                    yseq = rows.yseq[row]
                    if at_end:
                        yseq = torch.cat([yseq, yseq.new_tensor([eos])])
                    if i >= minlen:
                        ended[utt].append(self._ended(rows, row, yseq))
                    rows.score[row] = NEG_INF
                else:
                    alive += 1
            stop = self.maxlenratio == 0.0 and end_detect(
                [h.asdict() for h in ended[utt]], i
            )
            if stop or alive == 0:
                done.add(utt)
        return done

    @staticmethod
    def _ended(rows: _Rows, row: int, yseq: torch.Tensor) -> BatchedHypothesis:
        return BatchedHypothesis(
            yseq=yseq.clone(),
            score=rows.score[row].clone(),
            scores={k: v[row].clone() for k, v in rows.scores.items()},
        )

    @staticmethod
    def _keep_utterances(impl: Any, rows: _Rows, n_hyps: int, keep: List[int]) -> _Rows:
        """Drop finished utterances from the rows and from the CTC scorer's batch."""
        index = torch.tensor([j * n_hyps + h for j in keep for h in range(n_hyps)])
        keep_t = torch.tensor(keep)
        impl.x = impl.x[:, :, keep_t]
        impl.end_frames = impl.end_frames[keep_t]
        impl.batch = len(keep)
        impl.idx_b = torch.arange(impl.batch, device=impl.device)
        impl.idx_bo = (impl.idx_b * impl.odim).unsqueeze(1)
        impl.idx_bh = None
        r, s, f_min, f_max = rows.ctc_state
        index_list = index.tolist()
        return _Rows(
            yseq=rows.yseq[index],
            score=rows.score[index],
            scores={k: v[index] for k, v in rows.scores.items()},
            states={
                k: [v[p] for p in index_list] for k, v in rows.states.items()
            },  # per-row lists
            ctc_state=(r[:, :, index], s[index], f_min, f_max),
        )

    def _nbest(self, utt: int, hyps: List[BatchedHypothesis],
               enc: torch.Tensor) -> List[Any]:  # fmt: skip
        """Ended hypotheses best first; none: ESPnet's own search of that utterance (its retry rule)."""
        if not hyps:
            return list(
                self.search(
                    x=enc, maxlenratio=self.maxlenratio, minlenratio=self.minlenratio
                )
            )
        if getattr(self.search, "normalize_length", False):
            return sorted(
                hyps, key=lambda h: float(h.score) / (len(h.yseq) - 1), reverse=True
            )
        return sorted(hyps, key=lambda h: float(h.score), reverse=True)


def batched_search_for(speech2text: Any) -> Optional[UtteranceBatchBeamSearch]:
    """The batched search of a ``Speech2Text``'s beam, or None where it does not apply (RNN-T,
    an attention decoder, other full scorers): callers then decode one utterance at a time.
    """
    search = getattr(speech2text, "beam_search", None)
    if (
        search is None
        or getattr(speech2text, "beam_search_transducer", None) is not None
    ):
        return None
    try:
        return UtteranceBatchBeamSearch(
            search, speech2text.maxlenratio, speech2text.minlenratio
        )
    except ValueError:
        return None


def encode_each(speech2text: Any, waves: Sequence[Any]) -> List[torch.Tensor]:
    """Each waveform's encoder output ``(T, D)``, encoded alone as ``Speech2Text.__call__`` does it
    (so an utterance's output does not depend on the others in its batch)."""
    outputs = []
    with torch.no_grad():
        for wave in waves:
            speech = (
                torch.as_tensor(wave).unsqueeze(0).to(getattr(torch, speech2text.dtype))
            )
            lengths = speech.new_full([1], dtype=torch.long, fill_value=speech.size(1))
            enc, _ = speech2text.asr_model.encode(
                speech.to(speech2text.device), lengths.to(speech2text.device)
            )
            outputs.append((enc[0] if isinstance(enc, tuple) else enc)[0])
    return outputs


def best_token_ids(nbest: Sequence[Any]) -> Optional[List[int]]:
    """The 1-best's token ids as ``Speech2Text`` returns them (no <sos>/<eos>, no blank); None if empty."""
    if not nbest:
        return None
    return [t for t in nbest[0].yseq[1:-1].tolist() if t != 0]


def token_text(speech2text: Any, token_ids: Sequence[int]) -> str:
    """``Speech2Text``'s text of ``token_ids``."""
    tokens = speech2text.converter.ids2tokens(list(token_ids))
    return speech2text.tokenizer.tokens2text(tokens)
