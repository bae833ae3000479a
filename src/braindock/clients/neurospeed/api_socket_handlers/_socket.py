"""Socket.IO plumbing shared by the HIA and the room handlers (``neurospeed.md`` 6.1-6.4, 9.3).

* python-socketio's synchronous client over WebSocket only (Socket.IO 5 / Engine.IO 4, 6.1), connected to
  scheme + host of ``pipeline_address`` at the root path of the handler (``/hia/``, ``/target_is_...``, 1.3).
* Credentials are computed at **every** (re)connection attempt from the auth handler's current tokens (the
  official client froze them at construction, 2.8). A reconnection attempt first makes sure the token is newer
  than the one the previous handshake used (one single-flight refresh, falling back to a new login), so a
  socket whose access token went stale re-authenticates with a fresh one.
* Automatic reconnection after a transport loss (server restart, network drop, missed heartbeats): first
  attempt after ~0.5 s, then backing off to 5 s, until it succeeds, the user calls ``disconnect()``, or the
  server refuses the credentials for good. A server-initiated Socket.IO disconnect (e.g. a duplicate
  ``hia_id`` kicked out, 6.4/D7) is final, as in the protocol.
* A refused connection raises :class:`~braindock.clients.neurospeed.errors.SocketConnectionError` with the
  server's reason (the official client swallowed it).
* Incoming events are handed to one dispatcher thread per handler, so user callbacks run one at a time and
  in arrival order (python-engineio starts a thread per message, 9.3).
* Exceptions of background threads (a user callback, the HIA sender, a reconnection whose credentials were
  refused) are never only logged: they go to the handlers of :meth:`SocketHandlerBase.set_error_external_handler`
  ``f(handler, exc)``, or, when none is set, are re-raised as
  :class:`~braindock.clients.neurospeed.errors.BackgroundError` by the next call (``send_data``,
  ``send_data_direct``, ``route_message``, ``connect`` or ``disconnect``, after it has done its work).
* Threads end with the connection: :meth:`SocketHandlerBase.disconnect`, a failed ``connect()`` and a final
  disconnection (server-initiated, or reconnection given up) stop the dispatcher (and the HIA sender).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, TypedDict
from urllib.parse import urlencode

import engineio
import socketio

from braindock.clients.neurospeed.auth._base import AuthHandlerBase
from braindock.clients.neurospeed.errors import (
    AuthenticationError,
    BackgroundError,
    ConfigError,
    ConnectionError,
    NotConnectedError,
    SocketConnectionError,
)
from braindock.clients.neurospeed.utils.api_config_service import ApiConfig, resolve_api_config

log = logging.getLogger("braindock.clients.neurospeed.socket")

#: Seconds to wait for the namespace acknowledgement (python-socketio's 1 s default is short on busy hosts).
CONNECT_TIMEOUT_S = 15.0
#: Background errors kept for the next call when no error handler is set (oldest dropped first).
MAX_PENDING_ERRORS = 100

ErrorHandler = Callable[[Any, BaseException], Any]


class SocketOptions(TypedDict, total=False):
    """Keyword options of every socket handler constructor (see :class:`SocketHandlerBase`)."""

    reconnect: bool
    connect_timeout: float


class _OrderedEngineIO(engineio.Client):
    """Engine.IO client that hands Socket.IO EVENT packets to python-socketio in the read-loop thread (in order)
    instead of one new thread per message. Other packets (connect, disconnect, errors) keep the default."""

    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "message" and args and isinstance(args[0], str) and args[0][:1] == "2":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class _OrderedClient(socketio.Client):
    def _engineio_client_class(self) -> type[engineio.Client]:
        return _OrderedEngineIO


class SocketHandlerBase:
    """One Socket.IO connection authenticated by an auth handler.

    Args:
        auth_handler: user or customer auth handler (logged in on first connect if needed).
        api_config: another server than the auth handler's (default: the auth handler's).
        reconnect: reconnect automatically after a transport loss (default ``True``).
        connect_timeout: seconds to wait for the connection to be accepted (default 15).

    Raises:
        ConfigError: ``auth_handler`` is not an auth handler, or not of the role the path needs.
    """

    PATH = ""
    NEEDS_ROLE = ""

    def __init__(
        self,
        auth_handler: AuthHandlerBase,
        api_config: Mapping[str, Any] | None = None,
        *,
        reconnect: bool = True,
        connect_timeout: float = CONNECT_TIMEOUT_S,
    ) -> None:
        if not isinstance(auth_handler, AuthHandlerBase):
            raise ConfigError(f"expected an auth handler, got {type(auth_handler).__name__}")
        if self.NEEDS_ROLE and auth_handler.ROLE != self.NEEDS_ROLE:
            raise ConfigError(f"{type(self).__name__} needs a {self.NEEDS_ROLE} auth handler, not {auth_handler.ROLE}")
        self._auth = auth_handler
        self._socket_url = ApiConfig(resolve_api_config(api_config) if api_config else auth_handler.api_config)
        self.reconnect = reconnect
        self.connect_timeout = float(connect_timeout)
        self._client: socketio.Client | None = None
        self._refusal: str | None = None
        self._closing = False
        self._attempts = 0
        self._used_token: str | None = None
        self._headers_now: dict[str, str] = {}
        self._events: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = queue.Queue()
        self._dispatcher: threading.Thread | None = None
        self._connected = threading.Event()
        self._state_lock = threading.RLock()
        self._error_handlers: list[ErrorHandler] = []
        self._pending_errors: deque[BackgroundError] = deque(maxlen=MAX_PENDING_ERRORS)
        #: Number of successful connections (1 after connect(), +1 per automatic reconnection).
        self.connections = 0

    # -- to override -----------------------------------------------------------------------------------------

    def _query(self, token: str) -> dict[str, str]:
        """Query-string credentials (6.3)."""
        return {}

    def _headers(self, token: str) -> dict[str, str]:
        """Header credentials (6.3)."""
        return {}

    def _register(self, client: socketio.Client) -> None:
        """Register the path's events on ``client``."""

    def _on_connected(self) -> None:
        """Called (in the dispatcher) after every successful (re)connection."""

    def _on_disconnected(self, reason: Any) -> None:
        """Called (in the dispatcher) after every disconnection."""

    def _on_final(self) -> None:
        """Called (in the dispatcher, last) when the connection ended for good without :meth:`disconnect`."""

    # -- errors of background threads (9.3) -------------------------------------------------------------------

    def set_error_external_handler(self, handler: ErrorHandler) -> None:
        """``handler(socket_handler, exc)`` for every exception of a background thread (braindock addition).

        ``exc`` is a :class:`~braindock.clients.neurospeed.errors.BackgroundError` (``exc.error`` is the
        original). With a handler set, errors are no longer re-raised by the next call.
        """
        self._error_handlers = [handler]

    def raise_pending_error(self) -> None:
        """Re-raise the oldest background error not yet reported (and forget it); no-op when there is none.

        Raises:
            BackgroundError: a user callback, the HIA sender or a reconnection failed since the last call.
        """
        try:
            error = self._pending_errors.popleft()
        except IndexError:
            return
        raise error

    def _report_error(self, where: str, exc: BaseException) -> None:
        """Send ``exc`` (raised in a background thread) to the error handlers, or keep it for the next call."""
        error = exc if isinstance(exc, BackgroundError) else BackgroundError(where, exc)
        log.error("/%s/ %s", self.PATH, error, exc_info=exc)
        handlers = list(self._error_handlers)
        if not handlers:
            self._pending_errors.append(error)
            return
        for handler in handlers:
            try:
                handler(self, error)
            except Exception:  # noqa: BLE001 - an error handler that fails has nowhere left to report
                log.exception("/%s/ the error handler itself failed", self.PATH)

    # -- connection ------------------------------------------------------------------------------------------

    def _prepare(self) -> str:
        """Credentials for the next handshake; from the second attempt on, make sure the token is fresh."""
        self._attempts += 1
        if self._auth.get_access_token() is None:
            self._auth.login()
        elif self._attempts > 1 and self._used_token is not None:
            try:
                self._auth._refresh_after(self._used_token, retries=0)  # the reconnect loop retries anyway
            except AuthenticationError as exc:
                self._report_error("reconnection stopped, credentials refused", exc)
                self._abort_reconnect()
                raise ValueError(str(exc)) from None  # python-socketio's reconnect loop catches ValueError
            except ConnectionError as exc:  # server still down: try with the current token
                log.info("%s: could not refresh the token before reconnecting: %s", self.PATH, exc)
        token = self._auth.get_access_token() or ""
        self._used_token = token
        self._headers_now = {k: str(v) for k, v in self._headers(token).items() if v is not None}
        query = {k: str(v) for k, v in self._query(token).items() if v is not None}
        base = self._socket_url.get_socket_url()
        return base + ("?" + urlencode(query) if query else "")

    def _abort_reconnect(self) -> None:
        abort = getattr(self._client, "_reconnect_abort", None)
        if abort is not None:
            abort.set()

    def _new_client(self) -> socketio.Client:
        client = _OrderedClient(
            reconnection=self.reconnect,
            reconnection_delay=0.5,
            reconnection_delay_max=5,
            randomization_factor=0.25,
            logger=log if self._auth.is_verbose_log() else False,
            handle_sigint=False,
        )
        client.on("connect", self._socket_connect)
        client.on("disconnect", self._socket_disconnect)
        client.on("connect_error", self._socket_connect_error)
        client.on("__disconnect_final", self._socket_final)
        self._register(client)
        return client

    def connect(self) -> None:
        """Connect (blocking until the server accepted the connection); a no-op when already connected.

        Raises:
            SocketConnectionError: the server refused (``message`` is its reason), also after one token
                refresh when the reason was an invalid/expired token.
            ConnectionError: the server could not be reached.
            AuthenticationError: login/refresh refused.
            BackgroundError: a background thread failed since the last call and no error handler was set.
        """
        self.raise_pending_error()
        with self._state_lock:
            if self.is_connected():
                return
            self._discard_client()  # e.g. one still trying to reconnect: never two connections
            self._closing = False
            self._start_dispatcher()
            try:
                self._connect_once_refreshing()
            except BaseException:
                self._closing = True
                self._stop_dispatcher()
                raise

    def _connect_once_refreshing(self) -> None:
        refreshed = False
        while True:
            self._refusal = None
            self._attempts = 0
            self._discard_client()
            self._client = self._new_client()
            try:
                self._client.connect(
                    self._prepare,
                    headers=lambda: self._headers_now,
                    transports=["websocket"],
                    socketio_path=self.PATH,
                    wait_timeout=self.connect_timeout,
                )
            except socketio.exceptions.ConnectionError as exc:
                reason = self._refusal
                if reason is None:
                    raise ConnectionError(
                        f"/{self.PATH}/: could not connect to {self._socket_url.get_socket_url()}: {exc}"
                    ) from None
                if reason.startswith("Unauthorized") and not refreshed:
                    refreshed = True
                    self._auth._refresh_after(self._used_token)
                    continue
                raise SocketConnectionError(reason, f"/{self.PATH}/") from None
            return

    def disconnect(self) -> None:
        """Close the connection (no automatic reconnection afterwards) and stop the handler's threads after the
        queued callbacks ran.

        Raises:
            BackgroundError: a background thread failed since the last call and no error handler was set
                (raised after closing).
        """
        with self._state_lock:
            self._closing = True
            if self._client is not None:
                self._drain_outgoing()
            self._discard_client()
            self._connected.clear()
            self._stop_dispatcher()
        self.raise_pending_error()

    def _discard_client(self) -> None:
        """Shut the current python-socketio client down (connection and reconnection loop) and forget it."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.shutdown()
        except Exception as exc:  # noqa: BLE001 - closing must not raise
            log.debug("%s: shutdown: %s", self.PATH, exc)

    def _emit_checked(self, event: str, payload: Any) -> None:
        """Emit ``event(payload)``.

        Raises:
            BackgroundError: a pending background error (see :meth:`raise_pending_error`).
            NotConnectedError: not connected (nothing is sent).
        """
        self.raise_pending_error()
        self._emit_raw(event, payload)

    def _emit_raw(self, event: str, payload: Any) -> None:
        """Emit ``event(payload)`` without looking at pending errors (for background threads).

        Raises:
            NotConnectedError: not connected (nothing is sent).
        """
        client = self._client
        if client is None or not self.is_connected():
            raise NotConnectedError(f"/{self.PATH}/ is not connected")
        try:
            client.emit(event, payload)
        except socketio.exceptions.SocketIOError as exc:
            raise NotConnectedError(f"/{self.PATH}/: {exc}") from exc

    def _drain_outgoing(self, timeout: float = 10.0) -> None:
        """Wait until Engine.IO has written every queued message (its write loop marks each one done after
        sending), so that closing the WebSocket does not drop the last packets."""
        outgoing = getattr(getattr(self._client, "eio", None), "queue", None)
        deadline = time.monotonic() + timeout
        while (
            outgoing is not None
            and getattr(outgoing, "unfinished_tasks", 0)
            and self._connected.is_set()
            and time.monotonic() < deadline
        ):
            time.sleep(0.005)

    def is_connected(self) -> bool:
        """Whether the socket is connected right now."""
        return self._client is not None and bool(self._client.connected) and self._connected.is_set()

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Block until connected (e.g. after an automatic reconnection); ``False`` on timeout."""
        return self._connected.wait(timeout)

    def get_username(self) -> str | None:
        """The user name of the auth handler (``None`` for a customer auth handler)."""
        getter = getattr(self._auth, "get_username", None)
        return getter() if getter else None

    # -- socket.io callbacks (engine.io threads) ---------------------------------------------------------

    def _socket_connect(self) -> None:
        self.connections += 1
        self._connected.set()
        log.info("connected to /%s/ (connection %d)", self.PATH, self.connections)
        self._dispatch(self._on_connected)

    def _socket_disconnect(self, reason: Any = None) -> None:
        self._connected.clear()
        if not self._closing:
            log.warning("/%s/ disconnected (%s)", self.PATH, reason)
        self._dispatch(self._on_disconnected, reason)

    def _socket_final(self, *_: Any) -> None:
        """The connection ended for good (server disconnect, reconnection given up) without ``disconnect()``:
        run :meth:`_on_final` after the queued callbacks, then let the dispatcher end."""
        if self._closing:
            return  # disconnect() stops the threads itself
        self._dispatch(self._on_final)
        events, self._dispatcher = self._events, None
        events.put(None)

    def _socket_connect_error(self, data: Any = None) -> None:
        if isinstance(data, dict):  # a namespace-level refusal {"message": ...} (6.4)
            self._refusal = str(data.get("message") or "connection refused")
            message = self._refusal
        else:  # transport failure: python-socketio passes a string
            message = str(data)
        if self.connections:
            log.warning("/%s/ reconnection failed: %s", self.PATH, message)

    # -- ordered dispatch ---------------------------------------------------------------------------------

    def _dispatch(self, function: Callable[..., Any], *args: Any) -> None:
        self._events.put((function, args))

    def _start_dispatcher(self) -> None:
        if self._dispatcher is not None and self._dispatcher.is_alive():
            return
        self._events = queue.Queue()
        self._dispatcher = threading.Thread(
            target=self._run_dispatcher, args=(self._events,), name=f"neurospeed-{self.PATH}-callbacks", daemon=True
        )
        self._dispatcher.start()

    def _stop_dispatcher(self) -> None:
        if self._dispatcher is not None:
            self._events.put(None)
            if self._dispatcher is not threading.current_thread():
                self._dispatcher.join(timeout=10)
            self._dispatcher = None

    def _run_dispatcher(self, events: queue.Queue) -> None:
        while True:
            item = events.get()
            if item is None:
                return
            function, args = item
            try:
                function(*args)
            except Exception as exc:  # noqa: BLE001 - a user callback must not kill the dispatcher: report it
                self._report_error(f"callback {getattr(function, '__name__', function)}", exc)
