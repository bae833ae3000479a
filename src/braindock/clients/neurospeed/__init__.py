"""NeuroSpeed SDK: a drop-in for the official ``neurospeed`` 2.3.5 client (``shared/reference/neurospeed.md``).

Scripts change only the import prefix, ``neurospeed.`` → ``braindock.clients.neurospeed.``; every module path
of Appendix A exists (``...auth.auth_as_user_handler.Auth_AS_User_Handler``,
``...hia_user_data.neurobrave_sensor_interface.HIA_Client``, ``...macros``...), and the main names are also
importable flat::

    from braindock.clients.neurospeed import Auth_AS_User_Handler, HIA_Client, UserRoom_AS_User_Handler, macros

Server: ``api_config={"api_address": "http://host:8420", "pipeline_address": "ws://host:8420"}`` as in the
official client, or simply ``url="http://host:8420"`` on the auth handler (every handler built on it follows);
default ``$NEUROSPEED_URL`` or ``http://127.0.0.1:8420``.

Better than 2.3.5 (9.5): typed exceptions carrying the server's message (:mod:`.errors`), timeouts, retries
on 502/503/504 and connection errors, one automatic token refresh on 401 without refresh storms, sockets
that reconnect with a fresh token, errors of background threads (callbacks, the HIA sender) passed to
``set_error_external_handler`` or re-raised as :class:`BackgroundError` by the next call, threads that end
with the connection, one paced sender thread per HIA, numpy arrays accepted, streamed
downloads with a tqdm bar, and :func:`load_export` / :func:`export_to_mne` for exported CSV files.
"""

from braindock.clients.neurospeed import constants, macros
from braindock.clients.neurospeed.api_http_handlers.customer_account_manager import Customer_Account_Manager
from braindock.clients.neurospeed.api_http_handlers.exporter_http_handler import UserRoom_Recorder_Exporter_Handler
from braindock.clients.neurospeed.api_http_handlers.gateway_http_handler import Gateway_HttpHandler
from braindock.clients.neurospeed.api_http_handlers.insight_http_handler import Insight_User_Handler
from braindock.clients.neurospeed.api_http_handlers.recorder_http_handler import UserRoom_Recorder_Handler
from braindock.clients.neurospeed.api_http_handlers.ssr_http_handler import SSR_HttpHandler
from braindock.clients.neurospeed.api_socket_handlers.customer_room_handler import CustomerRoom_Handler
from braindock.clients.neurospeed.api_socket_handlers.downlink_room_as_customer_handler import (
    DownlinkRoom_AS_Customer_Handler,
)
from braindock.clients.neurospeed.api_socket_handlers.downlink_room_as_user_handler import DownlinkRoom_AS_User_Handler
from braindock.clients.neurospeed.api_socket_handlers.user_room_as_customer_handler import UserRoom_AS_Customer_Handler
from braindock.clients.neurospeed.api_socket_handlers.user_room_as_user_handler import UserRoom_AS_User_Handler
from braindock.clients.neurospeed.auth.auth_as_customer_handler import Auth_AS_Customer_handler
from braindock.clients.neurospeed.auth.auth_as_user_handler import Auth_AS_User_Handler
from braindock.clients.neurospeed.constants import PROD_API_CONFIG
from braindock.clients.neurospeed.download import download_file
from braindock.clients.neurospeed.errors import (
    AuthenticationError,
    BackgroundError,
    ConfigError,
    Conflict,
    ConnectionError,
    ExportError,
    NeuroSpeedError,
    NeuroSpeedHTTPError,
    NotConnectedError,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RecorderError,
    ServerError,
    SocketConnectionError,
    TimeoutError,
    UnauthorizedError,
    ValidationError,
)
from braindock.clients.neurospeed.hia_user_data.neurobrave_sensor_interface import HIA_Client
from braindock.clients.neurospeed.loaders import export_to_mne, load_export
from braindock.clients.neurospeed.macros.macros import download_data, start_recording, stop_recording
from braindock.clients.neurospeed.utils.api_config_service import ApiConfig
from braindock.clients.neurospeed.utils.helper_service import UtilService
from braindock.clients.neurospeed.utils.http_service import HttpService

__all__ = [
    "PROD_API_CONFIG",
    "ApiConfig",
    "Auth_AS_Customer_handler",
    "Auth_AS_User_Handler",
    "AuthenticationError",
    "BackgroundError",
    "ConfigError",
    "Conflict",
    "ConnectionError",
    "CustomerRoom_Handler",
    "Customer_Account_Manager",
    "DownlinkRoom_AS_Customer_Handler",
    "DownlinkRoom_AS_User_Handler",
    "ExportError",
    "Gateway_HttpHandler",
    "HIA_Client",
    "HttpService",
    "Insight_User_Handler",
    "NeuroSpeedError",
    "NeuroSpeedHTTPError",
    "NotConnectedError",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "RecorderError",
    "SSR_HttpHandler",
    "ServerError",
    "SocketConnectionError",
    "TimeoutError",
    "UnauthorizedError",
    "UserRoom_AS_Customer_Handler",
    "UserRoom_AS_User_Handler",
    "UserRoom_Recorder_Exporter_Handler",
    "UserRoom_Recorder_Handler",
    "UtilService",
    "ValidationError",
    "constants",
    "download_data",
    "download_file",
    "export_to_mne",
    "load_export",
    "macros",
    "start_recording",
    "stop_recording",
]
