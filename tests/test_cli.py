"""The ``sdtheory`` command line keeps its rules.

* ``--out`` is checked before any computing: an existing file, a path under a file or an
  unwritable folder prints one line and exits 2 (the figure/check is never called);
* ``--z`` must be > 0; any bad argument prints one line and exits 2, never a traceback;
* Ctrl-C exits 130 with one line and no traceback (in-process and by SIGINT to a real process);
* files are written with mode 0644; ``figures --format pdf|svg --dpi N`` writes that format and
  a metadata JSON beside the CSVs; ``check --csv FILE`` writes the table;
* ``sdtheory bridge`` options have the same names and defaults as the fields of ``BridgeConfig``.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sdtheory.cli import build_parser, main

UNWRITABLE = Path("/proc/sdtheory-cli-test")  # /proc refuses new files, even for root


def _run(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "sdtheory", *args], capture_output=True, text=True, timeout=timeout
    )


def _one_line_error(stderr: str):
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "error" in lines[0] and "Traceback" not in stderr


def _umask() -> int:
    old = os.umask(0o022)
    os.umask(old)
    return old


# ---------------------------------------------------------------- fakes (no real computing)


@pytest.fixture
def fake_figure(monkeypatch):
    """Register a tiny figure ``test-fake`` that records its calls."""
    from sdtheory.figures import REGISTRY, FigureOutput
    from sdtheory.figures._registry import FigureSpec

    calls = []

    def func(quick):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        calls.append(quick)
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot([0, 1], [0, 1])
        data = pd.DataFrame({"x": [0, 1], "y": [0, 1]})
        return FigureOutput(fig, data, extra={"more": data}, params={"grid": (0, 1), "lam": 0.5})

    monkeypatch.setitem(
        REGISTRY,
        "test-fake",
        FigureSpec("test-fake", "a test figure", func, "sdtheory.figures.test"),
    )
    return calls


@pytest.fixture
def fake_check(monkeypatch):
    from sdtheory.checks import REGISTRY
    from sdtheory.checks._registry import CheckSpec

    calls = []

    def func(quick):
        calls.append(quick)
        return [
            {"problem": "p", "quantity": "q", "theory": 1.0, "mc_mean": 1.1, "mc_se": 0.1, "n": 100}
        ]

    monkeypatch.setitem(REGISTRY, "test-fake", CheckSpec("test-fake", "a test check", func))
    return calls


# ---------------------------------------------------------------- --out checked first


@pytest.mark.parametrize("where", ["file", "under-file", "unwritable"])
def test_figures_out_checked_before_computing(tmp_path, capsys, fake_figure, where):
    f = tmp_path / "a-file"
    f.write_text("x")
    out = {"file": f, "under-file": f / "sub", "unwritable": UNWRITABLE / "x"}[where]
    if where == "unwritable" and not Path("/proc").is_dir():
        # the only folder that refuses new files even to root is /proc (Linux); CI runs on Linux
        pytest.skip("no /proc on this OS: no folder that refuses files even to root")
    rc = main(["figures", "test-fake", "--out", str(out)])
    assert rc == 2 and fake_figure == []
    _one_line_error(capsys.readouterr().err)


def test_bridge_out_checked_before_training(tmp_path):
    f = tmp_path / "a-file"
    f.write_text("x")
    t0 = time.perf_counter()
    res = _run("bridge", "--out", str(f))  # full defaults: minutes if it trained
    assert res.returncode == 2 and time.perf_counter() - t0 < 60
    _one_line_error(res.stderr)
    assert "--out" in res.stderr and res.stdout == ""


@pytest.mark.parametrize("where", ["folder", "under-file"])
def test_check_csv_checked_before_computing(tmp_path, capsys, fake_check, where):
    f = tmp_path / "a-file"
    f.write_text("x")
    target = tmp_path if where == "folder" else f / "table.csv"
    rc = main(["check", "test-fake", "--csv", str(target)])
    assert rc == 2 and fake_check == []
    assert "--csv" in capsys.readouterr().err


def test_gallery_out_under_a_file(tmp_path, capsys):
    f = tmp_path / "a-file"
    f.write_text("x")
    assert main(["gallery", "--out", str(f / "g.md"), "--images", str(tmp_path)]) == 2
    _one_line_error(capsys.readouterr().err)


# ---------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--z", "0"],
        ["check", "--z", "-1"],
        ["check", "--z", "nan"],
        ["check", "--z", "inf"],
        ["check", "--z", "abc"],
        ["figures", "--format", "gif"],
        ["figures", "--dpi", "0"],
        ["figures", "--dpi", "1.5"],
        ["figures", "--dpi", "5000"],
        ["figures", "no-such-figure"],
        ["check", "no-such-check"],
        ["no-such-command"],
        ["bridge", "--corruption", "abc"],
        ["bridge", "--train-steps", "-1"],
        ["bridge", "--xi", "nan"],
        ["bridge", "--seeds", "2.5"],
    ],
)
def test_bad_argument_one_line_exit_2(capsys, args):
    try:
        rc = main(args)
    except SystemExit as exc:  # argparse errors exit from inside parse_args
        rc = exc.code
    assert rc == 2
    _one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--z", "0"],
        ["bridge", "--corruption", "0.3", "1.5"],  # checked by run_bridge
        ["bridge", "--quick", "--model", "linear", "--width", "0"],  # checked by run_bridge
        ["bridge", "--quick", "--dataset", "digits", "--n-samples", "100"],
    ],
)
def test_bad_argument_subprocess_has_no_traceback(args):
    res = _run(*args)
    assert res.returncode == 2
    _one_line_error(res.stderr)


# ---------------------------------------------------------------- Ctrl-C


def test_keyboard_interrupt_in_process_exits_130(tmp_path, capsys, monkeypatch, fake_figure):
    from sdtheory.figures import REGISTRY
    from sdtheory.figures._registry import FigureSpec

    def interrupted(quick):
        raise KeyboardInterrupt

    monkeypatch.setitem(
        REGISTRY,
        "test-fake",
        FigureSpec("test-fake", "interrupted", interrupted, "sdtheory.figures.test"),
    )
    rc = main(["figures", "test-fake", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 130
    assert err.strip().splitlines() == ["sdtheory: interrupted"]


def _interrupt(args, delay, cwd):
    """Start ``python -m sdtheory ARGS`` in ``cwd``, send SIGINT after ``delay`` seconds, and
    check that it exits with status 130 and the one line ``sdtheory: interrupted``."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdtheory", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )
    try:
        time.sleep(delay)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["sdtheory: interrupted"], err


