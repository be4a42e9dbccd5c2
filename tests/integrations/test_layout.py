"""Importing a platform's client never imports its simulator or the simulated world."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PLATFORMS = sorted(p.parent.name for p in (ROOT / "integrations").glob("*/client.py"))


def test_every_platform_with_a_simulator_is_checked() -> None:
    assert len(PLATFORMS) == 7
    assert all((ROOT / "integrations" / name / "sim").is_dir() for name in PLATFORMS)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_client_loads_no_simulator(platform: str) -> None:
    """In a fresh interpreter: a module another test imported cannot hide the dependency."""
    script = (
        "import sys\n"
        f"import integrations.{platform}, integrations.{platform}.client\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = done.stdout.split()
    assert f"integrations.{platform}.client" in loaded
    # ".sim" catches integrations.<platform>.sim…, integrations.simulator and simworld…
    simulated = [name for name in loaded if name.startswith("integrations.") and ".sim" in name]
    assert simulated == []


def test_the_app_loads_a_simulator_only_to_start_it() -> None:
    """``palm.simulators`` imports a platform's simulator when it is embedded, not before."""
    script = "import sys, palm.app, palm.serve\nprint(' '.join(sorted(sys.modules)))\n"
    done = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    loaded = done.stdout.split()
    assert "palm.simulators" in loaded
    servers = [name for name in loaded if ".sim." in name or name.endswith(".sim")]
    assert servers == []
    assert "integrations.simulator" not in loaded
