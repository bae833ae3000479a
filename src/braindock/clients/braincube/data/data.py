"""Column data of a memory base: braindata E14/E15 (``shared/reference/braincube.md`` section 4).

``POST <braincube path>/braindata/mb<mb>/LF`` returns the requested variables, filtered and
ordered by the memory base's order variable. Two answer formats are understood:

* **JSON** (4.3), what every Braincube server speaks: ``{"datadefs": [{"id", "type", "data"}]}``
  with all values as strings. Decoding follows 4.4 exactly: NUMERIC columns become Python
  ``int`` when every value parses as an integer, else ``float`` (``"NaN"`` → ``nan``);
  DATETIME columns stay ``"YYYYMMDD_HHMMSS"`` strings (``"null"`` when missing) unless the
  ``parse_date`` parameter is set, then naive ``datetime`` (``None`` when missing); DISCRETE and
  unknown types pass through. A column without ``data`` is dropped with a ``UserWarning``.
* **Arrow IPC stream** (braindock extension): requested with
  ``Accept: application/vnd.apache.arrow.stream`` when the ``wire_format`` parameter is
  ``"auto"`` (default) or ``"arrow"``. One column per definition named by its long id, field
  metadata ``type`` = NUMERIC/DISCRETE/DATETIME, nulls for missing values. It is decoded to the
  very same Python values as the JSON path (dicts), or straight to pandas for ``dataframe=True``.

Differences from the official client that do not change results on a well-behaved server:
JSON numbers with a fraction are no longer truncated to ``int`` (defect 10.24), ``null`` in a
NUMERIC column becomes ``nan`` instead of crashing, malformed column ids raise
:class:`~braindock.clients.braincube.errors.ResponseDecodeError` (10.25), unequal column lengths
raise a clear error for ``dataframe=True`` (10.29), a memory base without order variable still
returns data (rows in storage order), and very deep filter trees are serialised without
hitting the recursion limit (10.23).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from braindock.clients.braincube import constants, parameters, tools
from braindock.clients.braincube.data import conditions
from braindock.clients.braincube.errors import ResponseDecodeError, WireFormatError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from braindock.clients.braincube.client import Client
    from braindock.clients.braincube.memory_base.memory_base import MemoryBase

DATA_PATH = "braindata/{mb_id}/LF"
INFO_PATH = "braindata/{mb_id}/simple"
DATACOL = "data"
ARROW_ACCEPT_AUTO = f"{constants.ARROW_STREAM_MEDIA_TYPE}, {constants.JSON_MEDIA_TYPE};q=0.9"

# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------


def get_braindata_memory_base_info(
    braincube_path: str,
    memory_base_bcid: Any,
    braincube_name: str = "",
    *,
    client: Client | None = None,
) -> dict[str, Any]:
    """``GET <braincube_path>/braindata/mb<id>/simple`` (E14, braincube.md 4.1).

    Args:
        braincube_path: ``"braincube/<name>"`` (normal mode) or ``""`` (placeholder mode).
        memory_base_bcid: the memory base ``bcId``.
        braincube_name: value of the ``{braincube-name}`` placeholder.
        client: the client to use (default: the singleton).

    Returns:
        The JSON object, e.g. ``{"name": ..., "reference": "mb42/d2000001"}``.

    Raises:
        ApiError: 401/403/404... as typed exceptions; TransportError on network failure.
    """
    if client is None:
        from braindock.clients.braincube.client import get_instance

        client = get_instance()
    path = tools.join_path([braincube_path, INFO_PATH.format(mb_id=f"mb{memory_base_bcid}")])
    return client._get_json(path, braincube_name=braincube_name)


def _wire_format() -> str:
    value = parameters.get_parameter("wire_format") or constants.DEFAULT_WIRE_FORMAT
    if value not in constants.WIRE_FORMATS:
        raise ValueError(f"wire_format must be one of {constants.WIRE_FORMATS}, got {value!r}")
    if value == "auto":
        try:
            import pyarrow  # noqa: F401
        except ImportError:  # pragma: no cover - pyarrow is a dependency of braindock
            return "json"
    return value


def _encode_body(body: Mapping[str, Any]) -> bytes:
    try:
        text = json.dumps(body, separators=(",", ":"))
    except RecursionError:
        text = conditions.dumps_filter_tree(body)
    return text.encode("utf-8")


def build_request_body(
    memory_base: MemoryBase, variable_ids: Sequence[Any], filters: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """The JSON body of the ``LF`` request (braincube.md 4.2).

    ``definitions`` holds ``mb<mb>/d<var>`` for each id in the caller's order (after ``int()``),
    ``context.filter`` the AND-fold of ``filters`` (5.2) when there is at least one, and
    ``order`` the memory base's order variable from E14 (left out when the server has none).
    """
    long_mb_id = f"mb{memory_base.get_bcid()}"
    body: dict[str, Any] = {}
    order = memory_base._order_variable_or_none()
    if order is not None:
        body["order"] = order
    body["definitions"] = [f"{long_mb_id}/d{int(var_id)}" for var_id in variable_ids]
    body["context"] = {"dataSource": long_mb_id}
    combined = conditions.combine_filters(list(filters or []))
    if combined:
        body["context"]["filter"] = combined[0]
    return body


def _request_columns(
    memory_base: MemoryBase, variable_ids: Sequence[Any], filters: Sequence[Mapping[str, Any]] | None
) -> tuple[str, Any]:
    """Send the ``LF`` request; return ``("arrow", pyarrow.Table)`` or ``("json", payload dict)``."""
    wire = _wire_format()
    body = _encode_body(build_request_body(memory_base, variable_ids, filters))
    path = tools.join_path([memory_base.get_braincube_path(), DATA_PATH.format(mb_id=f"mb{memory_base.get_bcid()}")])
    accept = {"auto": ARROW_ACCEPT_AUTO, "arrow": constants.ARROW_STREAM_MEDIA_TYPE}.get(wire)
    content_type, raw = memory_base.get_client()._post_download(
        path, body, braincube_name=memory_base.get_braincube_name(), accept=accept
    )
    if content_type == constants.ARROW_STREAM_MEDIA_TYPE:
        import pyarrow as pa

        try:
            table = pa.ipc.open_stream(pa.py_buffer(raw)).read_all()
        except pa.ArrowInvalid as exc:
            raise ResponseDecodeError(f"invalid Arrow stream from {path}: {exc}") from exc
        return "arrow", table
    if wire == "arrow":
        raise WireFormatError(
            f"wire_format='arrow' but the server answered {content_type or 'without a content type'}; "
            "set wire_format to 'auto' or 'json' for servers without Arrow support"
        )
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ResponseDecodeError(f"invalid JSON from {path}: {exc}. Response content: {raw[:300]!r}") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("datadefs"), list):
        raise ResponseDecodeError(f"answer of {path} has no 'datadefs' array (braincube.md 4.3)")
    return "json", payload


def collect_data(
    variable_ids: Sequence[Any],
    memory_base: MemoryBase,
    filters: Sequence[Mapping[str, Any]] | None = None,
) -> dict[int, list[Any]]:
    """Fetch columns of ``memory_base`` as ``{int variable bcId: [values...]}`` (braincube.md 4, 7.2).

    Args:
        variable_ids: variable ``bcId`` values (ints or numeric strings), in the wanted order.
        memory_base: the memory base to read.
        filters: filters (section 5), AND-folded into one.

    Returns:
        One list per returned column, in the server's ``datadefs`` order; see the module
        docstring for the value types.

    Raises:
        BadRequestError: malformed filter (400). NotFoundError: unknown variable (404).
        PermissionDeniedError, AuthenticationError, TransportError, ResponseDecodeError.
    """
    kind, answer = _request_columns(memory_base, variable_ids, filters)
    parse_date = bool(parameters.get_parameter("parse_date"))
    if kind == "arrow":
        return decode_arrow_columns(answer, parse_date=parse_date)
    return decode_json_columns(answer, parse_date=parse_date)


def collect_frame(
    variable_ids: Sequence[Any],
    memory_base: MemoryBase,
    filters: Sequence[Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Like :func:`collect_data` but returns a pandas DataFrame with int bcId column labels.

    Equal to ``pandas.DataFrame(collect_data(...))``; Arrow answers go straight to pandas.
    """
    kind, answer = _request_columns(memory_base, variable_ids, filters)
    parse_date = bool(parameters.get_parameter("parse_date"))
    if kind == "arrow":
        return arrow_to_frame(answer, parse_date=parse_date)
    return columns_to_frame(decode_json_columns(answer, parse_date=parse_date))


