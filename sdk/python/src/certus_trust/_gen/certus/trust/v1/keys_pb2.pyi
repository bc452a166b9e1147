from certus_trust._gen import sigstore_common_pb2 as _sigstore_common_pb2
from certus_trust._gen import sigstore_trustroot_pb2 as _sigstore_trustroot_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetKeysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PublicKeyInfo(_message.Message):
    __slots__ = ("purpose", "key_id", "public_key", "valid_for")
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    VALID_FOR_FIELD_NUMBER: _ClassVar[int]
    purpose: str
    key_id: str
    public_key: str
    valid_for: _sigstore_common_pb2.TimeRange
    def __init__(self, purpose: _Optional[str] = ..., key_id: _Optional[str] = ..., public_key: _Optional[str] = ..., valid_for: _Optional[_Union[_sigstore_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class TufInfo(_message.Message):
    __slots__ = ("url", "root_version")
    URL_FIELD_NUMBER: _ClassVar[int]
    ROOT_VERSION_FIELD_NUMBER: _ClassVar[int]
    url: str
    root_version: int
    def __init__(self, url: _Optional[str] = ..., root_version: _Optional[int] = ...) -> None: ...

class GetKeysResponse(_message.Message):
    __slots__ = ("trusted_root", "keys", "tuf", "signing_config", "client_trust_config")
    TRUSTED_ROOT_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    TUF_FIELD_NUMBER: _ClassVar[int]
    SIGNING_CONFIG_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TRUST_CONFIG_FIELD_NUMBER: _ClassVar[int]
    trusted_root: _sigstore_trustroot_pb2.TrustedRoot
    keys: _containers.RepeatedCompositeFieldContainer[PublicKeyInfo]
    tuf: TufInfo
    signing_config: _sigstore_trustroot_pb2.SigningConfig
    client_trust_config: _sigstore_trustroot_pb2.ClientTrustConfig
    def __init__(self, trusted_root: _Optional[_Union[_sigstore_trustroot_pb2.TrustedRoot, _Mapping]] = ..., keys: _Optional[_Iterable[_Union[PublicKeyInfo, _Mapping]]] = ..., tuf: _Optional[_Union[TufInfo, _Mapping]] = ..., signing_config: _Optional[_Union[_sigstore_trustroot_pb2.SigningConfig, _Mapping]] = ..., client_trust_config: _Optional[_Union[_sigstore_trustroot_pb2.ClientTrustConfig, _Mapping]] = ...) -> None: ...
