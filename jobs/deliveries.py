"""Typed deliveries: each kind of delivery is a frozen dataclass owned by its feature, and
the sender knows kinds only through the `DeliveryKinds` registry the composition root fills.

A payload is stored as a JSON object: its kind's tag, the schema version and its fields,

    {"kind": "coffee_followup", "v": 1, "lang": "fi", "group": 7}

plus, for a delivery to a person who may not be chatting with the bot yet, where to open
the 1:1 chat (`"create"`, an `OpenChat`). Rows written before the version was stored have
no `"v"` and are read as version 1, which is exactly what they are.

Decoding is strict: an unknown kind, a missing field, a value of the wrong type or a newer
schema version raises `PayloadError` with a message naming the kind and the field, and the
sender ends that delivery as failed instead of guessing. Two rules keep changes cheap: keys
the dataclass does not name are ignored (a field can be dropped), and a field with a default
may be missing (a field can be added). Anything else bumps the kind's `version`; reading the
older rows then needs an upgrade step next to the kind, added with the first version 2.
"""

from __future__ import annotations

import dataclasses
import logging
import types
import typing
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from bot.chat.model import Reply
from bot.records import Outcome

log = logging.getLogger(__name__)

KIND_KEY = "kind"
VERSION_KEY = "v"
OPEN_CHAT_KEY = "create"  # the key today's rows already use
_ENVELOPE_KEYS = frozenset({KIND_KEY, VERSION_KEY, OPEN_CHAT_KEY})


class PayloadError(ValueError):
    """A stored payload that cannot be read as any registered kind; the message says why."""


@dataclass(frozen=True)
class DeliveryPayload:
    """Base of every delivery kind's payload. A subclass is a frozen dataclass that sets
    `tag` (stored as `"kind"`, never changed once rows exist) and, when its shape changes
    incompatibly, a higher `version`."""

    tag: ClassVar[str]
    version: ClassVar[int] = 1


@dataclass(frozen=True)
class OpenChat:
    """Where the sender opens a 1:1 chat with a person it has no conversation with yet."""

    service_url: str
    tenant_id: str | None
    user_id: str  # the Teams user id (29:...)


P = TypeVar("P", bound=DeliveryPayload)
T = TypeVar("T")


@dataclass(frozen=True)
class DeliveryKind(Generic[P]):
    """One kind of delivery, as its feature exports it.

    `render` turns the payload into what is sent, or None when it names something that is
    gone (a removed tip, a sequence step no longer in the bundle): the delivery then fails.
    `on_final` runs once the delivery is finally sent or failed (a hook that raises is
    logged, never stops the sender). `tip_entry` names the tip a payload carries: the sender
    records it as seen on a successful send, so the recipient's next tip is a new one.
    """

    payload_type: type[P]
    render: Callable[[P], Reply | None]
    on_final: Callable[[P, Outcome], Awaitable[None]] | None = None
    tip_entry: Callable[[P], str] | None = None

    @property
    def tag(self) -> str:
        return self.payload_type.tag

    @property
    def version(self) -> int:
        return self.payload_type.version

    def from_json(self, raw: Mapping[str, Any]) -> P:
        """The payload of a stored object of this kind (tag already matched); PayloadError
        when its version or a field is not what this code reads."""
        version = raw.get(VERSION_KEY, 1)  # rows from before versions were stored
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise PayloadError(
                f"{self.tag}: schema version {_shown(version)} is not a positive integer"
            )
        if version > self.version:
            raise PayloadError(
                f"{self.tag}: schema version {version} is newer than this code reads "
                f"({self.version}); an older replica may be running beside a newer one"
            )
        if version < self.version:
            raise PayloadError(f"{self.tag}: no upgrade from schema version {version}")
        return _decode_dataclass(self.payload_type, raw, self.tag)


@dataclass(frozen=True)
class Envelope:
    """A decoded stored payload: the typed payload and where to open a 1:1 chat, if said."""

    payload: DeliveryPayload
    open_chat: OpenChat | None = None


def to_json(payload: DeliveryPayload, open_chat: OpenChat | None = None) -> dict[str, Any]:
    """The JSON object stored for a payload (what `NewDelivery.payload` takes)."""
    stored: dict[str, Any] = {KIND_KEY: payload.tag, VERSION_KEY: payload.version}
    stored.update(_encode_fields(payload))
    if open_chat is not None:
        stored[OPEN_CHAT_KEY] = _encode_fields(open_chat)
    return stored


class DeliveryKinds:
    """The registry of delivery kinds: the sender's only way to read a payload."""

    def __init__(self, kinds: Iterable[DeliveryKind[Any]] = ()) -> None:
        self._kinds: dict[str, DeliveryKind[Any]] = {}
        for kind in kinds:
            self.register(kind)

    def register(self, kind: DeliveryKind[Any]) -> None:
        """Add a kind; a tag registered twice or a field type the codec cannot store is a
        programming error, raised at start-up rather than on the first send."""
        _check_payload_type(kind.payload_type)
        if kind.tag in self._kinds:
            raise ValueError(f"delivery kind {kind.tag!r} is registered twice")
        self._kinds[kind.tag] = kind

    def decode(self, raw: Mapping[str, Any]) -> Envelope:
        """The typed payload of a stored object; PayloadError says what is wrong with it."""
        if not isinstance(raw, Mapping):
            raise PayloadError(f"a payload must be a JSON object, not {type(raw).__name__}")
        tag = raw.get(KIND_KEY)
        if not isinstance(tag, str):
            raise PayloadError(f"payload has no kind tag (got {_shown(tag)})")
        kind = self._kinds.get(tag)
        if kind is None:
            raise PayloadError(f"unknown delivery kind {_shown(tag)}")
        payload = kind.from_json(raw)
        create = raw.get(OPEN_CHAT_KEY)
        open_chat = None if create is None else _decode_dataclass(OpenChat, create, f"{tag}.create")
        return Envelope(payload, open_chat)

    def render(self, envelope: Envelope) -> Reply | None:
        return self._kind_of(envelope).render(envelope.payload)

    async def on_final(self, envelope: Envelope, outcome: Outcome) -> None:
        hook = self._kind_of(envelope).on_final
        if hook is not None:
            await hook(envelope.payload, outcome)

    def tip_entry(self, envelope: Envelope) -> str | None:
        entry = self._kind_of(envelope).tip_entry
        return None if entry is None else entry(envelope.payload)

    def _kind_of(self, envelope: Envelope) -> DeliveryKind[Any]:
        kind = self._kinds.get(envelope.payload.tag)
        if kind is None or not isinstance(envelope.payload, kind.payload_type):
            raise PayloadError(f"delivery kind {envelope.payload.tag!r} is not registered")
        return kind


