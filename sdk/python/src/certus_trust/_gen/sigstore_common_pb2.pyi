import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class HashAlgorithm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HASH_ALGORITHM_UNSPECIFIED: _ClassVar[HashAlgorithm]
    SHA2_256: _ClassVar[HashAlgorithm]
    SHA2_384: _ClassVar[HashAlgorithm]
    SHA2_512: _ClassVar[HashAlgorithm]
    SHA3_256: _ClassVar[HashAlgorithm]
    SHA3_384: _ClassVar[HashAlgorithm]

class PublicKeyDetails(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PUBLIC_KEY_DETAILS_UNSPECIFIED: _ClassVar[PublicKeyDetails]
    PKCS1_RSA_PKCS1V5: _ClassVar[PublicKeyDetails]
    PKCS1_RSA_PSS: _ClassVar[PublicKeyDetails]
    PKIX_RSA_PKCS1V5: _ClassVar[PublicKeyDetails]
    PKIX_RSA_PSS: _ClassVar[PublicKeyDetails]
    PKIX_RSA_PKCS1V15_2048_SHA256: _ClassVar[PublicKeyDetails]
    PKIX_RSA_PKCS1V15_3072_SHA256: _ClassVar[PublicKeyDetails]
    PKIX_RSA_PKCS1V15_4096_SHA256: _ClassVar[PublicKeyDetails]
    PKIX_RSA_PSS_2048_SHA256: _ClassVar[PublicKeyDetails]
    PKIX_RSA_PSS_3072_SHA256: _ClassVar[PublicKeyDetails]
    PKIX_RSA_PSS_4096_SHA256: _ClassVar[PublicKeyDetails]
    PKIX_ECDSA_P256_HMAC_SHA_256: _ClassVar[PublicKeyDetails]
    PKIX_ECDSA_P256_SHA_256: _ClassVar[PublicKeyDetails]
    PKIX_ECDSA_P384_SHA_384: _ClassVar[PublicKeyDetails]
    PKIX_ECDSA_P521_SHA_512: _ClassVar[PublicKeyDetails]
    PKIX_ED25519: _ClassVar[PublicKeyDetails]
    PKIX_ED25519_PH: _ClassVar[PublicKeyDetails]
    PKIX_ECDSA_P384_SHA_256: _ClassVar[PublicKeyDetails]
    PKIX_ECDSA_P521_SHA_256: _ClassVar[PublicKeyDetails]
    LMS_SHA256: _ClassVar[PublicKeyDetails]
    LMOTS_SHA256: _ClassVar[PublicKeyDetails]
    ML_DSA_44: _ClassVar[PublicKeyDetails]
    ML_DSA_65: _ClassVar[PublicKeyDetails]
    ML_DSA_87: _ClassVar[PublicKeyDetails]

class SubjectAlternativeNameType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBJECT_ALTERNATIVE_NAME_TYPE_UNSPECIFIED: _ClassVar[SubjectAlternativeNameType]
    EMAIL: _ClassVar[SubjectAlternativeNameType]
    URI: _ClassVar[SubjectAlternativeNameType]
    OTHER_NAME: _ClassVar[SubjectAlternativeNameType]
HASH_ALGORITHM_UNSPECIFIED: HashAlgorithm
SHA2_256: HashAlgorithm
SHA2_384: HashAlgorithm
SHA2_512: HashAlgorithm
SHA3_256: HashAlgorithm
SHA3_384: HashAlgorithm
PUBLIC_KEY_DETAILS_UNSPECIFIED: PublicKeyDetails
PKCS1_RSA_PKCS1V5: PublicKeyDetails
PKCS1_RSA_PSS: PublicKeyDetails
PKIX_RSA_PKCS1V5: PublicKeyDetails
PKIX_RSA_PSS: PublicKeyDetails
PKIX_RSA_PKCS1V15_2048_SHA256: PublicKeyDetails
PKIX_RSA_PKCS1V15_3072_SHA256: PublicKeyDetails
PKIX_RSA_PKCS1V15_4096_SHA256: PublicKeyDetails
PKIX_RSA_PSS_2048_SHA256: PublicKeyDetails
PKIX_RSA_PSS_3072_SHA256: PublicKeyDetails
PKIX_RSA_PSS_4096_SHA256: PublicKeyDetails
PKIX_ECDSA_P256_HMAC_SHA_256: PublicKeyDetails
PKIX_ECDSA_P256_SHA_256: PublicKeyDetails
PKIX_ECDSA_P384_SHA_384: PublicKeyDetails
PKIX_ECDSA_P521_SHA_512: PublicKeyDetails
PKIX_ED25519: PublicKeyDetails
PKIX_ED25519_PH: PublicKeyDetails
PKIX_ECDSA_P384_SHA_256: PublicKeyDetails
PKIX_ECDSA_P521_SHA_256: PublicKeyDetails
LMS_SHA256: PublicKeyDetails
LMOTS_SHA256: PublicKeyDetails
ML_DSA_44: PublicKeyDetails
ML_DSA_65: PublicKeyDetails
ML_DSA_87: PublicKeyDetails
SUBJECT_ALTERNATIVE_NAME_TYPE_UNSPECIFIED: SubjectAlternativeNameType
EMAIL: SubjectAlternativeNameType
URI: SubjectAlternativeNameType
OTHER_NAME: SubjectAlternativeNameType

class HashOutput(_message.Message):
    __slots__ = ("algorithm", "digest")
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    algorithm: HashAlgorithm
    digest: bytes
    def __init__(self, algorithm: _Optional[_Union[HashAlgorithm, str]] = ..., digest: _Optional[bytes] = ...) -> None: ...

class MessageSignature(_message.Message):
    __slots__ = ("message_digest", "signature")
    MESSAGE_DIGEST_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    message_digest: HashOutput
    signature: bytes
    def __init__(self, message_digest: _Optional[_Union[HashOutput, _Mapping]] = ..., signature: _Optional[bytes] = ...) -> None: ...

class LogId(_message.Message):
    __slots__ = ("key_id",)
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    key_id: bytes
    def __init__(self, key_id: _Optional[bytes] = ...) -> None: ...

class RFC3161SignedTimestamp(_message.Message):
    __slots__ = ("signed_timestamp",)
    SIGNED_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    signed_timestamp: bytes
    def __init__(self, signed_timestamp: _Optional[bytes] = ...) -> None: ...

class PublicKey(_message.Message):
    __slots__ = ("raw_bytes", "key_details", "valid_for")
    RAW_BYTES_FIELD_NUMBER: _ClassVar[int]
    KEY_DETAILS_FIELD_NUMBER: _ClassVar[int]
    VALID_FOR_FIELD_NUMBER: _ClassVar[int]
    raw_bytes: bytes
    key_details: PublicKeyDetails
    valid_for: TimeRange
    def __init__(self, raw_bytes: _Optional[bytes] = ..., key_details: _Optional[_Union[PublicKeyDetails, str]] = ..., valid_for: _Optional[_Union[TimeRange, _Mapping]] = ...) -> None: ...

class PublicKeyIdentifier(_message.Message):
    __slots__ = ("hint",)
    HINT_FIELD_NUMBER: _ClassVar[int]
    hint: str
    def __init__(self, hint: _Optional[str] = ...) -> None: ...

class ObjectIdentifier(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, id: _Optional[_Iterable[int]] = ...) -> None: ...

class ObjectIdentifierValuePair(_message.Message):
    __slots__ = ("oid", "value")
    OID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    oid: ObjectIdentifier
    value: bytes
    def __init__(self, oid: _Optional[_Union[ObjectIdentifier, _Mapping]] = ..., value: _Optional[bytes] = ...) -> None: ...

class DistinguishedName(_message.Message):
    __slots__ = ("organization", "common_name")
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    COMMON_NAME_FIELD_NUMBER: _ClassVar[int]
    organization: str
    common_name: str
    def __init__(self, organization: _Optional[str] = ..., common_name: _Optional[str] = ...) -> None: ...

class X509Certificate(_message.Message):
    __slots__ = ("raw_bytes",)
    RAW_BYTES_FIELD_NUMBER: _ClassVar[int]
    raw_bytes: bytes
    def __init__(self, raw_bytes: _Optional[bytes] = ...) -> None: ...

class SubjectAlternativeName(_message.Message):
    __slots__ = ("type", "regexp", "value")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REGEXP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    type: SubjectAlternativeNameType
    regexp: str
    value: str
    def __init__(self, type: _Optional[_Union[SubjectAlternativeNameType, str]] = ..., regexp: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class X509CertificateChain(_message.Message):
    __slots__ = ("certificates",)
    CERTIFICATES_FIELD_NUMBER: _ClassVar[int]
    certificates: _containers.RepeatedCompositeFieldContainer[X509Certificate]
    def __init__(self, certificates: _Optional[_Iterable[_Union[X509Certificate, _Mapping]]] = ...) -> None: ...

class TimeRange(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    def __init__(self, start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