@pytest.mark.parametrize("delay", [4.0, 9.0])
def test_sigint_to_running_figures_process_exits_130(tmp_path, delay):
    """A real ``sdtheory figures`` run (the full bridge figure: minutes) gets SIGINT, at two
    moments past start-up (loading and compiling, or training)."""
    out = tmp_path / "out"
    out.mkdir()
    _interrupt(["figures", "bridge-accuracy-vs-xi", "--out", str(out)], delay, tmp_path)
    assert not list(out.iterdir())  # nothing half-written


@pytest.mark.parametrize("delay", [0.3, 1.0])
def test_sigint_during_start_up_exits_130(tmp_path, delay):
    """Ctrl-C while the program is still importing its modules: one line, status 130.

    ``import sdtheory`` loads nothing heavy (names load on first use), so the handler is in
    place about 0.1 s after the interpreter starts."""
    _interrupt(["check", "--quick", "ridge-sd"], delay, tmp_path)


# ---------------------------------------------------------------- outputs


@pytest.mark.parametrize("fmt,magic", [("pdf", b"%PDF"), ("svg", b"<?xml"), ("png", b"\x89PNG")])
def test_figures_format_dpi_metadata_and_mode(tmp_path, capsys, fake_figure, fmt, magic):
    rc = main(
        [
            "figures",
            "test-fake",
            "--quick",
            "--format",
            fmt,
            "--dpi",
            "150",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert rc == 0 and fake_figure == [True]
    out = tmp_path / "out"
    img = out / f"test-fake.{fmt}"
    assert img.read_bytes()[: len(magic)] == magic
    meta = json.loads((out / "test-fake.json").read_text())
    assert meta["figure"] == "test-fake" and meta["mode"] == "quick"
    assert meta["format"] == fmt and meta["dpi"] == 150
    assert meta["versions"]["sdtheory"] == __import__("sdtheory").__version__
    assert meta["params"] == {"grid": [0, 1], "lam": 0.5}
    # every CSV has the metadata JSON beside it, listing it
    csvs = sorted(p.name for p in out.glob("*.csv"))
    assert csvs == ["test-fake-more.csv", "test-fake.csv"]
    assert set(csvs) <= set(meta["files"])
    want = 0o644 & ~_umask()
    for p in out.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == want, p


def test_png_dpi_changes_the_raster_size(tmp_path, fake_figure):
    from matplotlib.image import imread

    for dpi in (50, 100):
        assert (
            main(["figures", "test-fake", "--dpi", str(dpi), "--out", str(tmp_path / str(dpi))])
            == 0
        )
    a = imread(tmp_path / "50" / "test-fake.png").shape
    b = imread(tmp_path / "100" / "test-fake.png").shape
    assert abs(b[0] / a[0] - 2) < 0.1


def test_real_bridge_figure_quick_pdf(tmp_path, capsys):
    """``sdtheory figures --quick --format pdf NAME`` with a registered figure writes a PDF,
    its CSVs and their parameters."""
    rc = main(
        ["figures", "--quick", "--format", "pdf", "bridge-accuracy-vs-xi", "--out", str(tmp_path)]
    )
    assert rc == 0
    assert (tmp_path / "bridge-accuracy-vs-xi.pdf").read_bytes()[:4] == b"%PDF"
    meta = json.loads((tmp_path / "bridge-accuracy-vs-xi.json").read_text())
    assert meta["mode"] == "quick" and meta["format"] == "pdf"
    assert meta["params"]["corruption"] == [0.3, 0.5] and meta["params"]["train_steps"] == 40
    for csv in tmp_path.glob("*.csv"):
        assert csv.name in meta["files"]
        assert stat.S_IMODE(csv.stat().st_mode) == 0o644 & ~_umask()


def test_check_csv_writes_the_table(tmp_path, capsys, fake_check):
    path = tmp_path / "sub" / "checks.csv"
    rc = main(["check", "test-fake", "--quick", "--z", "2", "--csv", str(path)])
    assert rc == 0 and fake_check == [True]
    df = pd.read_csv(path)
    assert list(df.columns[:9]) == [
        "check",
        "problem",
        "quantity",
        "theory",
        "mc_mean",
        "mc_se",
        "n",
        "z",
        "ok",
    ]
    assert df.z.iloc[0] == pytest.approx(1.0) and bool(df.ok.iloc[0])
    assert stat.S_IMODE(path.stat().st_mode) == 0o644 & ~_umask()
    # the limit is applied: |z| = 1 fails at --z 0.5 (exit 1), the CSV says so
    assert main(["check", "test-fake", "--z", "0.5", "--csv", str(path)]) == 1
    assert not bool(pd.read_csv(path).ok.iloc[0])


def test_atomic_write_mode_is_0644_not_0600(tmp_path):
    from sdtheory._io import write_csv

    p = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "a.csv")
    assert stat.S_IMODE(p.stat().st_mode) == 0o644 & ~_umask()
    assert not [q for q in tmp_path.iterdir() if q.name.startswith(".")]  # no temp file left


# ---------------------------------------------------------------- bridge options = run_bridge


def test_bridge_cli_defaults_equal_python_defaults():
    import dataclasses

    from sdtheory.bridge import BridgeConfig
    from sdtheory.bridge._cli import PARAMS, config_from_args, kwargs_from_args

    fields = dataclasses.fields(BridgeConfig)
    assert set(PARAMS) == {f.name for f in fields}
    args = build_parser().parse_args(["bridge"])
    kw = kwargs_from_args(args)
    for f in fields:
        got, want = kw[f.name], f.default
        assert got == want and type(got) is type(want), (f.name, got, want)
    assert config_from_args(args) == BridgeConfig()
    # every option spells the field name with dashes
    actions = {
        a.dest: a.option_strings
        for a in build_parser()._subparsers._group_actions[0].choices["bridge"]._actions
    }
    for name in PARAMS:
        assert f"--{name.replace('_', '-')}" in actions[name]


def test_bridge_cli_accepts_negative_xi_and_corruption_kind():
    args = build_parser().parse_args(
        [
            "bridge",
            "--xi",
            "-0.5",
            "0",
            "2",
            "--corruption",
            "0.2",
            "--corruption-kind",
            "asymmetric",
            "--train-steps",
            "none",
        ]
    )
    from sdtheory.bridge._cli import kwargs_from_args

    kw = kwargs_from_args(args)
    assert kw["xi"] == (-0.5, 0.0, 2.0) and kw["corruption"] == (0.2,)
    assert kw["corruption_kind"] == "asymmetric" and kw["train_steps"] is None


def test_pdf_embeds_truetype_fonts(tmp_path, fake_figure):
    """Journals reject Type 3 fonts: PDF figures embed TrueType (Type 42) fonts instead."""
    assert main(["figures", "test-fake", "--format", "pdf", "--out", str(tmp_path)]) == 0
    pdf = (tmp_path / "test-fake.pdf").read_bytes()
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"sdtheory {__import__('sdtheory').__version__}"
