"""Results of the BrainSTEM SDK: ``requests``-style responses and merged ``load_all`` pages (3.3).

* :class:`BrainstemResponse` wraps one :class:`httpx.Response` and offers what scripts written for
  the official clients use: ``.json()``, ``.status_code``, ``.ok``, ``.text``, ``.content``,
  ``.headers``, ``.url``, ``.reason``, truthiness (``ok``) — plus ``.raise_for_status()`` (raises the
  typed errors of :mod:`.errors`), ``.records`` and ``.to_dataframe()``.
* :class:`BrainstemRecords` is the ``dict`` that ``load(..., load_all=True)`` returns (as 2.0.0
  does), with ``.json()``, ``.status_code`` and ``.to_dataframe()`` added so that the documented
  ``client.load(..., load_all=True).json()`` works too (7.1 item 9).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from braindock.clients.brainstem.errors import error_for_response

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BrainstemRecords", "BrainstemResponse", "records_of", "to_dataframe"]

_PAGING_KEYS = ("count", "next", "previous", "meta")


def records_of(body: Any, key: str | None = None) -> list[dict[str, Any]]:
    """The records of a decoded body.

    List envelope ``{"count", "next", "previous", "<plural>": [...]}`` → that list (``key`` if given
    and present, else the first list-valued member, 3.3.1 rule 4); detail envelope
    ``{"<single>": {...}}`` → a one-element list; a bare list → itself.
    """
    if isinstance(body, list):
        return body
    if not isinstance(body, dict):
        raise ValueError("not a BrainSTEM envelope")
    if key is not None and isinstance(body.get(key), list):
        return body[key]
    for name, value in body.items():
        if name not in _PAGING_KEYS and isinstance(value, list):
            return value
    objects = [v for k, v in body.items() if k not in _PAGING_KEYS and isinstance(v, dict)]
    if len(objects) == 1:
        return [objects[0]]
    raise ValueError("the body holds no records (neither a list envelope nor a detail envelope)")


def to_dataframe(body: Any, key: str | None = None) -> pd.DataFrame:
    """A pandas DataFrame with one row per record of ``body`` (see :func:`records_of`).

    Columns are the record fields; nested values (id lists, included objects) stay Python objects.
    """
    import pandas as pd

    if isinstance(body, (BrainstemResponse, BrainstemRecords)):
        return body.to_dataframe()
    return pd.DataFrame.from_records(records_of(body, key))


class BrainstemResponse:
    """One HTTP answer, shaped like ``requests.Response``.

    Attributes:
        status_code, headers, text, content, url, reason: as in ``requests``.
        ok: ``status_code < 400``.
        model_key: the plural key of the model requested (used by :meth:`records`).
        httpx_response: the underlying :class:`httpx.Response`.
    """

    def __init__(self, response: httpx.Response, model_key: str | None = None) -> None:
        self.httpx_response = response
        self.model_key = model_key

    # requests-compatible surface -------------------------------------------------------------
    @property
    def status_code(self) -> int:
        """The HTTP status code."""
        return self.httpx_response.status_code

    @property
    def ok(self) -> bool:
        """``True`` when the status is below 400."""
        return self.httpx_response.status_code < 400

    @property
    def headers(self) -> httpx.Headers:
        """The response headers (case-insensitive mapping)."""
        return self.httpx_response.headers

    @property
    def text(self) -> str:
        """The body decoded as text."""
        return self.httpx_response.text

    @property
    def content(self) -> bytes:
        """The raw body bytes."""
        return self.httpx_response.content

    @property
    def url(self) -> str:
        """The final URL of the request, as a string."""
        return str(self.httpx_response.url)

    @property
    def reason(self) -> str:
        """The HTTP reason phrase, e.g. ``"Not Found"``."""
        return self.httpx_response.reason_phrase

    @property
    def encoding(self) -> str | None:
        """The body's text encoding, or ``None`` when unknown."""
        return self.httpx_response.encoding

    @property
    def elapsed(self) -> Any:
        """Time between sending the request and receiving the response (a :class:`datetime.timedelta`)."""
        return self.httpx_response.elapsed

    @property
    def request(self) -> httpx.Request:
        """The :class:`httpx.Request` that produced this response."""
        return self.httpx_response.request

    def json(self, **kwargs: Any) -> Any:
        """The decoded JSON body (raises ``ValueError`` for an empty or non-JSON body, e.g. a 204)."""
        return self.httpx_response.json(**kwargs)

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"<BrainstemResponse [{self.status_code}]>"

    # additions -----------------------------------------------------------------------------
    def raise_for_status(self) -> BrainstemResponse:
        """Raise the typed :class:`~.errors.BrainstemHTTPError` subclass for a status >= 400; else return self."""
        if not self.ok:
            raise error_for_response(self.httpx_response, self)
        return self

    @property
    def records(self) -> list[dict[str, Any]]:
        """The records of a list (or detail) body; raises the typed error for an error status."""
        self.raise_for_status()
        return records_of(self.json(), self.model_key)

    def to_dataframe(self) -> pd.DataFrame:
        """A pandas DataFrame of the list's records (one row for a detail body); typed error on HTTP errors."""
        import pandas as pd

        return pd.DataFrame.from_records(self.records)


class BrainstemRecords(dict):
    """All pages of a list merged under the plural key: ``{"count": N, "<plural>": [...], ...}``.

    A plain ``dict`` (what 2.0.0's ``load_all=True`` returns) that also answers ``.json()`` (itself),
    ``.status_code`` (200), ``.ok`` (True), ``.records`` and ``.to_dataframe()``.
    """

    status_code = 200
    ok = True

    def __init__(self, data: dict[str, Any], model_key: str) -> None:
        super().__init__(data)
        self.model_key = model_key

    def json(self) -> BrainstemRecords:
        """This object itself (already decoded), as ``requests.Response.json()`` would return the body."""
        return self

    def raise_for_status(self) -> BrainstemRecords:
        """Return self: a merged list is only built from successful pages, so there is nothing to raise."""
        return self

    @property
    def records(self) -> list[dict[str, Any]]:
        """The merged records: the list under the model's plural key."""
        return self[self.model_key]

    def to_dataframe(self) -> pd.DataFrame:
        """A pandas DataFrame with one row per merged record; nested values stay Python objects."""
        import pandas as pd

        return pd.DataFrame.from_records(self.records)
