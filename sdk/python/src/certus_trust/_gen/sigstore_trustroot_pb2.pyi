from google.api import field_behavior_pb2 as _field_behavior_pb2
from certus_trust._gen import sigstore_common_pb2 as _sigstore_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ServiceSelector(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SERVICE_SELECTOR_UNDEFINED: _ClassVar[ServiceSelector]
    ALL: _ClassVar[ServiceSelector]
    ANY: _ClassVar[ServiceSelector]
    EXACT: _ClassVar[ServiceSelector]
SERVICE_SELECTOR_UNDEFINED: ServiceSelector
ALL: ServiceSelector
ANY: ServiceSelector
EXACT: ServiceSelector

class TransparencyLogInstance(_message.Message):
    __slots__ = ("base_url", "hash_algorithm", "public_key", "log_id", "checkpoint_key_id", "operator")
    BASE_URL_FIELD_NUMBER: _ClassVar[int]
    HASH_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    LOG_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    base_url: str
    hash_algorithm: _sigstore_common_pb2.HashAlgorithm
    public_key: _sigstore_common_pb2.PublicKey
    log_id: _sigstore_common_pb2.LogId
    checkpoint_key_id: _sigstore_common_pb2.LogId
    operator: str
    def __init__(self, base_url: _Optional[str] = ..., hash_algorithm: _Optional[_Union[_sigstore_common_pb2.HashAlgorithm, str]] = ..., public_key: _Optional[_Union[_sigstore_common_pb2.PublicKey, _Mapping]] = ..., log_id: _Optional[_Union[_sigstore_common_pb2.LogId, _Mapping]] = ..., checkpoint_key_id: _Optional[_Union[_sigstore_common_pb2.LogId, _Mapping]] = ..., operator: _Optional[str] = ...) -> None: ...

class CertificateAuthority(_message.Message):
    __slots__ = ("subject", "uri", "cert_chain", "valid_for", "operator")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    URI_FIELD_NUMBER: _ClassVar[int]
    CERT_CHAIN_FIELD_NUMBER: _ClassVar[int]
    VALID_FOR_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    subject: _sigstore_common_pb2.DistinguishedName
    uri: str
    cert_chain: _sigstore_common_pb2.X509CertificateChain
    valid_for: _sigstore_common_pb2.TimeRange
    operator: str
    def __init__(self, subject: _Optional[_Union[_sigstore_common_pb2.DistinguishedName, _Mapping]] = ..., uri: _Optional[str] = ..., cert_chain: _Optional[_Union[_sigstore_common_pb2.X509CertificateChain, _Mapping]] = ..., valid_for: _Optional[_Union[_sigstore_common_pb2.TimeRange, _Mapping]] = ..., operator: _Optional[str] = ...) -> None: ...

class TrustedRoot(_message.Message):
    __slots__ = ("media_type", "tlogs", "certificate_authorities", "ctlogs", "timestamp_authorities")
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    TLOGS_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_AUTHORITIES_FIELD_NUMBER: _ClassVar[int]
    CTLOGS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_AUTHORITIES_FIELD_NUMBER: _ClassVar[int]
    media_type: str
    tlogs: _containers.RepeatedCompositeFieldContainer[TransparencyLogInstance]
    certificate_authorities: _containers.RepeatedCompositeFieldContainer[CertificateAuthority]
    ctlogs: _containers.RepeatedCompositeFieldContainer[TransparencyLogInstance]
    timestamp_authorities: _containers.RepeatedCompositeFieldContainer[CertificateAuthority]
    def __init__(self, media_type: _Optional[str] = ..., tlogs: _Optional[_Iterable[_Union[TransparencyLogInstance, _Mapping]]] = ..., certificate_authorities: _Optional[_Iterable[_Union[CertificateAuthority, _Mapping]]] = ..., ctlogs: _Optional[_Iterable[_Union[TransparencyLogInstance, _Mapping]]] = ..., timestamp_authorities: _Optional[_Iterable[_Union[CertificateAuthority, _Mapping]]] = ...) -> None: ...

class SigningConfig(_message.Message):
    __slots__ = ("media_type", "ca_urls", "oidc_urls", "rekor_tlog_urls", "rekor_tlog_config", "tsa_urls", "tsa_config")
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    CA_URLS_FIELD_NUMBER: _ClassVar[int]
    OIDC_URLS_FIELD_NUMBER: _ClassVar[int]
    REKOR_TLOG_URLS_FIELD_NUMBER: _ClassVar[int]
    REKOR_TLOG_CONFIG_FIELD_NUMBER: _ClassVar[int]
    TSA_URLS_FIELD_NUMBER: _ClassVar[int]
    TSA_CONFIG_FIELD_NUMBER: _ClassVar[int]
    media_type: str
    ca_urls: _containers.RepeatedCompositeFieldContainer[Service]
    oidc_urls: _containers.RepeatedCompositeFieldContainer[Service]
    rekor_tlog_urls: _containers.RepeatedCompositeFieldContainer[Service]
    rekor_tlog_config: ServiceConfiguration
    tsa_urls: _containers.RepeatedCompositeFieldContainer[Service]
    tsa_config: ServiceConfiguration
    def __init__(self, media_type: _Optional[str] = ..., ca_urls: _Optional[_Iterable[_Union[Service, _Mapping]]] = ..., oidc_urls: _Optional[_Iterable[_Union[Service, _Mapping]]] = ..., rekor_tlog_urls: _Optional[_Iterable[_Union[Service, _Mapping]]] = ..., rekor_tlog_config: _Optional[_Union[ServiceConfiguration, _Mapping]] = ..., tsa_urls: _Optional[_Iterable[_Union[Service, _Mapping]]] = ..., tsa_config: _Optional[_Union[ServiceConfiguration, _Mapping]] = ...) -> None: ...

class Service(_message.Message):
    __slots__ = ("url", "major_api_version", "valid_for", "operator")
    URL_FIELD_NUMBER: _ClassVar[int]
    MAJOR_API_VERSION_FIELD_NUMBER: _ClassVar[int]
    VALID_FOR_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_FIELD_NUMBER: _ClassVar[int]
    url: str
    major_api_version: int
    valid_for: _sigstore_common_pb2.TimeRange
    operator: str
    def __init__(self, url: _Optional[str] = ..., major_api_version: _Optional[int] = ..., valid_for: _Optional[_Union[_sigstore_common_pb2.TimeRange, _Mapping]] = ..., operator: _Optional[str] = ...) -> None: ...

class ServiceConfiguration(_message.Message):
    __slots__ = ("selector", "count")
    SELECTOR_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    selector: ServiceSelector
    count: int
    def __init__(self, selector: _Optional[_Union[ServiceSelector, str]] = ..., count: _Optional[int] = ...) -> None: ...

class ClientTrustConfig(_message.Message):
    __slots__ = ("media_type", "trusted_root", "signing_config")
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    TRUSTED_ROOT_FIELD_NUMBER: _ClassVar[int]
    SIGNING_CONFIG_FIELD_NUMBER: _ClassVar[int]
    media_type: str
    trusted_root: TrustedRoot
    signing_config: SigningConfig
    def __init__(self, media_type: _Optional[str] = ..., trusted_root: _Optional[_Union[TrustedRoot, _Mapping]] = ..., signing_config: _Optional[_Union[SigningConfig, _Mapping]] = ...) -> None: ...
