"""The vocabulary of the registry: field kinds, access policies and the :class:`Model` declaration.

A field knows how to parse its JSON input (raising :class:`FieldError` with DRF-style messages),
how to dump its stored value, which column(s) it needs and whether it can be filtered or sorted.
Relations name their target model by its canonical name; the registry resolves them.
Shapes follow ``brainstem.md`` 3.1 (bodies), 3.4 (representation) and 4.0 (shared structures).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from braindock.server.brainstem import jsonschema
from braindock.server.brainstem.jsonschema import TypeSchema

#: Largest integer the database stores (64-bit signed).
MAX_INT = 2**63 - 1
#: Most ids accepted in one to-many value (keeps SQL parameter lists bounded).
MAX_LINKS = 1000


class FieldError(Exception):
    """Invalid input for one field; ``messages`` become ``{"<field>": messages}``."""

    def __init__(self, *messages: str) -> None:
        super().__init__(messages[0] if messages else "invalid")
        self.messages = list(messages)


def _type_name(value: Any) -> str:
    return {
        str: "str",
        int: "int",
        float: "float",
        bool: "bool",
        list: "list",
        dict: "dict",
        type(None): "NoneType",
    }.get(type(value), type(value).__name__)


# ---------------------------------------------------------------------------------------------
# Base
# ---------------------------------------------------------------------------------------------


class Field:
    """One member of a record.

    Attributes:
        name: wire name (set by :class:`Model`).
        required: ``True`` = required on POST (and PUT); PATCH may omit it.
        read_only: ignored on input, always present on output.
        write_only: accepted on input, never output.
        column: the database column name (``None`` when the value lives elsewhere).
        filterable / sortable: usable in ``filter{...}`` / ``sort[]``.
    """

    filterable = False
    sortable = False
    relation = False

    def __init__(self, *, required: bool = False, read_only: bool = False, write_only: bool = False) -> None:
        self.name = ""
        self.required = required
        self.read_only = read_only
        self.write_only = write_only
        self.model: Model | None = None

    @property
    def column(self) -> str | None:
        """The database column holding the value; ``None`` here (the base field stores nothing in its table)."""
        return None

    def parse(self, value: Any) -> Any:
        """Turn a JSON input value into the stored value; raise :class:`FieldError`."""
        return value

    def dump(self, value: Any) -> Any:
        """Turn a stored value into JSON."""
        return value

    def default(self) -> Any:
        """Stored value when a POST omits the field."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class Scalar(Field):
    """A value stored in one column of the record's table."""

    filterable = True
    sortable = True
    sql_type = "text"

    def __init__(
        self,
        *,
        nullable: bool = False,
        unique: bool = False,
        index: bool = True,
        default: Any = None,
        db_column: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.nullable = nullable
        self.unique = unique
        self.index = index
        self._default = default
        self.db_column = db_column

    @property
    def column(self) -> str | None:
        """The database column: ``db_column`` if given, else the field's wire name."""
        return self.db_column or self.name

    def default(self) -> Any:
        """The value stored when a POST omits the field (``default`` called if it is callable)."""
        return self._default() if callable(self._default) else self._default

    def parse(self, value: Any) -> Any:
        """``None`` when nullable, else the value through :meth:`convert`.

        Raises:
            FieldError: ``null`` for a non-nullable field, or whatever :meth:`convert` rejects.
        """
        if value is None:
            if self.nullable:
                return None
            raise FieldError("This field may not be null.")
        return self.convert(value)

    def convert(self, value: Any) -> Any:
        """Check and normalise a non-null JSON value; the base class keeps it as is."""
        return value

    def coerce_filter(self, text: str) -> Any:
        """Turn a query-string value into a comparable value; raise ``ValueError``."""
        return self.convert(text)


URL = re.compile(r"^(https?|ftp)://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class Text(Scalar):
    """A string. ``max_length`` bounds it, ``choices`` enumerates it, ``url`` checks (and
    completes with ``http://``) a web address, ``prefix`` requires a prefix (``RRID:``),
    ``pattern`` a regular expression, ``upper`` upper-cases it (country codes). ``db_length`` keeps a column wider
    than ``max_length`` (a limit tightened after the column was made).
    """

    def __init__(
        self,
        max_length: int | None = None,
        *,
        choices: tuple[str, ...] = (),
        url: bool = False,
        prefix: str | None = None,
        pattern: str | None = None,
        upper: bool = False,
        blank: bool = True,
        db_length: int | None = None,
        **kw: Any,
    ) -> None:
        kw.setdefault("default", None if kw.get("nullable") else "")
        self.db_length = db_length or max_length
        kw.setdefault("index", max_length is not None and max_length <= 300)
        super().__init__(**kw)
        self.max_length = max_length
        self.choices = choices
        self.url = url
        self.prefix = prefix
        self.pattern = re.compile(pattern) if pattern else None
        self.upper = upper
        self.blank = blank

    def convert(self, value: Any) -> Any:
        """A stripped string (``brainstem.md`` 3.4); numbers are turned into text.

        Blank gives ``""`` (``None`` if nullable); ``upper``, ``choices``, ``url`` (adds ``http://``), ``prefix``,
        ``pattern`` and ``max_length`` are applied in that order.

        Raises:
            FieldError: not a string/number, blank when required, or a failed check (DRF message).
        """
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise FieldError("Not a valid string.")
        text = str(value).strip()
        if self.upper:
            text = text.upper()
        if text == "":
            if self.required or not self.blank:
                raise FieldError("This field may not be blank.")
            return None if self.nullable else ""
        if self.choices and text not in self.choices:
            raise FieldError(f'"{text}" is not a valid choice.')
        if self.url:
            if "://" not in text:
                text = "http://" + text
            if not URL.match(text):
                raise FieldError("Enter a valid URL.")
        if self.prefix and not text.startswith(self.prefix):
            raise FieldError(f'Must start with "{self.prefix}".')
        if self.pattern and not self.pattern.match(text):
            raise FieldError("Enter a valid value.")
        if self.max_length is not None and len(text) > self.max_length:
            raise FieldError(f"Ensure this field has no more than {self.max_length} characters.")
        return text

    def coerce_filter(self, text: str) -> Any:
        """The query-string value unchanged (text compares as text)."""
        return text


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def parse_bool(value: Any) -> bool:
    """``true/false/True/False/1/0`` (``brainstem.md`` 3.2.2 value coercion)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ValueError(f"{value!r} is not a boolean")


class Boolean(Scalar):
    """A boolean column; input accepts ``true/false/1/0/yes/no/on/off`` (``brainstem.md`` 3.2.2)."""

    sql_type = "bool"

    def __init__(self, *, default: bool = False, **kw: Any) -> None:
        kw.setdefault("index", False)
        super().__init__(default=default, **kw)

    def convert(self, value: Any) -> Any:
        """``True``/``False`` from a JSON boolean, 0/1 or a boolean word.

        Raises:
            FieldError: ``Must be a valid boolean.``
        """
        try:
            return parse_bool(value)
        except ValueError:
            raise FieldError("Must be a valid boolean.") from None

    def coerce_filter(self, text: str) -> Any:
        """A ``filter{...}`` value as a boolean; raises ``ValueError`` for other text (``brainstem.md`` 3.2.2)."""
        return parse_bool(text)


class Integer(Scalar):
    """A 64-bit signed integer column, nullable by default; ``minimum`` bounds it from below."""

    sql_type = "int"

    def __init__(self, *, minimum: int | None = None, **kw: Any) -> None:
        kw.setdefault("nullable", True)
        super().__init__(**kw)
        self.minimum = minimum

    def convert(self, value: Any) -> Any:
        """An ``int`` from an integer, an integral float or numeric text.

        Raises:
            FieldError: a boolean, non-integral or non-numeric value, below ``minimum`` or beyond 64 bits.
        """
        if isinstance(value, bool):
            raise FieldError("A valid integer is required.")
        try:
            number = int(value)
            if isinstance(value, float) and number != value:
                raise ValueError
        except (TypeError, ValueError):
            raise FieldError("A valid integer is required.") from None
        if self.minimum is not None and number < self.minimum:
            raise FieldError(f"Ensure this value is greater than or equal to {self.minimum}.")
        if abs(number) > MAX_INT:
            raise FieldError(f"Ensure this value is less than or equal to {MAX_INT}.")
        return number

    def coerce_filter(self, text: str) -> Any:
        """A ``filter{...}`` value as an ``int``; ``ValueError`` when not an integer or beyond 64 bits."""
        number = int(text)
        if abs(number) > MAX_INT:
            raise ValueError("integer out of range")
        return number


class Date(Scalar):
    """A calendar date, ``YYYY-MM-DD`` on the wire (``brainstem.md`` 3.4); nullable by default."""

    sql_type = "date"

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("nullable", True)
        super().__init__(**kw)

    def convert(self, value: Any) -> Any:
        """A :class:`datetime.date` from ``YYYY-MM-DD`` text.

        Raises:
            FieldError: not a string, or not an ISO date.
        """
        try:
            return date.fromisoformat(value) if isinstance(value, str) else _fail()
        except (TypeError, ValueError):
            raise FieldError("Date has wrong format. Use one of these formats instead: YYYY-MM-DD.") from None

    def dump(self, value: Any) -> Any:
        """The date as ``YYYY-MM-DD``, or ``None``."""
        return value.isoformat() if value is not None else None

    def coerce_filter(self, text: str) -> Any:
        """A ``filter{...}`` value as a date; ``ValueError`` unless ``YYYY-MM-DD``."""
        return date.fromisoformat(text)


def _fail() -> Any:
    raise ValueError


def parse_datetime(text: str) -> datetime:
    """ISO 8601 (any offset; naive means UTC) to a naive UTC datetime."""
    parsed = datetime.fromisoformat(text.strip())
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise ValueError("datetime out of range") from None
    return parsed


def dump_datetime(value: datetime | None) -> str | None:
    """A naive UTC datetime as ISO 8601 with ``Z`` (``brainstem.md`` 3.4)."""
    return None if value is None else value.isoformat() + "Z"


class DateTime(Scalar):
    """A point in time; ISO 8601 in (any offset, naive = UTC), UTC with ``Z`` out (``brainstem.md`` 3.4)."""

    sql_type = "datetime"

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("nullable", True)
        super().__init__(**kw)

    def convert(self, value: Any) -> Any:
        """A naive UTC :class:`datetime.datetime` from ISO 8601 text.

        Raises:
            FieldError: not a string, not ISO 8601, or out of range after conversion to UTC.
        """
        try:
            return parse_datetime(value) if isinstance(value, str) else _fail()
        except (TypeError, ValueError):
            raise FieldError(
                "Datetime has wrong format. Use one of these formats instead: "
                "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
            ) from None

    def dump(self, value: Any) -> Any:
        """The naive UTC datetime as ISO 8601 with ``Z`` (``brainstem.md`` 3.4), or ``None``."""
        return dump_datetime(value)

    def coerce_filter(self, text: str) -> Any:
        """A ``filter{...}`` value as a naive UTC datetime; a bare ``YYYY-MM-DD`` means its midnight (UTC)."""
        try:
            return parse_datetime(text)
        except ValueError:
            return datetime.combine(date.fromisoformat(text), datetime.min.time())


class Timestamp(Scalar):
    """``created_at`` / ``updated_at``: read-only, kept by the server."""

    sql_type = "datetime"

    def __init__(self) -> None:
        super().__init__(read_only=True, nullable=False, index=False)

    def dump(self, value: Any) -> Any:
        """The naive UTC datetime as ISO 8601 with ``Z`` (``brainstem.md`` 3.4)."""
        return dump_datetime(value)

    def coerce_filter(self, text: str) -> Any:
        """A ``filter{...}`` value as a naive UTC datetime; a bare ``YYYY-MM-DD`` means its midnight (UTC)."""
        try:
            return parse_datetime(text)
        except ValueError:
            return datetime.combine(date.fromisoformat(text), datetime.min.time())


class Json(Scalar):
    """A JSON document checked by ``validator`` (which returns the normalised value or raises
    :class:`FieldError`). ``empty`` builds the default (``dict``, ``list`` or ``None``).
    """

    filterable = False
    sortable = False
    sql_type = "json"

    def __init__(self, validator: Callable[[Any], Any] | None = None, *, empty: Callable[[], Any] | None = dict, **kw):
        kw.setdefault("index", False)
        kw.setdefault("nullable", empty is None)
        super().__init__(default=empty, **kw)
        self.validator = validator

    def convert(self, value: Any) -> Any:
        """The value through ``validator`` (which raises :class:`FieldError`), or unchanged without one."""
        return self.validator(value) if self.validator else value


class Details(Json):
    """Type-specific JSON selected by another field (``brainstem.md`` 4.0, Appendix A).

    Args:
        selector: name of the field whose value picks the schema (``type``, ``coordinates_system``).
        family: selector value to :class:`TypeSchema`.
        version_field: read-only field receiving the schema version, or ``None``.
    """

    def __init__(
        self,
        selector: str,
        family: dict[str, TypeSchema],
        version_field: str | None = None,
        *,
        rows: bool = False,
        **kw: Any,
    ) -> None:
        super().__init__(None, empty=list if rows else dict, **kw)
        self.selector = selector
        self.family = family
        self.version_field = version_field
        self.rows = rows

    def convert(self, value: Any) -> Any:
        """The JSON object (or, with ``rows``, list) unchanged; schema checks happen in :meth:`check`.

        Raises:
            FieldError: not a JSON object (or list of objects for ``rows``).
        """
        if not isinstance(value, dict | list) or (isinstance(value, list) and not self.rows):
            raise FieldError("Expected a JSON object." if not self.rows else "Expected a list of objects.")
        return value

    def check(self, selector_value: Any, value: Any) -> tuple[list[str], str | None]:
        """Problems of ``value`` for the selector value, and the schema version used."""
        schema = self.family.get(selector_value)
        if schema is None:
            return [], None
        return jsonschema.validate(schema, value), schema.version


class SchemaVersion(Text):
    """``type_schema_version`` / ``coordinates_schema_version``: set by the server (4.0)."""

    def __init__(self) -> None:
        super().__init__(16, read_only=True, index=False, nullable=True)


# ---------------------------------------------------------------------------------------------
# Ids and relations
# ---------------------------------------------------------------------------------------------


def parse_id(kind: str, value: Any) -> Any:
    """A record id from JSON or a URL: canonical lower-case UUID, or an integer for users/groups.

    Raises:
        ValueError: not an id of that kind.
    """
    if isinstance(value, bool):
        raise ValueError("boolean")
    if kind == "int":
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        if isinstance(value, int) and abs(value) <= MAX_INT:
            return value
        raise ValueError("not an integer id")
    if not isinstance(value, str):
        raise ValueError("not a string")
    return str(uuid.UUID(value.strip()))


class Relation(Field):
    """A link to records of ``target`` (a model name)."""

    relation = True
    filterable = True
    many = False

    def __init__(self, target: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.target = target
        self.target_model: Model | None = None  # resolved by the registry

    def parse_one(self, value: Any) -> Any:
        """One related id: canonical UUID, or ``int`` for users/groups; ``{"id": ...}`` objects are unwrapped.

        Only the form is checked here, not that the record exists.

        Raises:
            FieldError: a list/dict, or not an id of the target's kind (DRF ``Invalid pk`` message).
        """
        if isinstance(value, dict) and "id" in value:  # a record sent back with its includes
            value = value["id"]
        if isinstance(value, list | dict):
            raise FieldError(f"Incorrect type. Expected pk value, received {_type_name(value)}.")
        try:
            return parse_id(self.target_model.id_kind, value)  # type: ignore[union-attr]
        except ValueError:
            raise FieldError(f'Invalid pk "{value}" - object does not exist.') from None


class ForeignKey(Relation):
    """A single link stored as ``<name>_id``.

    Args:
        nullable: ``null`` allowed (to clear it).
        on_delete: what deleting the target does: ``protect`` (400), ``cascade``, ``set_null``.
        ref: ``read`` = the caller must be able to read the target; ``change`` = contributor rights.
    """

    sortable = True

    def __init__(
        self,
        target: str,
        *,
        nullable: bool = True,
        on_delete: str = "protect",
        unique: bool = False,
        ref: str = "read",
        db_constraint: bool = True,
        db_column: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(target, **kw)
        self.nullable = nullable if not kw.get("required") else False
        self.on_delete = on_delete
        self.unique = unique
        self.ref = ref
        self.db_constraint = db_constraint
        self.db_column = db_column

    @property
    def column(self) -> str | None:
        """The database column: ``db_column`` if given, else ``<name>_id``."""
        return self.db_column or f"{self.name}_id"

    def parse(self, value: Any) -> Any:
        """The related id (see :meth:`parse_one`); ``None`` or ``""`` clears it when nullable.

        Raises:
            FieldError: empty for a non-nullable link, or a malformed id.
        """
        if value is None or value == "":
            if self.nullable:
                return None
            raise FieldError("This field may not be null.")
        return self.parse_one(value)


class Creator(ForeignKey):
    """A read-only link to the account that created the record (``subjectlog.user``, inviters)."""

    def __init__(self, on_delete: str = "set_null") -> None:
        super().__init__("user", read_only=True, on_delete=on_delete)


class ManyToMany(Relation):
    """A to-many link stored in an association table ``bs_<model>__<name>``.

    Args:
        min_items: 1 for "at least one" (``projects`` of subjects and sessions).
        ordered: keep the order given (session ``datastorage``).
        on_delete: ``remove`` (drop the link) or ``protect`` (400 while linked, e.g. epochs).
    """

    many = True

    def __init__(
        self,
        target: str,
        *,
        min_items: int = 0,
        ordered: bool = False,
        ref: str = "read",
        on_delete: str = "remove",
        **kw: Any,
    ) -> None:
        super().__init__(target, **kw)
        self.min_items = min_items
        self.ordered = ordered
        self.ref = ref
        self.on_delete = on_delete

    def parse(self, value: Any) -> Any:
        """The list of related ids, de-duplicated in input order (``null`` counts as ``[]``).

        Raises:
            FieldError: not a list, more than ``MAX_LINKS`` (1000) items, fewer than ``min_items``, or a malformed id.
        """
        if value is None:
            value = []
        if not isinstance(value, list):
            raise FieldError(f'Expected a list of items but got type "{_type_name(value)}".')
        if len(value) > MAX_LINKS:
            raise FieldError(f"Ensure this list has no more than {MAX_LINKS} items.")
        ids: list[Any] = []
        for item in value:
            parsed = self.parse_one(item)
            if parsed not in ids:
                ids.append(parsed)
        if len(ids) < self.min_items:
            raise FieldError("This list may not be empty." if self.min_items == 1 else f"At least {self.min_items}.")
        return ids


class Reverse(Relation):
    """The records of ``target`` whose ``via`` link points here (read-only id list)."""

    many = True

    def __init__(self, target: str, via: str) -> None:
        super().__init__(target, read_only=True)
        self.via = via


class Tags(Field):
    """``tags``: a list of strings (``brainstem.md`` 3.4), kept in the shared ``bs_tags`` table."""

    filterable = True

    def parse(self, value: Any) -> Any:
        """The tags as a list of stripped, de-duplicated strings (``brainstem.md`` 3.4); ``null`` gives ``[]``.

        Raises:
            FieldError: not a list, or an item that is empty, not a string or longer than 100 characters.
        """
        if value is None:
            return []
        if not isinstance(value, list):
            raise FieldError(f'Expected a list of items but got type "{_type_name(value)}".')
        tags: list[str] = []
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise FieldError("Each tag must be a non-empty string.")
            if len(item.strip()) > 100:
                raise FieldError("Ensure each tag has no more than 100 characters.")
            if item.strip() not in tags:
                tags.append(item.strip())
        return tags


class File(Field):
    """A stored file (``license_document``, ``setup.image``, ``dataacquisition.image``, ``protocol.attachment``).

    Uploaded by multipart POST/PATCH (``brainstem.md`` 3.1, 4.3.5); the bytes live in the content-addressed
    store of :mod:`braindock.server.brainstem.files`, the record keeps the SHA-256 (column ``<name>``) and the
    uploaded file name (``<name>_name``). Output: the URL serving the bytes with the record's read permission,
    or ``null``. From JSON only ``null`` (clears the file) is accepted; any other value is ignored, so a record
    sent back as loaded keeps its file (3.1: read-only values in a body are ignored).

    Args:
        kind: ``image`` (PNG, JPEG, GIF, WebP, TIFF, BMP: :data:`files.IMAGE_TYPES`), ``document`` (PDF and the
            office formats of :data:`files.OFFICE_TYPES`, plus CSV/Markdown/text, :data:`files.TEXT_TYPES`) or
            ``license`` (both); the accepted formats of each kind are :data:`files.KINDS`.
        max_bytes: a field's own documented cap (15 MiB for ``protocol.attachment``), below the server's
            ``BRAINDOCK_BRAINSTEM_MAX_FILE_BYTES``.
        public: shown on the public portal (``False`` for ``setup.image``: "stays private even when the
            setup is public", 4.3.6).
    """

    def __init__(self, kind: str, *, max_bytes: int | None = None, public: bool = True) -> None:
        super().__init__()
        self.kind = kind
        self.max_bytes = max_bytes
        self.public = public

    @property
    def column(self) -> str | None:
        """The column holding the file's SHA-256 (hex), named after the field."""
        return self.name

    @property
    def name_column(self) -> str:
        """The column holding the uploaded file name."""
        return f"{self.name}_name"

    def parse(self, value: Any) -> Any:
        """An upload (from a multipart body) stays as it is; ``None`` clears the file."""
        return value


class Computed(Field):
    """A read-only value computed when serialising (``links``, ``rrid_url``, ...).

    ``kind`` names the computation in :mod:`braindock.server.brainstem.serialize`; ``arg`` feeds it.
    """

    def __init__(self, kind: str, arg: Any = None) -> None:
        super().__init__(read_only=True)
        self.kind = kind
        self.arg = arg


class Members(Field):
    """Project ``users`` (keyed by e-mail) or ``groups`` (keyed by name) permission dictionary (4.0)."""

    def __init__(self, principal: str) -> None:
        super().__init__()
        self.principal = principal

    def parse(self, value: Any) -> Any:
        """``{key: {flag: bool}}`` with keys stripped (``brainstem.md`` 4.0, permission dictionaries).

        Flags are ``can_change``, ``is_manager``, ``is_owner`` and ``remove``; values are parsed as booleans.
        Keys are not resolved to users or groups here.

        Raises:
            FieldError: not an object, an entry that is not an object, an unknown flag or a non-boolean value.
        """
        if not isinstance(value, dict):
            raise FieldError(f'Expected a dictionary of items but got type "{_type_name(value)}".')
        parsed: dict[str, dict[str, bool]] = {}
        for key, flags in value.items():
            if not isinstance(flags, dict):
                raise FieldError(f"{key}: expected an object of flags")
            entry = {}
            for flag, flag_value in flags.items():
                if flag not in ("can_change", "is_manager", "is_owner", "remove"):
                    raise FieldError(f"{key}: unknown flag {flag!r}")
                try:
                    entry[flag] = parse_bool(flag_value)
                except ValueError:
                    raise FieldError(f"{key}: {flag} must be a boolean") from None
            parsed[str(key).strip()] = entry
        return parsed


class GroupUsers(Members):
    """Group ``users`` dictionary: e-mail to ``{"is_manager", "is_owner"}`` (4.0, 4.8.2)."""

    def __init__(self) -> None:
        super().__init__("user")


class AuthGroups(Field):
    """Write-only ``authgroups``: groups given contributor access at creation (4.3, decision)."""

    def __init__(self) -> None:
        super().__init__(write_only=True)

    def parse(self, value: Any) -> Any:
        """The group ids as a sorted list of distinct integers; ``null`` gives ``[]``.

        Raises:
            FieldError: not a list, or an item that is not an integer id.
        """
        if value is None:
            return []
        if not isinstance(value, list):
            raise FieldError(f'Expected a list of items but got type "{_type_name(value)}".')
        try:
            return sorted({parse_id("int", item) for item in value})
        except ValueError:
            raise FieldError("Each group must be an integer group id.") from None


class Entries(Json):
    """Log ``entries``: read-only, managed by the entry actions (4.2.7, 4.2.8)."""

    def __init__(self) -> None:
        super().__init__(None, empty=list, read_only=True)


class Payload(Field):
    """The submitted values of an approval (4.6): the target model's writable fields, from JSON."""

    def __init__(self) -> None:
        super().__init__(read_only=True)


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """How permissions of a model are decided (``brainstem.md`` 5); logic in :mod:`.permissions`.

    Kinds: ``project``; ``via_projects`` (subject, session: ``via`` = the to-many project link);
    ``via_project`` (collection, cohort, breeding); ``via_parent`` (modules, epochs: ``via`` = the
    parent link); ``personal`` (personal attributes); ``catalogue`` (``approval``: non-admin writes
    become approvals; ``admin_only``: only administrators write); ``publication``; ``approval``;
    ``user``; ``group``; ``project_invitation``; ``project_group_invitation``; ``group_invitation``;
    ``group_request``; ``laboratory``.
    """

    kind: str
    via: str | None = None
    approval: bool = False
    admin_only: bool = False


@dataclass(eq=False)
class Model:
    """One BrainSTEM model.

    Attributes:
        name: canonical URL name (``dataacquisition``).
        app: canonical app (``modules``).
        plural / single: envelope keys (``data_acquisitions`` / ``data_acquisition``).
        fields: declared fields in output order (``id`` is implicit and first).
        access: permission policy.
        id_kind: ``uuid`` or ``int`` (users and groups).
        table: database table (default ``bs_<name>``).
        discriminator: for models sharing a table (approvals), the value of its ``model`` column.
        unique_together: tuples of field names unique together (400 on clash).
        default_sort: ordering without ``sort[]`` (``name`` when present, else creation time; id last).
        actions: names accepted after ``<id>/`` (1.5).
        checks: names of cross-field rules in :mod:`.schema`.
        public: readable on the ``public`` portal (invitations, requests, approvals are not).
        creatable: ``POST`` allowed (users are not: 405).
        link_of: ``(model, to-many field)`` whose association table this model exposes one row per link
            (``sessiondatastorage``); its fields name the table's columns with ``db_column``.
    """

    name: str
    app: str
    plural: str
    single: str
    fields: list[Field]
    access: Access
    id_kind: str = "uuid"
    table: str = ""
    discriminator: str | None = None
    unique_together: tuple[tuple[str, ...], ...] = ()
    default_sort: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    public: bool = True
    creatable: bool = True
    approval_of: Model | None = None
    approval: Model | None = None
    link_of: tuple[str, str] | None = None
    by_name: dict[str, Field] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.table = self.table or f"bs_{self.name}"
        for item in self.fields:
            if item.name == "":
                raise ValueError(f"{self.name}: unnamed field")
            item.model = self
            self.by_name[item.name] = item
        if not self.default_sort:
            self.default_sort = ("name",) if isinstance(self.by_name.get("name"), Text) else ("created_at",)

    def lookup(self, name: str) -> Field | None:
        """The field called ``name``, or ``None``."""
        return self.by_name.get(name)

    def writable(self) -> list[Field]:
        """The fields a request body may set (all but the read-only ones), in declaration order."""
        return [f for f in self.fields if not f.read_only]

    def __repr__(self) -> str:
        return f"<Model {self.app}/{self.name}>"


def named(**fields: Field) -> list[Field]:
    """Fields in declaration order, each named after its keyword (``named(name=Text(100))``)."""
    for name, item in fields.items():
        item.name = name
    return list(fields.values())
