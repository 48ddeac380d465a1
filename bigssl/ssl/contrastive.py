"""wav2vec 2.0 contrastive loss over cosine similarity (Baevski et al. 2020, eq. 3).

For every masked frame t the projected context vector c_t scores its own target q_t against K
distractors q_j drawn uniformly, with replacement, from the *other* masked frames of the same
utterance (never t itself). Sampling with replacement keeps K fixed when an utterance has fewer
than K + 1 masked frames: distractors then repeat. A distractor whose target equals q_t exactly
(e.g. two frames of digital silence) cannot be told apart, so it is excluded from the softmax.
Utterances with a single masked frame have no distractor and contribute nothing. Similarities
are computed per utterance as a (M, M) matrix and the distractor scores gathered from it, which
costs O(B M^2) memory instead of O(B M K D).

Two implementations give the same loss, accuracy and gradients from the same random draws:
:func:`contrastive_loss` packs the masked frames to the batch's largest count M (read back to the
host), finds duplicate targets with ``torch.unique`` and selects the scored frames with
``masked_select``: three device-to-host syncs per step on a GPU. :func:`contrastive_loss_sync_free`
keeps every shape fixed by the padded length T (M = T; frames past an utterance's count are
carried and weighted out), finds duplicates by an exact max-norm distance, reduces with masked
sums and returns the frame count as a tensor: no sync. The sync-free one draws the distractors
as one (B, T, K) uniform tensor; the packed one draws (B, M, K) (the random stream of earlier
versions) unless given ``draw_length`` T, and then the two agree draw for draw.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Union

import torch
import torch.nn.functional as F

from bigssl.training.precision import fp32_region


class ContrastiveOutput(NamedTuple):
    """Mean loss over scored frames, positive-picking accuracy and the number of scored frames.

    A named tuple so that DeepSpeed ZeRO-3 sees the tensors of the loss module's output.
    """

    loss: torch.Tensor
    accuracy: torch.Tensor
    num_frames: Union[int, torch.Tensor]


def sample_negatives(
    counts: torch.Tensor,
    max_count: int,
    num_negatives: int,
    generator: Optional[torch.Generator] = None,
    draw_length: Optional[int] = None,
    draws: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """Distractor indices for packed masked frames.

    Args:
        counts: (B,) masked frames per utterance.
        max_count: packed length M (>= counts.max()).
        num_negatives: K.
        generator: optional RNG.
        draw_length: draw (B, draw_length, K) uniforms and use the first M rows (default M):
            with the padded length T, the draws do not depend on M, which only a sync can know.
            Rows past ``draw_length`` (no anchor can lie there) are zeros.
        draws: (B, R, K) uniforms drawn beforehand (:func:`draw_uniforms`); overrides the above.

    Returns:
        (B, M, K) long tensor; for anchor i < counts[b] with counts[b] >= 2 every entry lies in
        [0, counts[b]) and differs from i. Entries of other anchors are in range but meaningless.
    """
    batch = counts.numel()
    others = (counts.to(torch.long) - 1).clamp(min=1)
    if draws is None:
        rows = max_count if draw_length is None else draw_length
        draws = draw_uniforms(batch, rows, num_negatives, counts.device, generator)
    draws = fit_rows(draws, max_count)
    index = (draws * others[:, None, None]).long()
    index = torch.minimum(
        index, (others - 1)[:, None, None]
    )  # guard float rounding at 1.0
    anchors = torch.arange(max_count, device=counts.device)[None, :, None]
    index = index + (index >= anchors).long()  # skip the anchor itself
    return index.clamp(max=max(max_count - 1, 0))


@torch.compiler.disable
def draw_uniforms(
    batch: int,
    rows: int,
    num_negatives: int,
    device: torch.device,
    generator: Optional[torch.Generator] = None,
) -> torch.Tensor:
    """(B, rows, K) uniforms from the eager RNG, also inside a compiled loss (whose in-graph
    random numbers would differ from eager's): the distractors of a seed do not depend on
    whether or how the loss is compiled."""
    return torch.rand(batch, rows, num_negatives, generator=generator, device=device)


def fit_rows(draws: torch.Tensor, rows: int) -> torch.Tensor:
    """``draws`` cut or zero-padded along dim 1 to ``rows``."""
    if draws.size(1) >= rows:
        return draws[:, :rows]
    return F.pad(draws, (0, 0, 0, rows - draws.size(1)))


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
    draw_length: Optional[int] = None,
) -> ContrastiveOutput:
    """Contrastive loss of (B, T, D) context vectors against (B, T, D) targets at masked frames.

    Only frames where ``mask`` is True enter the loss, as anchors and as distractors. The
    distractors come from (B, M, K) uniforms (M: the largest masked count, the same padded or
    not), or from the first M rows of (B, ``draw_length``, K) ones when it is given (as the
    sync-free path draws them).
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

        neg_index = sample_negatives(
            counts,
            max_count,
            num_negatives,
            generator,
            draw_length=draw_length,
        )
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


def contrastive_loss_sync_free(
    context: torch.Tensor,
    targets: torch.Tensor,
    mask: torch.Tensor,
    num_negatives: int = 100,
    temperature: float = 0.1,
    generator: Optional[torch.Generator] = None,
    draw_length: Optional[int] = None,
) -> ContrastiveOutput:
    """:func:`contrastive_loss` with fixed shapes and no device-to-host sync.

    The packed length is the padded length T, duplicates of a target are found by an exact
    comparison (max-norm distance 0) within each utterance, the loss and the accuracy are masked
    sums over the scored frames divided by their count, and ``num_frames`` is a 0-dim tensor.
    """
    length = mask.size(1)
    counts = mask.sum(dim=1)
    index = torch.sort((~mask).to(torch.int8), dim=1, stable=True).indices
    positions = torch.arange(length, device=mask.device)
    scored = (positions[None, :] < counts[:, None]) & (counts[:, None] >= 2)
    num_frames = scored.sum()
    denominator = num_frames.clamp(min=1).to(torch.float32)
    with fp32_region(context.device):
        dim = context.size(-1)
        ctx = torch.gather(context, 1, index[..., None].expand(-1, -1, dim)).float()
        tgt = torch.gather(targets, 1, index[..., None].expand(-1, -1, dim)).float()
        with torch.no_grad():
            # (B, T, T): True where two packed targets are exactly equal (max |a - b| == 0).
            same = torch.cdist(tgt, tgt, p=float("inf")) == 0
        ctx = F.normalize(ctx, dim=-1)
        tgt = F.normalize(tgt, dim=-1)
        sim = torch.bmm(ctx, tgt.transpose(1, 2)) / temperature  # (B, T, T)

        neg_index = sample_negatives(
            counts, length, num_negatives, generator, draw_length=draw_length or length
        )
        positive = sim.diagonal(dim1=1, dim2=2)[..., None]
        negative = sim.gather(2, neg_index)
        negative = negative.masked_fill(same.gather(2, neg_index), float("-inf"))
        logits = torch.cat([positive, negative], dim=-1)
        nll = -torch.log_softmax(logits, dim=-1)[..., 0]
        loss = torch.where(scored, nll, torch.zeros_like(nll)).sum() / denominator
        with torch.no_grad():
            correct = (positive[..., 0] > negative.max(dim=-1).values) & scored
            accuracy = correct.sum().to(torch.float32) / denominator
    return ContrastiveOutput(loss, accuracy, num_frames)


class ContrastiveLoss(torch.nn.Module):
    """Projects context vectors to the target space and applies :func:`contrastive_loss`.

    Args:
        input_size: encoder output dimension d.
        target_size: target dimension D (set by the task from the target module).
        num_negatives: K distractors per masked frame (wav2vec 2.0: 100).
        temperature: softmax temperature of the cosine scores (wav2vec 2.0: 0.1).
        sync_free: use :func:`contrastive_loss_sync_free` (the model's ``sync_free`` sets it).
    """

    def __init__(
        self,
        input_size: int,
        target_size: int,
        num_negatives: int = 100,
        temperature: float = 0.1,
        sync_free: bool = False,
    ) -> None:
        super().__init__()
        if num_negatives < 1:
            raise ValueError(f"num_negatives must be >= 1, got {num_negatives}")
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.proj = torch.nn.Linear(input_size, target_size)
        self.num_negatives = num_negatives
        # The default path draws (B, M, K) uniforms (M: the batch's largest masked count), as
        # before the sync-free path existed, so a seed's runs are unchanged; draw_padded = True
        # makes it draw (B, T, K) as the sync-free path must (the two then agree draw for draw).
        self.draw_padded = False
        self.temperature = temperature
        self.sync_free = sync_free

    def forward(
        self,
        context: torch.Tensor,
        targets: torch.Tensor,
        mask: torch.Tensor,
        generator: Optional[torch.Generator] = None,
        draw_length: Optional[int] = None,
    ) -> ContrastiveOutput:
        """Score projected ``context`` against ``targets`` at ``mask`` (see :func:`contrastive_loss`)."""
        if self.sync_free:
            loss_fn = contrastive_loss_sync_free
        else:  # (B, M, K) draws unless draw_padded: the random stream of earlier versions
            loss_fn = contrastive_loss
            draw_length = (draw_length or mask.size(1)) if self.draw_padded else None
        return loss_fn(
            self.proj(context),
            targets,
            mask,
            self.num_negatives,
            self.temperature,
            generator,
            draw_length,
        )

    def extra_repr(self) -> str:
        return (
            f"num_negatives={self.num_negatives}, temperature={self.temperature}, "
            f"sync_free={self.sync_free}"
        )
