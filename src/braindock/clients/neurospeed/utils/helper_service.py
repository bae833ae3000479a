"""``UtilService`` (``neurospeed.md`` Appendix A; manual 3.5.1): config files and random ids."""

from __future__ import annotations

import json
import os
import secrets
import string
from typing import Any

_ALPHABET = string.ascii_uppercase + string.digits


class UtilService:
    """Static helpers, called on the class as in the official client (``UtilService.load_config_file(path)``)."""

    @staticmethod
    def load_config_file(config_path: str | os.PathLike[str]) -> dict[str, Any]:
        """Read a JSON credentials/config file into a dict.

        Raises:
            FileNotFoundError: no such file.
            ValueError: the file is not a JSON object (message names the file).
        """
        with open(config_path, encoding="utf-8-sig") as handle:
            try:
                value = json.load(handle)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{config_path}: not valid JSON ({exc})") from None
        if not isinstance(value, dict):
            raise ValueError(f"{config_path}: expected a JSON object, got {type(value).__name__}")
        return value

    @staticmethod
    def generateId(id_length: int) -> str:  # noqa: N802 - official name
        """A random id of ``id_length`` characters from ``A-Z0-9`` (``secrets``, not ``random``)."""
        return "".join(secrets.choice(_ALPHABET) for _ in range(int(id_length)))
