"""What the sync and asyncio clients share: the RPC table, request building and the helpers'
request shapes. Nothing here does I/O except reading a bundle file."""

from __future__ import annotations

import json

import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Type, TypeVar, Union

from google.protobuf import json_format
from google.protobuf.message import Message

from ._gen import sigstore_bundle_pb2
from ._gen.certus.trust.v1 import certus_integration_pb2 as certus_pb2
from ._gen.certus.trust.v1 import common_pb2, keys_pb2, sign_pb2, transparency_pb2, verify_pb2

M = TypeVar("M", bound=Message)

#: The fully qualified service name.
SERVICE = "certus.trust.v1.TrustService"
#: The header that carries an API key (gRPC metadata keys are lower case).
API_KEY_HEADER = "x-api-key"


@dataclass(frozen=True)
class Rpc:
    """One RPC of TrustService: its Connect path, message types and shape."""

    name: str
    request: Type[Message]
    response: Type[Message]
    server_streaming: bool = False

    @property
    def path(self) -> str:
        return f"/{SERVICE}/{self.name}"


SIGN = Rpc("Sign", sign_pb2.SignRequest, sign_pb2.SignResponse)
VERIFY = Rpc("Verify", verify_pb2.VerifyRequest, verify_pb2.VerifyResponse)
GET_TRANSPARENCY = Rpc("GetTransparency", transparency_pb2.GetTransparencyRequest, transparency_pb2.GetTransparencyResponse)
GET_KEYS = Rpc("GetKeys", keys_pb2.GetKeysRequest, keys_pb2.GetKeysResponse)
WATCH_CHECKPOINTS = Rpc(
    "WatchCheckpoints", transparency_pb2.WatchCheckpointsRequest, transparency_pb2.WatchCheckpointsResponse, server_streaming=True
)
VERIFY_AND_PERMIT_UPLOAD = Rpc("VerifyAndPermitUpload", certus_pb2.VerifyAndPermitUploadRequest, certus_pb2.VerifyAndPermitUploadResponse)
VERIFY_CHAIN = Rpc("VerifyChain", certus_pb2.VerifyChainRequest, certus_pb2.VerifyChainResponse)
GET_STATS = Rpc("GetStats", certus_pb2.GetStatsRequest, certus_pb2.GetStatsResponse)
GET_PROVENANCE = Rpc("GetProvenance", certus_pb2.GetProvenanceRequest, certus_pb2.GetProvenanceResponse)
GET_READINESS = Rpc("GetReadiness", certus_pb2.GetReadinessRequest, certus_pb2.GetReadinessResponse)


def build(request_type: Type[M], request: Optional[M], fields: Mapping[str, Any]) -> M:
    """The request to send: ``request`` as given, or one built from keyword fields (nested
    messages may be given as dicts), or the empty request when neither is given."""
    if request is not None and fields:
        raise TypeError(f"pass either a {request_type.__name__} or keyword fields, not both")
    if request is not None:
        if not isinstance(request, request_type):
            raise TypeError(f"expected {request_type.__name__}, got {type(request).__name__}")
        return request
    return request_type(**fields)


def build_from_json(request_type: Type[M], request: Union[M, Mapping[str, Any], None], fields: Mapping[str, Any]) -> M:
    """Like :func:`build`, but ``request`` may also be the JSON body a Certus service sent to the
    prototype (a dict with snake_case keys, ``None`` for absent fields): it is parsed strictly,
    so a misspelt key raises ValueError instead of being dropped."""
    if isinstance(request, Mapping):
        if fields:
            raise TypeError("pass either a dict body or keyword fields, not both")
        try:
            return json_format.ParseDict(_drop_none(request), request_type())
        except json_format.ParseError as e:
            raise ValueError(f"not a {request_type.__name__}: {e}") from e
    if request is None and fields:
        return build_from_json(request_type, dict(fields), {})
    return build(request_type, request, fields)


