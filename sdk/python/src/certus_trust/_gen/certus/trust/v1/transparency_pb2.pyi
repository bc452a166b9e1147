import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SearchScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEARCH_SCOPE_UNSPECIFIED: _ClassVar[SearchScope]
    SEARCH_SCOPE_LOG: _ClassVar[SearchScope]
    SEARCH_SCOPE_SERVICE: _ClassVar[SearchScope]
SEARCH_SCOPE_UNSPECIFIED: SearchScope
SEARCH_SCOPE_LOG: SearchScope
SEARCH_SCOPE_SERVICE: SearchScope

class GetTransparencyRequest(_message.Message):
    __slots__ = ("digest", "subject", "log_index", "uuid", "tree_size", "page_size", "page_token", "first_size", "last_size")
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    UUID_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FIRST_SIZE_FIELD_NUMBER: _ClassVar[int]
    LAST_SIZE_FIELD_NUMBER: _ClassVar[int]
    digest: str
    subject: str
    log_index: int
    uuid: str
    tree_size: int
    page_size: int
    page_token: str
    first_size: int
    last_size: int
    def __init__(self, digest: _Optional[str] = ..., subject: _Optional[str] = ..., log_index: _Optional[int] = ..., uuid: _Optional[str] = ..., tree_size: _Optional[int] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., first_size: _Optional[int] = ..., last_size: _Optional[int] = ...) -> None: ...

class InclusionProof(_message.Message):
    __slots__ = ("log_index", "tree_size", "root_hash", "hashes", "checkpoint")
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    log_index: int
    tree_size: int
    root_hash: bytes
    hashes: _containers.RepeatedScalarFieldContainer[bytes]
    checkpoint: str
    def __init__(self, log_index: _Optional[int] = ..., tree_size: _Optional[int] = ..., root_hash: _Optional[bytes] = ..., hashes: _Optional[_Iterable[bytes]] = ..., checkpoint: _Optional[str] = ...) -> None: ...

class TransparencyEntry(_message.Message):
    __slots__ = ("log_index", "uuid", "body", "integrated_time", "inclusion_proof", "kind_version", "rekor_version", "shard")
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    UUID_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    INTEGRATED_TIME_FIELD_NUMBER: _ClassVar[int]
    INCLUSION_PROOF_FIELD_NUMBER: _ClassVar[int]
    KIND_VERSION_FIELD_NUMBER: _ClassVar[int]
    REKOR_VERSION_FIELD_NUMBER: _ClassVar[int]
    SHARD_FIELD_NUMBER: _ClassVar[int]
    log_index: int
    uuid: str
    body: bytes
    integrated_time: _timestamp_pb2.Timestamp
    inclusion_proof: InclusionProof
    kind_version: str
    rekor_version: int
    shard: str
    def __init__(self, log_index: _Optional[int] = ..., uuid: _Optional[str] = ..., body: _Optional[bytes] = ..., integrated_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., inclusion_proof: _Optional[_Union[InclusionProof, _Mapping]] = ..., kind_version: _Optional[str] = ..., rekor_version: _Optional[int] = ..., shard: _Optional[str] = ...) -> None: ...

class ConsistencyProof(_message.Message):
    __slots__ = ("first_size", "last_size", "hashes", "checkpoint")
    FIRST_SIZE_FIELD_NUMBER: _ClassVar[int]
    LAST_SIZE_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    first_size: int
    last_size: int
    hashes: _containers.RepeatedScalarFieldContainer[bytes]
    checkpoint: str
    def __init__(self, first_size: _Optional[int] = ..., last_size: _Optional[int] = ..., hashes: _Optional[_Iterable[bytes]] = ..., checkpoint: _Optional[str] = ...) -> None: ...

class GetTransparencyResponse(_message.Message):
    __slots__ = ("entries", "checkpoint", "consistency_proof", "next_page_token", "search_scope")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    CONSISTENCY_PROOF_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SEARCH_SCOPE_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[TransparencyEntry]
    checkpoint: str
    consistency_proof: ConsistencyProof
    next_page_token: str
    search_scope: SearchScope
    def __init__(self, entries: _Optional[_Iterable[_Union[TransparencyEntry, _Mapping]]] = ..., checkpoint: _Optional[str] = ..., consistency_proof: _Optional[_Union[ConsistencyProof, _Mapping]] = ..., next_page_token: _Optional[str] = ..., search_scope: _Optional[_Union[SearchScope, str]] = ...) -> None: ...

class WatchCheckpointsRequest(_message.Message):
    __slots__ = ("include_indexes",)
    INCLUDE_INDEXES_FIELD_NUMBER: _ClassVar[int]
    include_indexes: bool
    def __init__(self, include_indexes: _Optional[bool] = ...) -> None: ...

class WatchCheckpointsResponse(_message.Message):
    __slots__ = ("checkpoint", "tree_size", "root_hash", "new_indexes", "published_time")
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    TREE_SIZE_FIELD_NUMBER: _ClassVar[int]
    ROOT_HASH_FIELD_NUMBER: _ClassVar[int]
    NEW_INDEXES_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_TIME_FIELD_NUMBER: _ClassVar[int]
    checkpoint: str
    tree_size: int
    root_hash: bytes
    new_indexes: _containers.RepeatedScalarFieldContainer[int]
    published_time: _timestamp_pb2.Timestamp
    def __init__(self, checkpoint: _Optional[str] = ..., tree_size: _Optional[int] = ..., root_hash: _Optional[bytes] = ..., new_indexes: _Optional[_Iterable[int]] = ..., published_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
