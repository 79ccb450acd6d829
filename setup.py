"""The wheel carries knowledge/, prompts/ and schemas/ as package data under app/_data, so an
installed mlsd (`pip install .`, `pipx install .`) needs no checkout beside it. In a checkout
(and an editable install) app.settings finds them beside the source instead."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA = ("knowledge", "prompts", "schemas")
ROOT = Path(__file__).resolve().parent


class BuildPyWithData(build_py):
    """build_py that also copies the shipped data into the built package."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "app" / "_data"
        for name in DATA:
            shutil.copytree(
                ROOT / name,
                target / name,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"),
            )


setup(cmdclass={"build_py": BuildPyWithData})
