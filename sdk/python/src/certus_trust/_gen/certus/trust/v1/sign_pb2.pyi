from certus_trust._gen.certus.trust.v1 import common_pb2 as _common_pb2
from certus_trust._gen import sigstore_bundle_pb2 as _sigstore_bundle_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SignatureFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGNATURE_FORMAT_UNSPECIFIED: _ClassVar[SignatureFormat]
    SIGNATURE_FORMAT_DSSE: _ClassVar[SignatureFormat]
    SIGNATURE_FORMAT_MESSAGE_SIGNATURE: _ClassVar[SignatureFormat]
SIGNATURE_FORMAT_UNSPECIFIED: SignatureFormat
SIGNATURE_FORMAT_DSSE: SignatureFormat
SIGNATURE_FORMAT_MESSAGE_SIGNATURE: SignatureFormat

class SignRequest(_message.Message):
    __slots__ = ("artifact", "inner_bundles", "policy", "format", "statement")
    ARTIFACT_FIELD_NUMBER: _ClassVar[int]
    INNER_BUNDLES_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    artifact: _common_pb2.Artifact
    inner_bundles: _containers.RepeatedCompositeFieldContainer[_sigstore_bundle_pb2.Bundle]
    policy: str
    format: SignatureFormat
    statement: CallerStatement
    def __init__(self, artifact: _Optional[_Union[_common_pb2.Artifact, _Mapping]] = ..., inner_bundles: _Optional[_Iterable[_Union[_sigstore_bundle_pb2.Bundle, _Mapping]]] = ..., policy: _Optional[str] = ..., format: _Optional[_Union[SignatureFormat, str]] = ..., statement: _Optional[_Union[CallerStatement, _Mapping]] = ...) -> None: ...

class CallerStatement(_message.Message):
    __slots__ = ("predicate_type", "predicate_json")
    PREDICATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PREDICATE_JSON_FIELD_NUMBER: _ClassVar[int]
    predicate_type: str
    predicate_json: str
    def __init__(self, predicate_type: _Optional[str] = ..., predicate_json: _Optional[str] = ...) -> None: ...

class InnerSigner(_message.Message):
    __slots__ = ("subject", "issuer", "log_index", "bundle_digest")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_DIGEST_FIELD_NUMBER: _ClassVar[int]
    subject: str
    issuer: str
    log_index: int
    bundle_digest: str
    def __init__(self, subject: _Optional[str] = ..., issuer: _Optional[str] = ..., log_index: _Optional[int] = ..., bundle_digest: _Optional[str] = ...) -> None: ...

class SignResponse(_message.Message):
    __slots__ = ("bundle", "entry", "signer", "inner_signers", "warnings", "predicate_type")
    BUNDLE_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    INNER_SIGNERS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    PREDICATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    bundle: _sigstore_bundle_pb2.Bundle
    entry: _common_pb2.LogEntryRef
    signer: _common_pb2.Identity
    inner_signers: _containers.RepeatedCompositeFieldContainer[InnerSigner]
    warnings: _containers.RepeatedScalarFieldContainer[str]
    predicate_type: str
    def __init__(self, bundle: _Optional[_Union[_sigstore_bundle_pb2.Bundle, _Mapping]] = ..., entry: _Optional[_Union[_common_pb2.LogEntryRef, _Mapping]] = ..., signer: _Optional[_Union[_common_pb2.Identity, _Mapping]] = ..., inner_signers: _Optional[_Iterable[_Union[InnerSigner, _Mapping]]] = ..., warnings: _Optional[_Iterable[str]] = ..., predicate_type: _Optional[str] = ...) -> None: ...