def _drop_none(value: Any) -> Any:
    """Removes ``None`` values (dataclasses.asdict writes absent optionals as None)."""
    if isinstance(value, Mapping):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def to_dict(message: Message) -> dict[str, Any]:
    """A response as the dict the prototype's JSON gave (snake_case keys, every field present),
    for callers moving from hand-written HTTP clients."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)


_FORMATS = {
    "dsse": sign_pb2.SIGNATURE_FORMAT_DSSE,
    "message_signature": sign_pb2.SIGNATURE_FORMAT_MESSAGE_SIGNATURE,
    "message-signature": sign_pb2.SIGNATURE_FORMAT_MESSAGE_SIGNATURE,
}


def sign_digest_request(digest: str, uri: Optional[str], format: Union[str, int], policy: Optional[str]) -> sign_pb2.SignRequest:
    """The SignRequest for an artifact known by its digest (``sha256:<hex>``)."""
    if isinstance(format, str):
        try:
            fmt = _FORMATS[format.lower()]
        except KeyError:
            raise ValueError(f"format must be 'dsse' or 'message_signature', got {format!r}") from None
    else:
        fmt = format
    return sign_pb2.SignRequest(
        artifact=common_pb2.Artifact(digest=digest, uri=uri or ""), format=fmt, policy=policy or ""
    )


def attest_request(
    digest: str, predicate_type: str, predicate: Union[str, Mapping[str, Any]], uri: Optional[str], policy: Optional[str]
) -> sign_pb2.SignRequest:
    """The SignRequest that has the service sign the caller's own in-toto predicate (a JSON object,
    or its text) of ``predicate_type`` about an artifact known by its digest."""
    predicate_json = predicate if isinstance(predicate, str) else json.dumps(predicate, separators=(",", ":"))
    return sign_pb2.SignRequest(
        artifact=common_pb2.Artifact(digest=digest, uri=uri or ""),
        policy=policy or "",
        statement=sign_pb2.CallerStatement(predicate_type=predicate_type, predicate_json=predicate_json),
    )


def load_bundle(path: Union[str, Path]) -> sigstore_bundle_pb2.Bundle:
    """Reads a Sigstore bundle (``*.sigstore.json``); raises ValueError if it is not one."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        return json_format.Parse(text, sigstore_bundle_pb2.Bundle())
    except json_format.ParseError as e:
        raise ValueError(f"{path}: not a Sigstore bundle: {e}") from e


def verify_bundle_request(
    bundle: sigstore_bundle_pb2.Bundle,
    digest: str,
    subject: Optional[str],
    issuer: Optional[str],
    subject_regexp: Optional[str],
    policy: Optional[str],
    predicate_type: Optional[str] = None,
) -> verify_pb2.VerifyRequest:
    """The VerifyRequest for one bundle over an artifact digest (``sha256:<64 hex>``,
    ``sha384:<96 hex>`` or ``sha512:<128 hex>``) and an expected signer (and, when given, the
    in-toto predicate type its statement must have)."""
    signer = verify_pb2.ExpectedSigner(
        subject=subject or "",
        issuer=issuer or "",
        subject_regexp=subject_regexp or "",
        policy=policy or "",
        predicate_type=predicate_type or "",
    )
    return verify_pb2.VerifyRequest(artifact=common_pb2.Artifact(digest=digest), bundle=bundle, expected_signer=signer)


def grpc_target(base_url: str) -> tuple[str, bool]:
    """``host:port`` and whether TLS is used, from ``http(s)://host:port`` or a bare ``host:port``."""
    if "://" not in base_url:
        return base_url, False
    url = urllib.parse.urlsplit(base_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ValueError(f"base_url must be an http:// or https:// URL, got {base_url!r}")
    tls = url.scheme == "https"
    host = f"[{url.hostname}]" if ":" in url.hostname else url.hostname
    return f"{host}:{url.port or (443 if tls else 80)}", tls


def check_protocol(protocol: str) -> str:
    if protocol not in ("grpc", "connect"):
        raise ValueError(f"protocol must be 'grpc' or 'connect', got {protocol!r}")
    return protocol
