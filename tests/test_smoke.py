"""Import-time guarantees of the package and of its command line."""

import subprocess
import sys


def test_import_does_not_import_jax():
    code = "import sys, sdtheory; assert 'jax' not in sys.modules, 'jax imported at import time'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_wrong_argument_is_one_line_and_exit_2():
    res = subprocess.run(
        [sys.executable, "-m", "sdtheory", "figures", "no-such-figure"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def test_cli_help_and_list_run():
    for args in (["--help"], ["bridge", "--help"], ["figures", "--help"], ["list"]):
        res = subprocess.run(
            [sys.executable, "-m", "sdtheory", *args], capture_output=True, text=True
        )
        assert res.returncode == 0 and res.stdout, (args, res.stderr)
