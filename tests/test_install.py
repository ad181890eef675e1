"""The package finds its shipped defaults, also after a plain `pip install .`."""

import subprocess
import sys
from pathlib import Path

import deskcli
from deskcli.core.paths import data_dir

SOURCE = Path(__file__).resolve().parents[1]


def test_shipped_defaults_are_found():
    for name in ("settings.toml", "checklist.toml"):
        assert (data_dir() / name).is_file(), name


def test_an_installed_package_carries_its_data():
    package = Path(deskcli.__file__).resolve().parent
    if SOURCE / "src" in package.parents:
        # An editable install reads data/ from the checkout; build a wheel to check it.
        out = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(SOURCE / "build" / "wheel-check"), str(SOURCE)],
            capture_output=True, text=True,
        )
        assert out.returncode == 0, out.stderr
        import zipfile

        wheel = max((SOURCE / "build" / "wheel-check").glob("deskcli-*.whl"), key=lambda p: p.stat().st_mtime)
        names = zipfile.ZipFile(wheel).namelist()
        assert "deskcli/data/settings.toml" in names and "deskcli/data/checklist.toml" in names
    else:
        assert data_dir() == package / "data"


def test_python_dash_m_and_version():
    out = subprocess.run([sys.executable, "-m", "deskcli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"deskcli {deskcli.__version__}"
