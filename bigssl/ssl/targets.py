"""Contrastive targets computed from the unmasked feature sequence z.

* :class:`LinearTarget`: a linear projection of z (BigSSL / w2v-Conformer default, no quantizer).
* :class:`GumbelQuantizer`: product quantization with straight-through Gumbel-softmax and the
  codebook diversity loss of wav2vec 2.0 (Baevski et al. 2020, sec. 2 and 3.2).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from types import MappingProxyType
from typing import Mapping, NamedTuple, Optional, Sequence

import torch
import torch.nn.functional as F

from bigssl.training.precision import fp32_region

logger = logging.getLogger(__name__)


class TargetOutput(NamedTuple):
    """Targets (B, T, D), an already weighted auxiliary loss (or None) and scalar stats.

    A named tuple, not a dataclass: DeepSpeed ZeRO-3 finds the tensors in a module's output
    (to hook their backward) only inside tuples, lists and dicts.
    """

    targets: torch.Tensor
    aux_loss: Optional[torch.Tensor] = None
    stats: Mapping[str, torch.Tensor] = MappingProxyType({})


class AbsTarget(torch.nn.Module, ABC):
    """Maps features (B, T, d) with a (B, T) validity mask to contrastive targets (B, T, D)."""

    @abstractmethod
    def output_size(self) -> int:
        """Dimension D of the targets."""

    @abstractmethod
    def forward(  # noqa: D102
        self, feats: torch.Tensor, valid: torch.Tensor, step: int = 0
    ) -> TargetOutput:
        """Targets for every frame (only masked ones are scored)."""


class LinearTarget(AbsTarget):
    """Targets are ``W z + b``: BigSSL's linear projection of the unmasked features.

    Args:
        input_size: feature dimension d.
        output_size: target dimension D (shared with the context projection).
        detach: stop the gradient into the feature encoder through the targets.
    """

    def __init__(
        self, input_size: int, output_size: int = 256, detach: bool = False
    ) -> None:
        super().__init__()
        self.proj = torch.nn.Linear(input_size, output_size)
        self.detach = detach

    def output_size(self) -> int:
        return self.proj.out_features

    def forward(
        self, feats: torch.Tensor, valid: torch.Tensor, step: int = 0
    ) -> TargetOutput:
        if self.detach:
            feats = feats.detach()
        return TargetOutput(targets=self.proj(feats))


class GumbelQuantizer(AbsTarget):
    """Product quantizer with G codebooks of V entries, chosen by straight-through Gumbel-softmax.

    The Gumbel temperature decays per training step from ``temperature[0]`` by the factor
    ``temperature[2]`` down to ``temperature[1]`` (wav2vec 2.0: 2, 0.5, 0.999995). The diversity
    loss (GV - perplexity of the batch-averaged softmax) / GV, weighted by ``diversity_weight``, is
    returned as the auxiliary loss. Codebook collapse (hard-code perplexity below
    ``collapse_threshold`` of what the batch could reach) is logged as a warning, at most once
    per ``collapse_warn_interval`` steps.

    Args:
        input_size: feature dimension d.
        output_size: target dimension D after the codevector projection.
        num_groups: G codebooks.
        num_codes: V entries per codebook.
        codevector_size: total concatenated codevector size (default: ``output_size``).
        temperature: (start, floor, decay per step) of the Gumbel temperature.
        diversity_weight: alpha of the diversity loss (wav2vec 2.0: 0.1).
        collapse_threshold: normalized code perplexity under which collapse is reported.
        collapse_warn_interval: steps between repeated collapse warnings.
    """

    def __init__(
        self,
        input_size: int,
        output_size: int = 256,
        num_groups: int = 2,
        num_codes: int = 320,
        codevector_size: Optional[int] = None,
        temperature: Sequence[float] = (2.0, 0.5, 0.999995),
        diversity_weight: float = 0.1,
        collapse_threshold: float = 0.1,
        collapse_warn_interval: int = 1000,
    ) -> None:
        super().__init__()
        codevector_size = codevector_size or output_size
        if codevector_size % num_groups != 0:
            raise ValueError(
                f"codevector_size {codevector_size} not divisible by {num_groups}"
            )
        if len(temperature) != 3:
            raise ValueError("temperature must be (start, floor, decay)")
        self.num_groups = num_groups
        self.num_codes = num_codes
        self.temperature = tuple(float(t) for t in temperature)
        self.diversity_weight = diversity_weight
        self.collapse_threshold = collapse_threshold
        self.collapse_warn_interval = collapse_warn_interval
        self.logits = torch.nn.Linear(input_size, num_groups * num_codes)
        torch.nn.init.normal_(self.logits.weight, mean=0.0, std=input_size**-0.5)
        torch.nn.init.zeros_(self.logits.bias)
        self.codebook = torch.nn.Parameter(
            torch.empty(num_groups, num_codes, codevector_size // num_groups).uniform_()
        )
        self.proj = torch.nn.Linear(codevector_size, output_size)
        self._last_collapse_warning: Optional[int] = None
        # Set by the model's sync_free: the collapse check reads the device less often.
        self.sync_free = False

    def output_size(self) -> int:
        return self.proj.out_features

    def current_temperature(self, step: int) -> float:
        start, floor, decay = self.temperature
        return max(start * decay**step, floor)

    def forward(
        self, feats: torch.Tensor, valid: torch.Tensor, step: int = 0
    ) -> TargetOutput:
        batch, length, _ = feats.shape
        groups, codes = self.num_groups, self.num_codes
        logits = self.logits(feats).float().view(batch, length, groups, codes)
        tau = self.current_temperature(step)
        with fp32_region(feats.device):  # Gumbel softmax and code selection in fp32
            if self.training:
                onehot = F.gumbel_softmax(logits, tau=tau, hard=True, dim=-1)
            else:  # evaluation: the most likely code, no noise
                onehot = F.one_hot(logits.argmax(-1), codes).to(logits.dtype)
            # (B, T, G, V) x (G, V, C) -> (B, T, G, C)
            codevectors = torch.einsum("btgv,gvc->btgc", onehot, self.codebook.float())
        targets = self.proj(codevectors.reshape(batch, length, -1).to(feats.dtype))

        weights = valid.to(logits.dtype)[..., None, None]
        count = weights.sum().clamp(min=1.0)
        soft = (torch.softmax(logits, dim=-1) * weights).sum(dim=(0, 1)) / count
        hard = (onehot.detach() * weights).sum(dim=(0, 1)) / count
        prob_ppl = _perplexity(soft)
        code_ppl = _perplexity(hard)
        total_codes = groups * codes
        diversity = (total_codes - prob_ppl) / total_codes
        # Codes this batch could reach: G x min(V, valid frames), kept on the device.
        reachable = groups * valid.sum().clamp(min=1, max=codes).to(code_ppl.dtype)
        usage = code_ppl / reachable
        # Sync-free: look at the usage (a device read) only every collapse_warn_interval steps.
        if self.training and (
            not self.sync_free or step % self.collapse_warn_interval == 0
        ):
            self._check_collapse(float(usage), float(code_ppl), int(reachable), step)
        stats = {
            "loss_diversity": diversity.detach(),
            "code_ppl": code_ppl.detach(),
            "prob_ppl": prob_ppl.detach(),
            "code_usage": usage.detach(),
            "gumbel_temp": torch.full((), tau, device=feats.device),
        }
        return TargetOutput(
            targets=targets, aux_loss=self.diversity_weight * diversity, stats=stats
        )

    def _check_collapse(
        self, usage: float, code_ppl: float, reachable: int, step: int
    ) -> None:
        if usage >= self.collapse_threshold:
            return
        last = self._last_collapse_warning
        if last is not None and step - last < self.collapse_warn_interval:
            return
        self._last_collapse_warning = step
        logger.warning(
            "codebook collapse at training step %d: code perplexity %.2f is %.1f%% of the %d "
            "this batch could reach (threshold %.1f%%); raise diversity_weight or the Gumbel "
            "temperature, or lower the learning rate",
            step,
            code_ppl,
            100 * usage,
            reachable,
            100 * self.collapse_threshold,
        )


def _perplexity(probs: torch.Tensor) -> torch.Tensor:
    """Sum over groups of exp(entropy) of (G, V) distributions."""
    entropy = -(probs * torch.log(probs.clamp(min=1e-7))).sum(dim=-1)
    return torch.exp(entropy).sum()
