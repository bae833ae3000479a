"""NeuroSpeed macros: ``from braindock.clients.neurospeed import macros; macros.start_recording(...)`` works
(the official ``neurospeed.macros`` package re-exported nothing, 9.4), as does ``...macros.macros``."""

from braindock.clients.neurospeed.macros.macros import *  # noqa: F403
from braindock.clients.neurospeed.macros.macros import __all__  # noqa: F401
