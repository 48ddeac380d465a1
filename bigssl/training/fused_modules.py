"""Model-level GPU levers for ESPnet's Conformer, as in-place module swaps (issue 25).

Each lever replaces the class of matching ESPnet submodules by a subclass whose ``forward`` does the
same arithmetic through fewer, fusable kernels. The subclasses add no parameters or buffers, so the
parameter objects, names and ``state_dict`` keys stay ESPnet's: checkpoints of a swapped model load
into stock ESPnet (``strict=True``) and stock ``Speech2Text``. Swap before ``torch.compile``.

* ``sdpa_relpos``: :class:`SDPARelPositionMultiHeadedAttention` for ESPnet's
  ``RelPositionMultiHeadedAttention`` (``rel_selfattn`` + ``rel_pos_type: latest``).
* ``linear_conv_module``: :class:`LinearConvolutionModule` for ESPnet's Conformer
  ``ConvolutionModule``.

No FlexAttention lever: torch 2.11's ``flex_attention`` raises ``NotImplementedError`` ("does not
support backward on CPU") for CPU inputs that require grad (pytorch PR #169646), so it cannot be
checked against ESPnet here, and learned score_mod biases have open GPU issues (pytorch #145208).
"""

from __future__ import annotations

import argparse
import math
from typing import Dict, Optional, Sequence, Tuple, Type

import torch
import torch.nn.functional as F
from espnet.nets.pytorch_backend.conformer.convolution import ConvolutionModule
from espnet.nets.pytorch_backend.transformer.attention import (
    RelPositionMultiHeadedAttention,
)


def rel_shift_view(x: torch.Tensor) -> torch.Tensor:
    """ESPnet's ``rel_shift`` for time1 == time2 as a strided view of (B, H, T, 2T-1) scores.

    ``out[..., i, j] = x[..., i, T - 1 - i + j]``: the score of relative position ``i - j``.
    """
    x = x.contiguous()
    batch, heads, time, _ = x.shape
    return x.as_strided(
        (batch, heads, time, time),
        (x.stride(0), x.stride(1), x.stride(2) - 1, 1),
        x.storage_offset() + time - 1,
    )


class SDPARelPositionMultiHeadedAttention(RelPositionMultiHeadedAttention):
    """ESPnet's relative-position self-attention through ``scaled_dot_product_attention``.

    The content term ``(q + pos_bias_u) . k`` is SDPA's own product (its default scale is ESPnet's
    ``1 / sqrt(d_k)``); the shifted positional term ``(q + pos_bias_v) . p / sqrt(d_k)`` and the
    padding mask (ESPnet's ``finfo.min`` fill) enter as SDPA's additive float mask. Query rows
    whose keys are all masked give 0 before ``linear_out``, as ESPnet's ``masked_fill(mask, 0.0)``.
    Attention dropout is SDPA's ``dropout_p`` (same rate, different random draws).

    Falls back to ESPnet's forward for ``zero_triu``, for query and key lengths that differ (the
    encoder layer's ``cache`` path) and while forward hooks are registered (ESPnet's attention
    plots read ``self.attn``, which only the stock path stores).
    """

    def forward(
        self,
        query: torch.Tensor,
        key: torch.Tensor,
        value: torch.Tensor,
        pos_emb: torch.Tensor,
        mask: Optional[torch.Tensor],
    ) -> torch.Tensor:
        """(B, T, D) attention output, as ESPnet's ``forward`` (mask: (B, 1, T) or (B, T, T))."""
        time = query.size(1)
        if (
            self.zero_triu
            or key.size(1) != time
            or pos_emb.size(1) != 2 * time - 1
            or self._forward_hooks
        ):
            return super().forward(query, key, value, pos_emb, mask)
        q, k, v = self.forward_qkv(query, key, value)  # (B, H, T, d_k)
        p = self.linear_pos(pos_emb).view(pos_emb.size(0), -1, self.h, self.d_k)
        dtype = (
            v.dtype
        )  # under autocast: the fp32 biases promote q, the linears give bf16
        q_u = (q + self.pos_bias_u.unsqueeze(1)).to(dtype)
        q_v = (q + self.pos_bias_v.unsqueeze(1)) * (1.0 / math.sqrt(self.d_k))
        bias = rel_shift_view(torch.matmul(q_v, p.permute(0, 2, 3, 1))).to(dtype)
        empty_rows = None
        if mask is not None:
            masked = mask.unsqueeze(1).eq(0)  # (B, 1, 1 or T, T)
            bias = bias.masked_fill(masked, torch.finfo(dtype).min)  # finite: no NaN
            empty_rows = masked.all(dim=-1, keepdim=True)
        rate = self.dropout.p if isinstance(self.dropout, torch.nn.Dropout) else 0.0
        out = F.scaled_dot_product_attention(
            q_u, k, v, attn_mask=bias, dropout_p=rate if self.training else 0.0
        )
        if empty_rows is not None:
            out = out.masked_fill(empty_rows, 0.0)
        out = out.transpose(1, 2).reshape(query.size(0), time, self.h * self.d_k)
        return self.linear_out(out)


