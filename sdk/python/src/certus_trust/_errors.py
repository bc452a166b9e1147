"""The error model: every failed call raises :class:`TrustError` with a closed-set :class:`Code`.

Both transports (gRPC and Connect) report the same codes and details, so callers write one
``except TrustError`` whatever the protocol. A verification verdict is not an error: ``verify``
returns ``verified=False`` with failure codes in the response.
"""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass
from typing import Any, Iterable, Optional

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2


class Code(str, enum.Enum):
    """The RPC status codes, spelled as the Connect protocol spells them (``invalid_argument``)."""

    CANCELED = "canceled"
    UNKNOWN = "unknown"
    INVALID_ARGUMENT = "invalid_argument"
    DEADLINE_EXCEEDED = "deadline_exceeded"
    NOT_FOUND = "not_found"
    ALREADY_EXISTS = "already_exists"
    PERMISSION_DENIED = "permission_denied"
    RESOURCE_EXHAUSTED = "resource_exhausted"
    FAILED_PRECONDITION = "failed_precondition"
    ABORTED = "aborted"
    OUT_OF_RANGE = "out_of_range"
    UNIMPLEMENTED = "unimplemented"
    INTERNAL = "internal"
    UNAVAILABLE = "unavailable"
    DATA_LOSS = "data_loss"
    UNAUTHENTICATED = "unauthenticated"

    @classmethod
    def parse(cls, value: str) -> "Code":
        """The code for a Connect code string; ``UNKNOWN`` for anything outside the set."""
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN

    @classmethod
    def from_grpc(cls, status: Optional[grpc.StatusCode]) -> "Code":
        """The code for a ``grpc.StatusCode`` (``CANCELLED`` is spelled ``canceled`` here)."""
        if status is None:
            return cls.UNKNOWN
        if status is grpc.StatusCode.CANCELLED:
            return cls.CANCELED
        return cls.parse(status.name.lower())


@dataclass(frozen=True)
class FieldViolation:
    """One reason a request was refused: the field (a JSON path such as ``artifact.digest``, or
    ``policy`` for a policy refusal) and what is wrong with it."""

    field: str
    description: str


class TrustError(Exception):
    """A call to Certus-Trust failed.

    Attributes:
        code: the RPC status code (compare with :class:`Code` members or their strings).
        message: the server's message, safe to show a person.
        failures: the field violations (``google.rpc.BadRequest`` details) for
            ``invalid_argument`` and ``failed_precondition`` (policy refusals); else empty.
        retry_after: seconds to wait before retrying (``google.rpc.RetryInfo``), when given.
        details: every error detail as a ``google.protobuf.Any``.
    """

    def __init__(self, code: Code, message: str, details: Iterable[any_pb2.Any] = ()) -> None:
        super().__init__(f"{code.value}: {message}" if message else code.value)
        self.code = code
        self.message = message
        self.details = list(details)
        self.failures: list[FieldViolation] = []
        self.retry_after: Optional[float] = None
        for d in self.details:
            if d.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                d.Unpack(bad)
                self.failures.extend(FieldViolation(v.field, v.description) for v in bad.field_violations)
            elif d.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                info = error_details_pb2.RetryInfo()
                d.Unpack(info)
                self.retry_after = info.retry_delay.seconds + info.retry_delay.nanos / 1e9


def from_grpc_error(err: grpc.RpcError) -> TrustError:
    """Turns a gRPC failure (sync or asyncio) into a TrustError, decoding its status details."""
    code = Code.from_grpc(err.code()) if hasattr(err, "code") else Code.UNKNOWN
    message = (err.details() if hasattr(err, "details") else None) or ""
    details: list[any_pb2.Any] = []
    trailers: Any = err.trailing_metadata() if hasattr(err, "trailing_metadata") else None
    for key, value in trailers or ():
        if key == "grpc-status-details-bin" and isinstance(value, bytes):
            try:
                details = list(status_pb2.Status.FromString(value).details)
            except Exception:  # a malformed trailer must not hide the error itself
                details = []
    return TrustError(code, message, details)


def from_connect_error(body: Any, http_status: int) -> TrustError:
    """Turns a Connect error (the JSON ``{"code", "message", "details"}``) into a TrustError."""
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        return TrustError(_code_for_http_status(http_status), f"HTTP {http_status}")
    details: list[any_pb2.Any] = []
    for d in body.get("details") or ():
        try:
            raw = d["value"]
            value = base64.b64decode(raw + "=" * (-len(raw) % 4))
            details.append(any_pb2.Any(type_url=f"type.googleapis.com/{d['type']}", value=value))
        except (KeyError, TypeError, ValueError):
            continue
    return TrustError(Code.parse(body["code"]), str(body.get("message") or ""), details)


def _code_for_http_status(status: int) -> Code:
    """The Connect protocol's mapping for HTTP errors that carry no Connect error body."""
    return {
        400: Code.INTERNAL,
        401: Code.UNAUTHENTICATED,
        403: Code.PERMISSION_DENIED,
        404: Code.UNIMPLEMENTED,
        429: Code.UNAVAILABLE,
        502: Code.UNAVAILABLE,
        503: Code.UNAVAILABLE,
        504: Code.UNAVAILABLE,
    }.get(status, Code.UNKNOWN)
