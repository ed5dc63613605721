"""Received envelopes into typed models.

`parse_envelope` turns the one argument of a server-to-client event into a model of
`KnownEnvelope` (the union discriminated on `type`: `ToolStartedEnvelope` with a
`ToolStarted` as its `data`, ...) or, for a type newer than these models, the generic
`Envelope` whose `data` is plain JSON: a newer server never breaks an older client.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import ProtocolError
from .models import AnyEnvelope, Envelope, KnownEnvelope

_KNOWN: TypeAdapter[Any] = TypeAdapter(KnownEnvelope)


def _known_types() -> frozenset[str]:
    # KnownEnvelope = Annotated[A | B | ..., Field(discriminator="type")]; each model's `type`
    # is a one-value Literal.
    union = get_args(KnownEnvelope.__value__)[0]
    models: tuple[type[BaseModel], ...] = get_args(union)
    return frozenset(get_args(model.model_fields["type"].annotation)[0] for model in models)


KNOWN_TYPES: frozenset[str] = _known_types()
"""Every event type these models know (the `type` of each `KnownEnvelope` variant)."""


def parse_envelope(raw: object) -> AnyEnvelope:
    """The typed envelope of a known type, or the generic `Envelope` of an unknown one.

    Raises `ProtocolError` when `raw` is not an envelope, or when the data of a known type does
    not fit its model.
    """
    if not isinstance(raw, dict):
        raise ProtocolError(f"an envelope is a JSON object, got {type(raw).__name__}")
    try:
        if raw.get("type") in KNOWN_TYPES:
            envelope: AnyEnvelope = _KNOWN.validate_python(raw)
            return envelope
        return Envelope.model_validate(raw)
    except ValidationError as error:
        raise ProtocolError(f"not a valid `{raw.get('type')}` envelope: {error}") from error