# --------------------------------------------------------------------------------------------
# Decoding: JSON
# --------------------------------------------------------------------------------------------


def column_id(long_id: Any) -> int:
    """The variable bcId of a long id: ``"mb42/d2000017"`` → ``2000017``.

    Raises:
        ResponseDecodeError: the id has no ``/d<integer>`` part.
    """
    text = str(long_id)
    _, sep, tail = text.rpartition("/d")
    try:
        if not sep:
            raise ValueError
        return int(tail)
    except ValueError:
        raise ResponseDecodeError(f"column id {text!r} is not of the form 'mb<mb>/d<var>'") from None


def _to_float(value: Any) -> float:
    if value is None or value == "":
        return math.nan
    return float(value)


def parse_numeric_column(values: Sequence[Any]) -> list[int] | list[float]:
    """NUMERIC decoding of 4.4: all ``int`` if every value is an integer, else all ``float``.

    Missing values (``"NaN"``, ``null``, ``""``) become ``nan`` and force floats.
    """
    try:
        ints = list(map(int, values))
    except (ValueError, TypeError):
        pass
    else:
        # JSON numbers with a fraction would have been truncated by int().
        if not any(type(v) is float and not v.is_integer() for v in values):
            return ints
    try:
        return list(map(float, values))
    except (ValueError, TypeError):
        try:
            return [_to_float(v) for v in values]
        except (ValueError, TypeError) as exc:
            raise ResponseDecodeError(f"NUMERIC column holds a non-numeric value: {exc}") from None


