"""The version the package reports is the one it is installed as."""

from __future__ import annotations

from importlib.metadata import version

import appraisal
from appraisal.version import __version__


def test_the_version_is_the_installed_one() -> None:
    assert __version__ == appraisal.__version__ == version("appraisal")