class LinearConvolutionModule(ConvolutionModule):
    """ESPnet's Conformer convolution module with its pointwise convs as ``linear`` on (B, T, C).

    Same parameters (the Conv1d weights, read as (out, in) matrices); one transpose pair, around
    the depthwise conv and BatchNorm. The GLU and the activation are elementwise on (B, T, C) so
    ``torch.compile`` fuses them with their neighbours. ESPnet 202511's module takes ``x`` only
    (no ``mask_pad``/``cache``: its encoder layer does not mask before the conv), and so does this.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C) -> (B, T, C)."""
        conv1, conv2 = self.pointwise_conv1, self.pointwise_conv2
        x = F.linear(x, conv1.weight.squeeze(-1), conv1.bias)  # (B, T, 2C)
        content, gate = x.chunk(2, dim=-1)
        x = (content * torch.sigmoid(gate)).transpose(1, 2)  # GLU, (B, C, T)
        x = self.norm(self.depthwise_conv(x)).transpose(1, 2)  # (B, T, C)
        return F.linear(self.activation(x), conv2.weight.squeeze(-1), conv2.bias)


# name -> (stock ESPnet class to match, its replacement)
LEVERS: Dict[str, Tuple[Type[torch.nn.Module], Type[torch.nn.Module]]] = {
    "sdpa_relpos": (
        RelPositionMultiHeadedAttention,
        SDPARelPositionMultiHeadedAttention,
    ),
    "linear_conv_module": (ConvolutionModule, LinearConvolutionModule),
}


def apply_encoder_levers(
    encoder: torch.nn.Module, names: Sequence[str]
) -> Dict[str, int]:
    """Swap, in place, every submodule of ``encoder`` matching each lever of ``names``.

    Returns {name: number of modules swapped} (modules swapped before count again: idempotent).
    Raises ``ValueError`` for an unknown name, or when ``encoder`` has no module a lever applies
    to (checked for all names before anything is swapped).
    """
    unknown = [name for name in names if name not in LEVERS]
    if unknown:
        raise ValueError(f"unknown encoder lever(s) {unknown}; known: {list(LEVERS)}")
    found = {}
    for name in dict.fromkeys(names):
        stock, replacement = LEVERS[name]
        # exact classes: a stock module, or one swapped before (never a foreign subclass)
        found[name] = [m for m in encoder.modules() if type(m) in (stock, replacement)]
        if not found[name]:
            raise ValueError(
                f"encoder lever {name!r}: {type(encoder).__name__} has no "
                f"{stock.__name__} module to swap"
            )
    for name, modules in found.items():
        replacement = LEVERS[name][1]
        for module in modules:
            module.__class__ = replacement
    return {name: len(modules) for name, modules in found.items()}


def add_encoder_levers_argument(group: argparse._ArgumentGroup) -> None:
    """The tasks' ``--encoder_levers`` option (a YAML list or space-separated names)."""
    group.add_argument(
        "--encoder_levers",
        nargs="*",
        default=[],
        choices=list(LEVERS),
        help="swap encoder modules for fused equivalents before any compile (same "
        "state_dict keys): " + ", ".join(LEVERS),
    )