# --- the codec: dataclass fields <-> JSON values -------------------------------------------
#
# The field types a payload may use, kept to what JSON holds unambiguously: str, int, bool,
# a Literal of strings (Language), an aware datetime (ISO 8601 text), `X | None`,
# `tuple[X, ...]` (a list), `Mapping[str, X]` (an object) and a nested frozen dataclass.


@dataclass(frozen=True)
class _Field:
    name: str
    hint: Any  # the resolved type annotation
    required: bool  # no default: must be in the stored object


_FIELDS: dict[type[Any], tuple[_Field, ...]] = {}  # resolved once per class: decoding is hot


def _fields(cls: type[Any]) -> tuple[_Field, ...]:
    """A dataclass's fields with their resolved types."""
    found = _FIELDS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _FIELDS[cls] = tuple(
            _Field(
                field.name,
                hints[field.name],
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING,
            )
            for field in dataclasses.fields(cls)
        )
    return found


def _check_payload_type(cls: type[DeliveryPayload]) -> None:
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__dataclass_fields__" not in vars(cls):
        raise TypeError(f"{cls.__name__} must be a frozen dataclass of its own")
    if not isinstance(getattr(cls, "tag", None), str) or not cls.tag:
        raise TypeError(f"{cls.__name__} sets no tag")
    clash = _ENVELOPE_KEYS & {field.name for field in _fields(cls)}
    if clash:
        raise TypeError(f"{cls.__name__} uses the reserved field names {sorted(clash)}")
    _check_type(cls, cls.__name__)


def _check_type(hint: Any, where: str) -> None:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in (str, int, bool, datetime):
        return
    if origin is typing.Literal and all(isinstance(arg, str) for arg in args):
        return
    if _is_optional(hint):
        _check_type(_optional_of(hint), where)
        return
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        _check_type(args[0], where)
        return
    if origin in (Mapping, dict) and args and args[0] is str:
        _check_type(args[1], where)
        return
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        for field in _fields(hint):
            _check_type(field.hint, f"{where}.{field.name}")
        return
    raise TypeError(f"{where}: field type {hint!r} cannot be stored in a delivery payload")


def _is_optional(hint: Any) -> bool:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    return origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args


def _optional_of(hint: Any) -> Any:
    return next(arg for arg in typing.get_args(hint) if arg is not type(None))


def _decode_dataclass(cls: type[T], raw: Any, where: str) -> T:
    if not isinstance(raw, Mapping):
        raise PayloadError(f"{where}: expected an object, got {_json_type(raw)}")
    values: dict[str, Any] = {}
    for field in _fields(cls):
        if field.name in raw:
            values[field.name] = _decode(field.hint, raw[field.name], where, field.name)
        elif field.required:
            raise PayloadError(f"{where}: field {field.name!r} is missing")
    return cls(**values)


def _decode(hint: Any, value: Any, where: str, path: str) -> Any:
    """One field's value, checked against its type; `path` names it in the error."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if _is_optional(hint):
        return None if value is None else _decode(_optional_of(hint), value, where, path)
    if hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is str:
        if isinstance(value, str):
            return value
    elif hint is datetime:
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                raise PayloadError(f"{where}: field {path!r} is not an ISO 8601 time") from None
            if parsed.tzinfo is None:
                raise PayloadError(f"{where}: field {path!r} is a time without a time zone")
            return parsed
    elif origin is typing.Literal:
        if value in args:
            return value
        raise PayloadError(f"{where}: field {path!r} is {_shown(value)}, not one of {list(args)}")
    elif origin is tuple:
        if isinstance(value, list):
            return tuple(
                _decode(args[0], item, where, f"{path}[{i}]") for i, item in enumerate(value)
            )
    elif origin in (Mapping, dict):
        if isinstance(value, Mapping) and all(isinstance(key, str) for key in value):
            return {
                key: _decode(args[1], item, where, f"{path}.{key}") for key, item in value.items()
            }
    elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _decode_dataclass(hint, value, f"{where}.{path}")
    raise PayloadError(
        f"{where}: field {path!r} should be {_type_name(hint)}, got {_json_type(value)}"
    )


def _encode_fields(value: Any) -> dict[str, Any]:
    return {field.name: _encode(getattr(value, field.name)) for field in dataclasses.fields(value)}


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _encode(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _encode_fields(value)
    return value


def _type_name(hint: Any) -> str:
    if hint is datetime:
        return "an ISO 8601 time"
    origin = typing.get_origin(hint)
    if origin is tuple:
        return "a list"
    if origin in (Mapping, dict) or dataclasses.is_dataclass(hint):
        return "an object"
    return getattr(hint, "__name__", str(hint))


def _shown(value: Any) -> str:
    """A stored value in an error message: short, since it goes to the log as it is."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
