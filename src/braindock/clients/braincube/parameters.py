"""Process-wide library parameters (``shared/reference/braincube.md`` section 7.1).

Keys understood by the SDK (default in brackets):

* ``page_size`` [``150``]: ``size`` of every collection request (3.3).
* ``parse_date`` [``False``]: DATETIME columns become naive UTC ``datetime`` objects (4.4).
* ``VariableDescription_name_key`` [``"standard"``]: member read as a variable's name
  (``"tag"`` and ``"local"`` are the usual alternatives).
* ``VariableDescription_bcid_key`` [``"bcId"``]: member read as a variable's id.
* ``BaseEntity_name_key`` [``"name"``] / ``BaseEntity_bcid_key`` [``"bcId"``]: name and id
  members of every other entity.
* ``wire_format`` [``"auto"``] (braindock addition): format of ``get_data`` answers.
  ``"auto"`` asks for an Arrow stream and accepts JSON; ``"json"`` never asks for Arrow;
  ``"arrow"`` requires Arrow and raises :class:`~braindock.clients.braincube.errors.WireFormatError`
  otherwise.
* ``progress`` [``None``] (braindock addition): ``True`` always shows tqdm progress bars,
  ``False`` never does, ``None`` shows one only for downloads larger than
  ``progress_threshold`` bytes when stdout is a terminal.
* ``progress_threshold`` [``5 MiB``] (braindock addition): in bytes.

``<ClassName>_name_key`` / ``<ClassName>_bcid_key`` may be set for any entity class
(``MemoryBase``, ``Event``, ``MbChild``...); lookups walk up the class hierarchy to ``BaseEntity``.
Unknown keys are stored as given, exactly like the official client.
"""

from __future__ import annotations

from typing import Any

from braindock.clients.braincube import constants, instances

_DEFAULTS: dict[str, Any] = {
    "page_size": constants.DEFAULT_PAGE_SIZE,
    "parse_date": constants.DEFAULT_PARSE_DATE,
    "VariableDescription_name_key": constants.DEFAULT_VARIABLE_NAME_KEY,
    "VariableDescription_bcid_key": constants.DEFAULT_VARIABLE_BCID_KEY,
    "BaseEntity_name_key": constants.DEFAULT_ENTITY_NAME_KEY,
    "BaseEntity_bcid_key": constants.DEFAULT_ENTITY_BCID_KEY,
    "wire_format": constants.DEFAULT_WIRE_FORMAT,
    "progress": None,
    "progress_threshold": constants.DEFAULT_PROGRESS_THRESHOLD,
}


def _store() -> dict[str, Any]:
    store = instances.get_instance("parameter_set")
    if store is None:
        store = {}
        instances.add_instance("parameter_set", store)
    return store


def set_parameter(param_dict: dict[str, Any]) -> None:
    """Merge ``param_dict`` into the library parameters.

    Args:
        param_dict: ``{key: value}``; see the module docstring for the keys.

    Raises:
        ValueError: ``wire_format`` is not one of ``"auto"``, ``"json"``, ``"arrow"``, or
            ``page_size`` is not a positive integer (the official client would loop forever).
    """
    if "wire_format" in param_dict and param_dict["wire_format"] not in constants.WIRE_FORMATS:
        raise ValueError(f"wire_format must be one of {constants.WIRE_FORMATS}, got {param_dict['wire_format']!r}")
    if "page_size" in param_dict:
        size = param_dict["page_size"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"page_size must be a positive integer, got {size!r}")
    _store().update(param_dict)


def get_parameter(param_key: str) -> Any:
    """Return the value of a library parameter, its default, or ``None`` for unknown keys."""
    return _store().get(param_key, _DEFAULTS.get(param_key))


def reset_parameter() -> None:
    """Forget every parameter set with :func:`set_parameter` (defaults apply again)."""
    _store().clear()
