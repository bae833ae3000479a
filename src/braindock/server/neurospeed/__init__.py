"""NeuroSpeed protocol: customers and users, JWT auth, ``/hia`` uplink, rooms, SSR, downlink, recorder, exporter.

Reference: ``shared/reference/neurospeed.md``. HTTP routes live under ``/api`` (:data:`router`); the
Socket.IO servers are mounted at the host root by :class:`~braindock.server.neurospeed.socket.SocketMount`.
"""

from fastapi import APIRouter

from braindock.server.neurospeed.routes_auth import router as _auth
from braindock.server.neurospeed.routes_exporter import router as _exporter
from braindock.server.neurospeed.routes_gateway import router as _gateway
from braindock.server.neurospeed.routes_insights import router as _insights
from braindock.server.neurospeed.routes_recorder import router as _recorder
from braindock.server.neurospeed.routes_ssr import router as _ssr
from braindock.server.neurospeed.routes_users import router as _users
from braindock.server.neurospeed.service import NeuroSpeed
from braindock.server.neurospeed.socket import SocketMount

router = APIRouter()
router.include_router(_auth)
router.include_router(_insights)
router.include_router(_users)
router.include_router(_gateway)
router.include_router(_ssr)
router.include_router(_recorder)
router.include_router(_exporter)

__all__ = ["NeuroSpeed", "SocketMount", "router"]
