from google.api import field_behavior_pb2 as _field_behavior_pb2
from certus_trust._gen import envelope_pb2 as _envelope_pb2
from certus_trust._gen import sigstore_common_pb2 as _sigstore_common_pb2
from certus_trust._gen import sigstore_rekor_pb2 as _sigstore_rekor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TimestampVerificationData(_message.Message):
    __slots__ = ("rfc3161_timestamps",)
    RFC3161_TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    rfc3161_timestamps: _containers.RepeatedCompositeFieldContainer[_sigstore_common_pb2.RFC3161SignedTimestamp]
    def __init__(self, rfc3161_timestamps: _Optional[_Iterable[_Union[_sigstore_common_pb2.RFC3161SignedTimestamp, _Mapping]]] = ...) -> None: ...

class VerificationMaterial(_message.Message):
    __slots__ = ("public_key", "x509_certificate_chain", "certificate", "tlog_entries", "timestamp_verification_data")
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    X509_CERTIFICATE_CHAIN_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    TLOG_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_VERIFICATION_DATA_FIELD_NUMBER: _ClassVar[int]
    public_key: _sigstore_common_pb2.PublicKeyIdentifier
    x509_certificate_chain: _sigstore_common_pb2.X509CertificateChain
    certificate: _sigstore_common_pb2.X509Certificate
    tlog_entries: _containers.RepeatedCompositeFieldContainer[_sigstore_rekor_pb2.TransparencyLogEntry]
    timestamp_verification_data: TimestampVerificationData
    def __init__(self, public_key: _Optional[_Union[_sigstore_common_pb2.PublicKeyIdentifier, _Mapping]] = ..., x509_certificate_chain: _Optional[_Union[_sigstore_common_pb2.X509CertificateChain, _Mapping]] = ..., certificate: _Optional[_Union[_sigstore_common_pb2.X509Certificate, _Mapping]] = ..., tlog_entries: _Optional[_Iterable[_Union[_sigstore_rekor_pb2.TransparencyLogEntry, _Mapping]]] = ..., timestamp_verification_data: _Optional[_Union[TimestampVerificationData, _Mapping]] = ...) -> None: ...

class Bundle(_message.Message):
    __slots__ = ("media_type", "verification_material", "message_signature", "dsse_envelope")
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_MATERIAL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    DSSE_ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    media_type: str
    verification_material: VerificationMaterial
    message_signature: _sigstore_common_pb2.MessageSignature
    dsse_envelope: _envelope_pb2.Envelope
    def __init__(self, media_type: _Optional[str] = ..., verification_material: _Optional[_Union[VerificationMaterial, _Mapping]] = ..., message_signature: _Optional[_Union[_sigstore_common_pb2.MessageSignature, _Mapping]] = ..., dsse_envelope: _Optional[_Union[_envelope_pb2.Envelope, _Mapping]] = ...) -> None: ...
