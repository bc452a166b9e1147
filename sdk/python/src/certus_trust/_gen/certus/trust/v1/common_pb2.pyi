import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Artifact(_message.Message):
    __slots__ = ("uri", "digest", "content")
    URI_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    uri: str
    digest: str
    content: bytes
    def __init__(self, uri: _Optional[str] = ..., digest: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class Identity(_message.Message):
    __slots__ = ("subject", "issuer")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    subject: str
    issuer: str
    def __init__(self, subject: _Optional[str] = ..., issuer: _Optional[str] = ...) -> None: ...

class LogEntryRef(_message.Message):
    __slots__ = ("log_index", "uuid", "integrated_time", "rekor_version", "shard", "shard_log_index")
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    UUID_FIELD_NUMBER: _ClassVar[int]
    INTEGRATED_TIME_FIELD_NUMBER: _ClassVar[int]
    REKOR_VERSION_FIELD_NUMBER: _ClassVar[int]
    SHARD_FIELD_NUMBER: _ClassVar[int]
    SHARD_LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    log_index: int
    uuid: str
    integrated_time: _timestamp_pb2.Timestamp
    rekor_version: int
    shard: str
    shard_log_index: int
    def __init__(self, log_index: _Optional[int] = ..., uuid: _Optional[str] = ..., integrated_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rekor_version: _Optional[int] = ..., shard: _Optional[str] = ..., shard_log_index: _Optional[int] = ...) -> None: ...
