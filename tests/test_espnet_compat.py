"""bigssl's import-time changes to ESPnet's environment: typeguard's runtime checks skipped unless
BIGSSL_TYPECHECK=1 (they cost ~6 CPU s per process that imports ESPnet)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

# A wrong argument type that ESPnet's @typechecked catches: TristageLR's last_epoch must be an int (-1.0 works without the check).
PROBE = """
import bigssl, torch
from espnet2.schedulers.tristage_lr import TristageLR
opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
try:
    TristageLR(opt, last_epoch=-1.0)
    print("unchecked")
except Exception as error:
    print("checked", type(error).__name__)
"""


@pytest.mark.parametrize(
    "typecheck, expected", [(None, "unchecked"), ("1", "checked TypeCheckError")]
)
def test_espnet_runtime_type_checks_are_off_unless_asked_for(
    typecheck: str | None, expected: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BIGSSL_TYPECHECK"}
    if typecheck is not None:
        env["BIGSSL_TYPECHECK"] = typecheck
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1].startswith(expected)


def test_the_no_op_decorator_keeps_the_function_both_ways() -> None:
    from bigssl.espnet_compat import _no_typecheck

    def double(x: int) -> int:
        return 2 * x

    assert _no_typecheck(double) is double
    assert _no_typecheck()(double) is double
