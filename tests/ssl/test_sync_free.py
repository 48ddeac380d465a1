"""The sync-free pretraining path (``model_conf: sync_free``): the same loss and gradients as the
default path, and no device-to-host read in its training forward and backward."""

from __future__ import annotations

import copy
import traceback
from typing import Any, Callable, Dict, List, Tuple

import pytest
import torch
from ssl_helpers import tiny_model
from torch.utils._python_dispatch import TorchDispatchMode

from bigssl.ssl.contrastive import contrastive_loss, contrastive_loss_sync_free
from bigssl.ssl.targets import GumbelQuantizer

# aten operators that read a device value back to the host or have a data-dependent shape.
SYNC_OPS = (
    "_local_scalar_dense",  # .item(), int(), float(), bool() of a tensor
    "nonzero",  # boolean indexing, masked_select on CUDA, torch.where(cond)
    "masked_select",
    "_unique",
    "unique_dim",
    "unique_consecutive",
    "repeat_interleave",
    "lift_fresh",  # torch.tensor(host value): a host-to-device copy on a GPU
)


def _in_host_only_code() -> bool:
    """True inside ESPnet's MultiSequential.forward: its layer-drop draw is a CPU tensor on every
    device (``torch.empty(n).uniform_()``), so reading it is no device sync."""
    return any(
        frame.filename.endswith("transformer/repeat.py")
        for frame in traceback.extract_stack()
    )


class NoSyncMode(TorchDispatchMode):
    """Fails on any operator of :data:`SYNC_OPS` dispatched inside it (forward and backward)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: List[str] = []

    def __torch_dispatch__(self, func: Any, types: Any, args=(), kwargs=None) -> Any:
        name = func.__name__.split(".")[0]
        if any(name == op or name.startswith(op + "_") for op in SYNC_OPS):
            if not _in_host_only_code():
                self.seen.append(str(func))
        return func(*args, **(kwargs or {}))


def _batch(lengths: List[int], dim: int = 16) -> Tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(3)
    feats = torch.randn(len(lengths), max(lengths), dim, generator=gen)
    for row, length in enumerate(lengths):
        feats[row, length:] = 0.0
    return feats, torch.tensor(lengths)


def _loss_and_grads(
    model: torch.nn.Module, feats: torch.Tensor, lengths: torch.Tensor, seed: int = 5
) -> Tuple[torch.Tensor, Dict[str, torch.Tensor], Dict[str, torch.Tensor]]:
    model.zero_grad(set_to_none=True)
    torch.manual_seed(seed)
    loss, stats, _ = model(feats, lengths)
    loss.backward()
    grads = {
        n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None
    }
    return loss.detach(), stats, grads


def _pair(
    make: Callable[[], torch.nn.Module]
) -> Tuple[torch.nn.Module, torch.nn.Module]:
    torch.manual_seed(0)
    plain = make().train()
    plain.loss.draw_padded = (
        True  # the sync-free path's (B, T, K) draws, to compare draw for draw
    )
    fast = copy.deepcopy(plain)
    fast.set_sync_free(True)
    return plain, fast


@pytest.mark.parametrize(
    "lengths",
    [[120, 120], [150, 97, 61], [200, 44, 130, 170]],
    ids=["full", "pad3", "pad4"],
)
@pytest.mark.parametrize("target", ["linear", "quantizer"])
def test_sync_free_same_loss_and_gradients(lengths: List[int], target: str) -> None:
    """Same loss, stats and gradients (atol 1e-6, fp32) from the same seed, padded batches too."""
    make_target = (
        (lambda d: GumbelQuantizer(d, 16, num_groups=2, num_codes=8))
        if (target == "quantizer")
        else None
    )
    kwargs = {"target": make_target} if make_target else {}
    plain, fast = _pair(lambda: tiny_model(mask_prob=0.2, **kwargs))
    feats, lens = _batch(lengths)
    loss_a, stats_a, grads_a = _loss_and_grads(plain, feats, lens)
    loss_b, stats_b, grads_b = _loss_and_grads(fast, feats, lens)
    torch.testing.assert_close(loss_b, loss_a, atol=1e-6, rtol=0)
    for key in stats_a:
        torch.testing.assert_close(stats_b[key], stats_a[key], atol=1e-6, rtol=0)
    assert grads_a.keys() == grads_b.keys()
    for name in grads_a:
        torch.testing.assert_close(grads_b[name], grads_a[name], atol=1e-6, rtol=1e-5)


def test_sync_free_loss_function_matches_with_duplicates_and_short_utterances() -> None:
    """Exact duplicate targets are excluded alike; utterances with 0 or 1 masked frames score
    nothing in both; a batch with no scored frame gives loss 0 in both."""
    gen = torch.Generator().manual_seed(1)
    context = torch.randn(4, 30, 8, generator=gen, requires_grad=True)
    targets = torch.randn(4, 30, 8, generator=gen)
    targets[0, 5:12] = targets[0, 3]  # a run of identical targets (digital silence)
    mask = torch.rand(4, 30, generator=gen) < 0.5
    mask[1] = False
    mask[2] = False
    mask[2, 7] = True
    for masks in (mask, torch.zeros_like(mask)):
        outs = []
        for fn in (contrastive_loss, contrastive_loss_sync_free):
            torch.manual_seed(9)  # both draw (B, T, K): draw_length = T
            out = fn(context, targets, masks, num_negatives=6, draw_length=30)
            grad = torch.autograd.grad(out.loss, context)[0]
            outs.append((out, grad))
        (a, grad_a), (b, grad_b) = outs
        torch.testing.assert_close(b.loss, a.loss, atol=1e-6, rtol=0)
        torch.testing.assert_close(b.accuracy, a.accuracy, atol=1e-6, rtol=0)
        assert int(b.num_frames) == a.num_frames
        torch.testing.assert_close(grad_b, grad_a, atol=1e-6, rtol=0)


def test_default_path_syncs_and_the_mode_sees_it() -> None:
    """The detector works: the default path's .item(), unique and masked_select are caught."""
    plain, _ = _pair(lambda: tiny_model(mask_prob=0.2))
    feats, lens = _batch([150, 97, 61])
    with NoSyncMode() as mode:
        plain(feats, lens)[0].backward()
    ops = " ".join(mode.seen)
    assert "_local_scalar_dense" in ops and "masked_select" in ops and "unique" in ops


