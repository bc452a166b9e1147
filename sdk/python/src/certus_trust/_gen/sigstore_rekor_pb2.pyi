from google.api import field_behavior_pb2 as _field_behavior_pb2
from certus_trust._gen import sigstore_common_pb2 as _sigstore_common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class KindVersion(_message.Message):
    __slots__ = ("kind", "version")
    KIND_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    kind: str
    version: str
    def __init__(self, kind: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ("envelope",)
    ENVELOPE_FIELD_NUMBER: _ClassVar[int]
    envelope: str
    def __init__(self, envelope: _Optional[str] = ...) -> None: ...

class InclusionProof(_message.Message):
    __slots__ = ("log_index", "root_hash", "tree_size", "hashes", "checkpoint")
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    log_index: int
    root_hash: bytes
    tree_size: int
    hashes: _containers.RepeatedScalarFieldContainer[bytes]
    checkpoint: Checkpoint
    def __init__(self, log_index: _Optional[int] = ..., root_hash: _Optional[bytes] = ..., tree_size: _Optional[int] = ..., hashes: _Optional[_Iterable[bytes]] = ..., checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ...) -> None: ...

class InclusionPromise(_message.Message):
    __slots__ = ("signed_entry_timestamp",)
    SIGNED_ENTRY_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    signed_entry_timestamp: bytes
    def __init__(self, signed_entry_timestamp: _Optional[bytes] = ...) -> None: ...

class TransparencyLogEntry(_message.Message):
    __slots__ = ("log_index", "log_id", "kind_version", "integrated_time", "inclusion_promise", "inclusion_proof", "canonicalized_body")
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    LOG_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_VERSION_FIELD_NUMBER: _ClassVar[int]
    INTEGRATED_TIME_FIELD_NUMBER: _ClassVar[int]
    INCLUSION_PROMISE_FIELD_NUMBER: _ClassVar[int]
    INCLUSION_PROOF_FIELD_NUMBER: _ClassVar[int]
    CANONICALIZED_BODY_FIELD_NUMBER: _ClassVar[int]
    log_index: int
    log_id: _sigstore_common_pb2.LogId
    kind_version: KindVersion
    integrated_time: int
    inclusion_promise: InclusionPromise
    inclusion_proof: InclusionProof
    canonicalized_body: bytes
    def __init__(self, log_index: _Optional[int] = ..., log_id: _Optional[_Union[_sigstore_common_pb2.LogId, _Mapping]] = ..., kind_version: _Optional[_Union[KindVersion, _Mapping]] = ..., integrated_time: _Optional[int] = ..., inclusion_promise: _Optional[_Union[InclusionPromise, _Mapping]] = ..., inclusion_proof: _Optional[_Union[InclusionProof, _Mapping]] = ..., canonicalized_body: _Optional[bytes] = ...) -> None: ...
