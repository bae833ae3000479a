"""``brainstem_runner.py`` without the address override: the official client keeps its built-in address.

Usage (in the virtualenv of ``brainstem-python-api-tools`` 0.2.0)::

    python brainstem_default_address_runner.py SPEC.json RESULTS.json

Same spec and results as ``brainstem_runner.py`` (whose case runner it reuses), except that 0.2.0's hard-coded
``self._address = 'https://www.brainstem.org/api/'`` is left as it is: the client talks HTTPS to
``www.brainstem.org``. The test process makes that name reach braindock (``hosts_shim/sitecustomize.py`` on
``PYTHONPATH``) and makes the client trust braindock's CA (``REQUESTS_CA_BUNDLE``); ``spec["base"]`` is unused.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import brainstem_runner  # noqa: E402 - the sibling script, found through the line above


def keep_builtin_address(module: object, base: str) -> None:
    """Replaces ``brainstem_runner.point_020_at``: leave the client's address alone."""


brainstem_runner.point_020_at = keep_builtin_address

if __name__ == "__main__":
    brainstem_runner.main()