def parse_datetime_column(values: Sequence[Any]) -> list[Any]:
    """DATETIME decoding with ``parse_date``: naive ``datetime``, ``None`` when unparsable (4.4)."""
    return [tools.parse_datetime_str(v) for v in values]


def decode_json_columns(payload: Mapping[str, Any], parse_date: bool = False) -> dict[int, list[Any]]:
    """Decode a JSON ``LF`` answer (braincube.md 4.3, 4.4) into ``{int bcId: values}``.

    Args:
        payload: ``{"datadefs": [{"id": "mb42/d7", "type": "NUMERIC", "data": ["1", "NaN"]}, ...]}``.
        parse_date: turn DATETIME strings into naive ``datetime`` objects.

    Returns:
        Columns in ``datadefs`` order; columns without ``data`` are left out with a warning.
    """
    result: dict[int, list[Any]] = {}
    for column in payload.get("datadefs") or []:
        key = column_id(column.get("id"))
        if DATACOL not in column:
            warnings.warn(f"No data found for: {column.get('id')}", UserWarning, stacklevel=3)
            continue
        values = column[DATACOL]
        kind = column.get("type")
        if kind == constants.NUMERIC:
            result[key] = parse_numeric_column(values)
        elif kind == constants.DATETIME and parse_date:
            result[key] = parse_datetime_column(values)
        else:
            result[key] = values
    return result


def columns_to_frame(columns: Mapping[Any, list[Any]]) -> pd.DataFrame:
    """``pandas.DataFrame(columns)``, with a clear error when column lengths differ (10.29)."""
    import pandas as pd

    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        detail = ", ".join(f"{key}: {len(values)}" for key, values in columns.items())
        raise ResponseDecodeError(f"columns of unequal length cannot form a DataFrame ({detail})")
    return pd.DataFrame(columns)


# --------------------------------------------------------------------------------------------
# Decoding: Arrow
# --------------------------------------------------------------------------------------------


def _field_kind(field: pa.Field) -> str:
    import pyarrow as pa

    meta = field.metadata or {}
    raw = meta.get(b"type")
    if raw:
        return raw.decode("utf-8", "replace")
    if pa.types.is_timestamp(field.type) or pa.types.is_date(field.type):
        return constants.DATETIME
    if pa.types.is_integer(field.type) or pa.types.is_floating(field.type):
        return constants.NUMERIC
    return constants.DISCRETE


