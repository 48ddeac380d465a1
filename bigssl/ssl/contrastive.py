"""wav2vec 2.0 contrastive loss over cosine similarity (Baevski et al. 2020, eq. 3).

For every masked frame t the projected context vector c_t scores its own target q_t against K
distractors q_j drawn uniformly, with replacement, from the *other* masked frames of the same
utterance (never t itself). Sampling with replacement keeps K fixed when an utterance has fewer
than K + 1 masked frames: distractors then repeat. A distractor whose target equals q_t exactly
(e.g. two frames of digital silence) cannot be told apart, so it is excluded from the softmax.
Utterances with a single masked frame have no distractor and contribute nothing. Similarities
are computed per utterance as a (M, M) matrix and the distractor scores gathered from it, which
costs O(B M^2) memory instead of O(B M K D).
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import torch
import torch.nn.functional as F

from bigssl.training.precision import fp32_region


class ContrastiveOutput(NamedTuple):
    """Mean loss over scored frames, positive-picking accuracy and the number of scored frames.

    A named tuple so that DeepSpeed ZeRO-3 sees the tensors of the loss module's output.
    """

    loss: torch.Tensor
    accuracy: torch.Tensor
    num_frames: int


def sample_negatives(
    counts: torch.Tensor,
    max_count: int,
    num_negatives: int,
    generator: Optional[torch.Generator] = None,
) -> torch.Tensor:
    """Distractor indices for packed masked frames.

    Args:
        counts: (B,) masked frames per utterance.
        max_count: packed length M (>= counts.max()).
        num_negatives: K.
        generator: optional RNG.

    Returns:
        (B, M, K) long tensor; for anchor i < counts[b] with counts[b] >= 2 every entry lies in
        [0, counts[b]) and differs from i. Entries of other anchors are in range but meaningless.
    """
    batch = counts.numel()
    others = (counts.to(torch.long) - 1).clamp(min=1)
    draws = torch.rand(
        batch, max_count, num_negatives, generator=generator, device=counts.device
    )
    index = (draws * others[:, None, None]).long()
    index = torch.minimum(
        index, (others - 1)[:, None, None]
    )  # guard float rounding at 1.0
    anchors = torch.arange(max_count, device=counts.device)[None, :, None]
    index = index + (index >= anchors).long()  # skip the anchor itself
    return index.clamp(max=max(max_count - 1, 0))


def pack_masked(mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Time indices of masked frames, left-aligned per utterance.

    Returns (index (B, M), valid (B, M) bool, counts (B,)) where M = the largest count.
    """
    counts = mask.sum(dim=1)
    max_count = int(counts.max().item()) if mask.numel() else 0
    order = torch.sort((~mask).to(torch.int8), dim=1, stable=True).indices[
        :, :max_count
    ]
    valid = torch.arange(max_count, device=mask.device)[None, :] < counts[:, None]
    return order, valid, counts


def contrastive_loss(
    context: torch.Tensor,
    targets: torch.Tensor,
    mask: torch.Tensor,
    num_negatives: int = 100,
    temperature: float = 0.1,
    generator: Optional[torch.Generator] = None,
) -> ContrastiveOutput:
    """Contrastive loss of (B, T, D) context vectors against (B, T, D) targets at masked frames.

    Only frames where ``mask`` is True enter the loss, as anchors and as distractors.
    """
    index, valid, counts = pack_masked(mask)
    max_count = index.size(1)
    scored = valid & (counts[:, None] >= 2)
    num_frames = int(scored.sum().item())
    if num_frames == 0:
        zero = (context.sum() + targets.sum()) * 0.0
        return ContrastiveOutput(zero, zero.detach(), 0)

    # The logits stay fp32 under bf16/fp16 autocast: cosine scores / 0.1 over up to M^2 pairs.
    with fp32_region(context.device):
        dim = context.size(-1)
        ctx = torch.gather(context, 1, index[..., None].expand(-1, -1, dim)).float()
        tgt = torch.gather(targets, 1, index[..., None].expand(-1, -1, dim)).float()
        with torch.no_grad():
            # Exact duplicates of a target share an id; they are not valid distractors for it.
            ids = torch.unique(tgt.reshape(-1, dim), dim=0, return_inverse=True)[1]
            ids = ids.view(tgt.shape[:2])
        ctx = F.normalize(ctx, dim=-1)
        tgt = F.normalize(tgt, dim=-1)
        sim = torch.bmm(ctx, tgt.transpose(1, 2)) / temperature  # (B, M, M)

        neg_index = sample_negatives(counts, max_count, num_negatives, generator)
        positive = sim.diagonal(dim1=1, dim2=2)[..., None]  # (B, M, 1)
        negative = sim.gather(2, neg_index)  # (B, M, K)
        batch = neg_index.size(0)
        duplicate = (
            ids.gather(1, neg_index.reshape(batch, -1)).view_as(neg_index)
            == ids[..., None]
        )
        negative = negative.masked_fill(duplicate, float("-inf"))
        logits = torch.cat([positive, negative], dim=-1)
        nll = -torch.log_softmax(logits, dim=-1)[..., 0]
        loss = nll.masked_select(scored).mean()
        with torch.no_grad():
            correct = positive[..., 0] > negative.max(dim=-1).values
            accuracy = correct.masked_select(scored).float().mean()
    return ContrastiveOutput(loss, accuracy, num_frames)


class ContrastiveLoss(torch.nn.Module):
    """Projects context vectors to the target space and applies :func:`contrastive_loss`.

    Args:
        input_size: encoder output dimension d.
        target_size: target dimension D (set by the task from the target module).
        num_negatives: K distractors per masked frame (wav2vec 2.0: 100).
        temperature: softmax temperature of the cosine scores (wav2vec 2.0: 0.1).
    """

    def __init__(
        self,
        input_size: int,
        target_size: int,
        num_negatives: int = 100,
        temperature: float = 0.1,
    ) -> None:
        super().__init__()
        if num_negatives < 1:
            raise ValueError(f"num_negatives must be >= 1, got {num_negatives}")
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.proj = torch.nn.Linear(input_size, target_size)
        self.num_negatives = num_negatives
        self.temperature = temperature

    def forward(
        self,
        context: torch.Tensor,
        targets: torch.Tensor,
        mask: torch.Tensor,
        generator: Optional[torch.Generator] = None,
    ) -> ContrastiveOutput:
        return contrastive_loss(
            self.proj(context),
            targets,
            mask,
            self.num_negatives,
            self.temperature,
            generator,
        )

    def extra_repr(self) -> str:
        return f"num_negatives={self.num_negatives}, temperature={self.temperature}"
