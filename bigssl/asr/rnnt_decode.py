"""Batched greedy decoding of RNN-T models (``model: bigssl_transducer``) with token posteriors.

:func:`greedy_decode_batch` decodes a batch of encoder outputs at once and returns each emitted
token's posterior, for pseudo-labeling many utterances. Beam search (and greedy at ``beam_size: 1``)
is ESPnet's own ``BeamSearchTransducer`` through ``Speech2Text`` (:mod:`bigssl.asr.decode`).
"""

from __future__ import annotations

from typing import List, Tuple

import torch


@torch.no_grad()
def greedy_decode_batch(
    model: torch.nn.Module,
    encoder_out: torch.Tensor,
    encoder_out_lens: torch.Tensor,
    max_symbols_per_frame: int = 5,
) -> List[Tuple[List[int], List[float]]]:
    """Greedy RNN-T decoding of a batch of encoder outputs.

    At each frame t the joint network scores (encoder frame t, prediction-network output); the
    arg-max token is emitted and the prediction network advances, up to ``max_symbols_per_frame``
    tokens per frame, until the arg-max is blank and t moves on. Utterances advance in lock step;
    one past its length emits nothing more. ``max_symbols_per_frame=1`` makes the same decisions
    as ESPnet's ``BeamSearchTransducer`` greedy search (``beam_size: 1``).

    Returns, per utterance, the emitted token ids (blank excluded) and each one's posterior
    probability (softmax of the joint output at the step that emitted it).
    """
    if max_symbols_per_frame < 1:
        raise ValueError(f"max_symbols_per_frame must be >= 1: {max_symbols_per_frame}")
    decoder, joint, blank = model.decoder, model.joint_network, model.blank_id
    device = encoder_out.device
    decoder.set_device(device)
    batch = encoder_out.size(0)
    lengths = encoder_out_lens.to(device)

    def predict(labels: torch.Tensor, state: Tuple) -> Tuple[torch.Tensor, Tuple]:
        out, new_state = decoder.rnn_forward(decoder.embed(labels.view(-1, 1)), state)
        return out[:, 0], new_state

    dec_out, state = predict(
        torch.full((batch,), blank, dtype=torch.long, device=device),
        decoder.init_state(batch),
    )
    tokens: List[List[int]] = [[] for _ in range(batch)]
    probs: List[List[float]] = [[] for _ in range(batch)]
    for t in range(int(lengths.max()) if batch else 0):
        active = lengths > t
        enc_t = encoder_out[:, t]
        for _ in range(max_symbols_per_frame):
            logp = torch.log_softmax(joint(enc_t, dec_out), dim=-1)
            top_logp, pred = logp.max(dim=-1)
            emit = active & (pred != blank)
            if not bool(emit.any()):
                break
            for b in emit.nonzero().flatten().tolist():
                tokens[b].append(int(pred[b]))
                probs[b].append(float(top_logp[b].exp()))
            new_out, new_state = predict(pred, state)
            dec_out = torch.where(emit[:, None], new_out, dec_out)
            state = tuple(
                None if old is None else torch.where(emit[None, :, None], new, old)
                for new, old in zip(new_state, state)
            )
            active = emit
    return list(zip(tokens, probs))
