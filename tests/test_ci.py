"""CI's own scripts: the MongoDB test server refuses to run the suite without it."""
import glob
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(glob.glob("/usr/bin/python3.1[3-9]") + glob.glob("/usr/local/bin/python3.1[3-9]"),
                    reason="this machine has a Python >= 3.13 outside pyenv")
def test_the_server_run_fails_loudly_without_a_python_for_the_server(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "pyenv")}
    done = subprocess.run(["bash", ".ci/with-mongo-server", "true"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert "needs Python >= 3.13, and none was found" in done.stderr
    assert "MONGO_SERVER_PYTHON=" in done.stderr
