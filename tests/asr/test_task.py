"""Fine-tuning options: encoder frozen for N optimizer steps, separate encoder learning rate."""

from __future__ import annotations

import argparse

import pytest
import torch

from bigssl.espnet_compat import quiet_espnet_imports

quiet_espnet_imports()
from bigssl.asr.task import BigSSLASRTask  # noqa: E402
from tests.asr.asr_helpers import TINY_ENCODER  # noqa: E402


def _args(**overrides: object) -> argparse.Namespace:
    parser = BigSSLASRTask.get_parser()
    args = parser.parse_args(["--output_dir", "unused", "--token_list", "unused"])
    args.token_list = ["<blank>", "<unk>", "a", "b", "c", "<sos/eos>"]
    args.frontend_conf = {"n_fft": 128, "hop_length": 64, "n_mels": 20}
    args.encoder, args.encoder_conf = "conformer", TINY_ENCODER
    args.decoder, args.model_conf = None, {"ctc_weight": 1.0}
    args.specaug, args.normalize = None, None
    args.optim, args.optim_conf = "adam", {"lr": 0.01}
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


def _train_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> None:
    torch.manual_seed(0)
    speech = torch.randn(2, 4000)
    loss, _, _ = model(
        speech=speech,
        speech_lengths=torch.tensor([4000, 3000]),
        text=torch.tensor([[2, 3, 4], [3, 4, -1]]),
        text_lengths=torch.tensor([3, 2]),
    )
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def _snapshot(module: torch.nn.Module) -> dict:
    """Weights only: BatchNorm running statistics are buffers and keep updating in train mode."""
    return {k: v.detach().clone() for k, v in module.named_parameters()}


def _changed(before: dict, module: torch.nn.Module) -> bool:
    return any(not torch.equal(before[k], v) for k, v in module.named_parameters())


def test_encoder_frozen_for_first_steps_then_trains() -> None:
    args = _args(freeze_encoder_steps=2)
    model = BigSSLASRTask.build_model(args)
    (optimizer,) = BigSSLASRTask.build_optimizers(args, model)
    encoder_before, ctc_before = _snapshot(model.encoder), _snapshot(model.ctc)
    for _ in range(2):
        _train_step(model, optimizer)
    assert not _changed(encoder_before, model.encoder), "encoder moved while frozen"
    assert _changed(
        ctc_before, model.ctc
    ), "the CTC head should train while the encoder is frozen"
    _train_step(model, optimizer)
    assert _changed(
        encoder_before, model.encoder
    ), "encoder did not train after the frozen steps"


def test_encoder_learning_rate_scale() -> None:
    args = _args(encoder_lr_scale=0.1)
    model = BigSSLASRTask.build_model(args)
    (optimizer,) = BigSSLASRTask.build_optimizers(args, model)
    lrs = [group["lr"] for group in optimizer.param_groups]
    assert lrs == pytest.approx([0.01, 0.001])
    encoder_ids = {id(p) for p in model.encoder.parameters()}
    assert all(id(p) in encoder_ids for p in optimizer.param_groups[1]["params"])
    assert not any(id(p) in encoder_ids for p in optimizer.param_groups[0]["params"])


def test_defaults_give_espnets_single_group_optimizer() -> None:
    args = _args()
    model = BigSSLASRTask.build_model(args)
    (optimizer,) = BigSSLASRTask.build_optimizers(args, model)
    assert len(optimizer.param_groups) == 1


def _forward(model: torch.nn.Module, speech: torch.Tensor) -> torch.Tensor:
    loss, _, _ = model(
        speech=speech,
        speech_lengths=torch.tensor([4000, 3000]),
        text=torch.tensor([[2, 3, 4], [3, 4, -1]]),
        text_lengths=torch.tensor([3, 2]),
    )
    return loss


def test_nonfinite_losses_are_named_and_stop_the_run_after_patience(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    """Fine-tuning and students: each non-finite loss is logged with its step; 3 in a row stop."""
    from bigssl.training.guards import NonFiniteLossError

    (tmp_path / "checkpoint.pth").write_bytes(b"")
    model = BigSSLASRTask.build_model(
        _args(nonfinite_loss_patience=3, output_dir=str(tmp_path))
    )
    model.train()
    good, bad = torch.randn(2, 4000), torch.full((2, 4000), float("nan"))
    assert torch.isfinite(_forward(model, good))
    with caplog.at_level("WARNING"):
        _forward(model, bad)
        _forward(model, bad)
        assert torch.isfinite(
            _forward(model, good)
        )  # the count restarts after a finite loss
        _forward(model, bad)
        _forward(model, bad)
        with pytest.raises(NonFiniteLossError) as err:
            _forward(model, bad)
    assert "non-finite loss at training step 2" in caplog.text
    assert err.value.step == 7 and "3 non-finite losses in a row" in str(err.value)
    assert str(tmp_path / "checkpoint.pth") in str(err.value)
    model.eval()
    _forward(model, bad)  # validation is not guarded (ESPnet reports it)


def test_the_guard_adds_nothing_to_the_weights() -> None:
    guarded = BigSSLASRTask.build_model(_args(nonfinite_loss_patience=3))
    plain = BigSSLASRTask.build_model(_args(nonfinite_loss_patience=0))
    assert guarded.state_dict().keys() == plain.state_dict().keys()
    assert guarded._forward_hooks and not plain._forward_hooks