@pytest.mark.parametrize("target", ["linear", "quantizer"])
def test_sync_free_forward_and_backward_do_not_sync(target: str) -> None:
    """No scalar read, data-dependent shape or host-to-device tensor in a sync-free training
    forward + backward (structural check on CPU; on CUDA also torch's sync debug mode).
    """
    kwargs = {}
    if target == "quantizer":
        kwargs["target"] = lambda d: GumbelQuantizer(d, 16, num_groups=2, num_codes=8)
    _, fast = _pair(lambda: tiny_model(mask_prob=0.2, **kwargs))
    fast.target.collapse_warn_interval = 10**9
    feats, lens = _batch([150, 97, 61])
    fast(
        feats, lens
    )  # step 0: the quantizer's collapse check (every interval) runs here
    with NoSyncMode() as mode:
        loss, stats, weight = fast(feats, lens)
        loss.backward()
    assert mode.seen == []
    assert all(isinstance(v, torch.Tensor) for v in stats.values())
    assert isinstance(weight, torch.Tensor)
    if torch.cuda.is_available():
        fast = fast.cuda()
        feats, lens = feats.cuda(), lens.cuda()
        fast(feats, lens)
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
        try:
            fast(feats, lens)[0].backward()
        finally:
            torch.cuda.set_sync_debug_mode("default")


def test_sync_free_checks_finite_every_interval() -> None:
    """A NaN loss is reported at the next check, which names the interval."""
    from bigssl.training.guards import NonFiniteLossError

    _, fast = _pair(lambda: tiny_model(mask_prob=0.2))
    fast.finite_check_interval = 3
    feats, lens = _batch([150, 97])
    fast(feats, lens)
    with torch.no_grad():
        fast.loss.proj.weight.fill_(float("nan"))
    fast(feats, lens)  # step 1: flagged, not checked yet
    with pytest.raises(NonFiniteLossError, match="every 3 steps"):
        fast(feats, lens)  # step 2: (2 + 1) % 3 == 0


def test_sync_free_step_count_follows_a_loaded_checkpoint() -> None:
    """The host step copy is re-read from num_steps after load_state_dict (resume)."""
    _, fast = _pair(lambda: tiny_model(mask_prob=0.2))
    state = fast.state_dict()
    state["num_steps"] = torch.tensor(41)
    fast.load_state_dict(state)
    assert fast._step() == 41
