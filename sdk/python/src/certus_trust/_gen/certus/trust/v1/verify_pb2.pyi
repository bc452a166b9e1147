import datetime

from certus_trust._gen.certus.trust.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from certus_trust._gen import sigstore_bundle_pb2 as _sigstore_bundle_pb2
from certus_trust._gen import sigstore_trustroot_pb2 as _sigstore_trustroot_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ExpectedSigner(_message.Message):
    __slots__ = ("subject", "subject_regexp", "issuer", "public_key", "policy", "predicate_type")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_REGEXP_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    PREDICATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    subject: str
    subject_regexp: str
    issuer: str
    public_key: str
    policy: str
    predicate_type: str
    def __init__(self, subject: _Optional[str] = ..., subject_regexp: _Optional[str] = ..., issuer: _Optional[str] = ..., public_key: _Optional[str] = ..., policy: _Optional[str] = ..., predicate_type: _Optional[str] = ...) -> None: ...

class StatementSubject(_message.Message):
    __slots__ = ("name", "digest")
    class DigestEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    name: str
    digest: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., digest: _Optional[_Mapping[str, str]] = ...) -> None: ...

class StatementSummary(_message.Message):
    __slots__ = ("predicate_type", "subjects")
    PREDICATE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBJECTS_FIELD_NUMBER: _ClassVar[int]
    predicate_type: str
    subjects: _containers.RepeatedCompositeFieldContainer[StatementSubject]
    def __init__(self, predicate_type: _Optional[str] = ..., subjects: _Optional[_Iterable[_Union[StatementSubject, _Mapping]]] = ...) -> None: ...

class VerifyRequest(_message.Message):
    __slots__ = ("artifact", "bundle", "bundles", "expected_signer", "trusted_root", "trust_root")
    ARTIFACT_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_FIELD_NUMBER: _ClassVar[int]
    BUNDLES_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_SIGNER_FIELD_NUMBER: _ClassVar[int]
    TRUSTED_ROOT_FIELD_NUMBER: _ClassVar[int]
    TRUST_ROOT_FIELD_NUMBER: _ClassVar[int]
    artifact: _common_pb2.Artifact
    bundle: _sigstore_bundle_pb2.Bundle
    bundles: _containers.RepeatedCompositeFieldContainer[_sigstore_bundle_pb2.Bundle]
    expected_signer: ExpectedSigner
    trusted_root: _sigstore_trustroot_pb2.TrustedRoot
    trust_root: str
    def __init__(self, artifact: _Optional[_Union[_common_pb2.Artifact, _Mapping]] = ..., bundle: _Optional[_Union[_sigstore_bundle_pb2.Bundle, _Mapping]] = ..., bundles: _Optional[_Iterable[_Union[_sigstore_bundle_pb2.Bundle, _Mapping]]] = ..., expected_signer: _Optional[_Union[ExpectedSigner, _Mapping]] = ..., trusted_root: _Optional[_Union[_sigstore_trustroot_pb2.TrustedRoot, _Mapping]] = ..., trust_root: _Optional[str] = ...) -> None: ...

class VerificationFailure(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class VerifiedTimestamp(_message.Message):
    __slots__ = ("source", "time")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    source: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, source: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class VerifyResult(_message.Message):
    __slots__ = ("verified", "failures", "signer", "entry", "timestamps", "statement")
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    verified: bool
    failures: _containers.RepeatedCompositeFieldContainer[VerificationFailure]
    signer: _common_pb2.Identity
    entry: _common_pb2.LogEntryRef
    timestamps: _containers.RepeatedCompositeFieldContainer[VerifiedTimestamp]
    statement: StatementSummary
    def __init__(self, verified: _Optional[bool] = ..., failures: _Optional[_Iterable[_Union[VerificationFailure, _Mapping]]] = ..., signer: _Optional[_Union[_common_pb2.Identity, _Mapping]] = ..., entry: _Optional[_Union[_common_pb2.LogEntryRef, _Mapping]] = ..., timestamps: _Optional[_Iterable[_Union[VerifiedTimestamp, _Mapping]]] = ..., statement: _Optional[_Union[StatementSummary, _Mapping]] = ...) -> None: ...

class VerifyResponse(_message.Message):
    __slots__ = ("verified", "failures", "signer", "entry", "timestamps", "results", "statement")
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    verified: bool
    failures: _containers.RepeatedCompositeFieldContainer[VerificationFailure]
    signer: _common_pb2.Identity
    entry: _common_pb2.LogEntryRef
    timestamps: _containers.RepeatedCompositeFieldContainer[VerifiedTimestamp]
    results: _containers.RepeatedCompositeFieldContainer[VerifyResult]
    statement: StatementSummary
    def __init__(self, verified: _Optional[bool] = ..., failures: _Optional[_Iterable[_Union[VerificationFailure, _Mapping]]] = ..., signer: _Optional[_Union[_common_pb2.Identity, _Mapping]] = ..., entry: _Optional[_Union[_common_pb2.LogEntryRef, _Mapping]] = ..., timestamps: _Optional[_Iterable[_Union[VerifiedTimestamp, _Mapping]]] = ..., results: _Optional[_Iterable[_Union[VerifyResult, _Mapping]]] = ..., statement: _Optional[_Union[StatementSummary, _Mapping]] = ...) -> None: ...