def _format_datetimes(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Naive timestamps → ``YYYYMMDD_HHMMSS`` text (sub-seconds truncated), nulls kept.

    Arrow's ISO cast (``2024-01-03 06:15:00``) with the separators cut out is several times
    faster than ``strftime``; years outside 1000-9999 fall back to ``strftime``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    seconds = column.cast(pa.timestamp("s"), safe=False)
    iso = seconds.cast(pa.string())
    if pc.all(pc.equal(pc.utf8_length(iso), 19)).as_py() is False:
        return pc.strftime(seconds, format=constants.DATETIME_FORMAT)
    # "YYYY-MM-DD HH:MM:SS": drop the separators from the right so earlier offsets stay valid.
    for start, replacement in ((16, ""), (13, ""), (10, "_"), (7, ""), (4, "")):
        iso = pc.binary_replace_slice(iso, start=start, stop=start + 1, replacement=replacement)
    return iso


def _normalise_arrow_column(column: pa.ChunkedArray, kind: str, parse_date: bool) -> pa.ChunkedArray:
    """Turn one Arrow column into the Arrow equivalent of what the JSON path yields.

    DISCRETE nulls become ``"null"``; DATETIME becomes ``YYYYMMDD_HHMMSS`` text (``"null"``) unless
    ``parse_date``, in which case it stays a naive timestamp. NUMERIC is left alone.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    kind_type = column.type
    if pa.types.is_dictionary(kind_type):
        column = column.cast(kind_type.value_type)
        kind_type = column.type
    if pa.types.is_timestamp(kind_type):
        if kind_type.tz is not None:
            column = column.cast(pa.timestamp(kind_type.unit))
        if parse_date:
            return column
        return pc.fill_null(_format_datetimes(column), constants.MISSING_TEXT)
    is_text = pa.types.is_string(kind_type) or pa.types.is_large_string(kind_type)
    if is_text and kind != constants.NUMERIC:
        return pc.fill_null(column, constants.MISSING_TEXT)
    return column


def _arrow_column_values(column: pa.ChunkedArray, kind: str, parse_date: bool) -> list[Any]:
    import pyarrow as pa

    column_type = column.type
    if kind == constants.NUMERIC and (pa.types.is_integer(column_type) or pa.types.is_floating(column_type)):
        if pa.types.is_integer(column_type) and column.null_count:
            column = column.cast(pa.float64())
        if pa.types.is_floating(column.type) and column.null_count:
            column = column.fill_null(math.nan)
        return column.to_numpy().tolist()
    if kind == constants.NUMERIC and (pa.types.is_string(column_type) or pa.types.is_large_string(column_type)):
        return parse_numeric_column(column.to_pylist())
    if kind == constants.DATETIME and parse_date and not pa.types.is_timestamp(column_type):
        return parse_datetime_column(column.to_pylist())
    return _normalise_arrow_column(column, kind, parse_date).to_pylist()


def _keyed_columns(table: pa.Table) -> list[tuple[int, int]]:
    """``(bcId, column index)`` pairs, keeping the first index of each id like a dict would."""
    seen: dict[int, int] = {}
    for index, field in enumerate(table.schema):
        seen.setdefault(column_id(field.name), index)
    return list(seen.items())


def decode_arrow_columns(table: pa.Table, parse_date: bool = False) -> dict[int, list[Any]]:
    """Decode an Arrow ``LF`` answer into exactly what :func:`decode_json_columns` would return.

    Args:
        table: the record batches of the stream, read as one table.
        parse_date: turn DATETIME columns into naive ``datetime`` objects (``None`` when missing).

    Returns:
        ``{int bcId: list}`` in schema order: NUMERIC int64 without nulls → ``int``; with nulls or
        float64 → ``float`` (``nan`` for missing); DISCRETE → ``str`` (``"null"`` for missing);
        DATETIME → ``"YYYYMMDD_HHMMSS"``/``"null"`` or ``datetime``/``None``.
    """
    result: dict[int, list[Any]] = {}
    for key, index in _keyed_columns(table):
        field = table.schema.field(index)
        result[key] = _arrow_column_values(table.column(index), _field_kind(field), parse_date)
    return result


_INFERRED_DTYPES: dict[str, Any] = {}


def _inferred_dtype(sample_kind: str) -> Any:
    """dtype pandas gives a list of ``str`` / ``datetime`` values (differs between pandas 2 and 3)."""
    if sample_kind not in _INFERRED_DTYPES:
        import datetime as dt

        import pandas as pd

        sample = ["x"] if sample_kind == "text" else [dt.datetime(2000, 1, 1), None]
        _INFERRED_DTYPES[sample_kind] = pd.DataFrame({0: sample})[0].dtype
    return _INFERRED_DTYPES[sample_kind]


def arrow_to_frame(table: pa.Table, parse_date: bool = False) -> pd.DataFrame:
    """Arrow ``LF`` answer → DataFrame equal to ``pandas.DataFrame(decode_arrow_columns(table))``.

    Vectorised: the columns are normalised in Arrow (null tokens, date formatting) and converted
    by ``Table.to_pandas``; column labels are the int bcIds.
    """
    import pyarrow as pa

    pairs = _keyed_columns(table)
    if table.num_rows == 0 or not pairs:
        return columns_to_frame(decode_arrow_columns(table, parse_date=parse_date))
    arrays = []
    kinds = []
    for _, index in pairs:
        field = table.schema.field(index)
        kind = _field_kind(field)
        column = table.column(index)
        if kind == constants.NUMERIC and not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
            column = pa.chunked_array([pa.array(_arrow_column_values(column, kind, parse_date))])
        elif kind == constants.DATETIME and parse_date and not pa.types.is_timestamp(column.type):
            column = pa.chunked_array([pa.array(parse_datetime_column(column.to_pylist()), pa.timestamp("us"))])
        else:
            column = _normalise_arrow_column(column, kind, parse_date)
        arrays.append(column)
        kinds.append(column.type)
    names = [str(i) for i in range(len(arrays))]
    frame = pa.Table.from_arrays(arrays, names=names).to_pandas()
    for position, arrow_type in enumerate(kinds):
        name = names[position]
        if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
            wanted = _inferred_dtype("text")
        elif pa.types.is_timestamp(arrow_type):
            wanted = _inferred_dtype("datetime")
        else:
            continue
        if frame[name].dtype != wanted:
            frame[name] = frame[name].astype(wanted)
    import pandas as pd

    frame.columns = pd.Index([key for key, _ in pairs])
    return frame
