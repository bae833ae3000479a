"""NeuroSpeed protocol: customers and users, JWT auth, ``/hia`` uplink and user rooms.

Reference: ``shared/reference/neurospeed.md``. HTTP routes live under ``/api`` (:data:`router`); the
Socket.IO servers are mounted at the host root by :class:`~braindock.server.neurospeed.socket.SocketMount`.
"""

from fastapi import APIRouter

from braindock.server.neurospeed.routes_auth import router as _auth
from braindock.server.neurospeed.routes_gateway import router as _gateway
from braindock.server.neurospeed.routes_users import router as _users
from braindock.server.neurospeed.service import NeuroSpeed
from braindock.server.neurospeed.socket import SocketMount

router = APIRouter()
router.include_router(_auth)
router.include_router(_users)
router.include_router(_gateway)

__all__ = ["NeuroSpeed", "SocketMount", "router"]
