"""A minimal Connect-protocol client over HTTP/1.1 (binary protobuf), standard library only.

Unary calls POST ``application/proto``; server-streaming calls POST one enveloped message as
``application/connect+proto`` and read enveloped messages until the end-of-stream frame, whose
JSON carries the error, if any (https://connectrpc.com/docs/protocol).
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import struct
import urllib.parse
from typing import Iterator, Mapping, Optional, Type, TypeVar

from google.protobuf.message import Message

from ._errors import Code, TrustError, from_connect_error

M = TypeVar("M", bound=Message)

#: Envelope flags (Connect streaming): compressed payload and end of stream.
_FLAG_COMPRESSED = 0x01
_FLAG_END_STREAM = 0x02
#: The largest message this client accepts (bytes); the server's own limits are smaller.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


class ConnectTransport:
    """Calls one service over Connect. Each call opens its own connection (no pooling), which
    keeps the client thread-safe at the cost of a TCP handshake per call."""

    def __init__(self, base_url: str, headers: Mapping[str, str], ssl_context: Optional[ssl.SSLContext] = None):
        url = urllib.parse.urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"base_url must be an http:// or https:// URL, got {base_url!r}")
        self._https = url.scheme == "https"
        self._host = url.hostname
        self._port = url.port or (443 if self._https else 80)
        self._prefix = url.path.rstrip("/")
        self._headers = dict(headers)
        self._ssl = ssl_context

    def _connection(self, timeout: Optional[float]) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, timeout=timeout, context=self._ssl)
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout)

    def _post(self, path: str, body: bytes, content_type: str, timeout: Optional[float]):
        conn = self._connection(timeout)
        headers = {**self._headers, "content-type": content_type, "connect-protocol-version": "1"}
        if timeout is not None:
            headers["connect-timeout-ms"] = str(max(1, int(timeout * 1000)))
        try:
            conn.request("POST", f"{self._prefix}{path}", body=body, headers=headers)
            return conn, conn.getresponse()
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            raise _transport_error(e) from e

    def unary(self, path: str, request: Message, response_type: Type[M], timeout: Optional[float]) -> M:
        """Sends one request and returns the decoded response, or raises TrustError."""
        conn, resp = self._post(path, request.SerializeToString(), "application/proto", timeout)
        try:
            data = resp.read(MAX_MESSAGE_BYTES + 1)
        except (OSError, http.client.HTTPException) as e:
            raise _transport_error(e) from e
        finally:
            conn.close()
        if resp.status != 200:
            raise from_connect_error(_json_or_none(data), resp.status)
        if len(data) > MAX_MESSAGE_BYTES:
            raise TrustError(Code.RESOURCE_EXHAUSTED, "response larger than the client accepts")
        return _decode(response_type, data)

    def server_stream(self, path: str, request: Message, response_type: Type[M], timeout: Optional[float]) -> Iterator[M]:
        """Sends one request and yields each response until the stream ends; closing the
        generator (or leaving a ``for`` loop) closes the connection."""
        payload = request.SerializeToString()
        conn, resp = self._post(path, struct.pack(">BI", 0, len(payload)) + payload, "application/connect+proto", timeout)
        try:
            if resp.status != 200:
                raise from_connect_error(_json_or_none(resp.read(MAX_MESSAGE_BYTES)), resp.status)
            while True:
                header = _read_exactly(resp, 5)
                if header is None:
                    raise TrustError(Code.INTERNAL, "stream ended without an end-of-stream frame")
                flags, size = struct.unpack(">BI", header)
                if size > MAX_MESSAGE_BYTES:
                    raise TrustError(Code.RESOURCE_EXHAUSTED, "stream message larger than the client accepts")
                body = _read_exactly(resp, size) if size else b""
                if body is None:
                    raise TrustError(Code.INTERNAL, "stream ended inside a message")
                if flags & _FLAG_COMPRESSED:
                    raise TrustError(Code.INTERNAL, "compressed stream message, but none was asked for")
                if flags & _FLAG_END_STREAM:
                    end = _json_or_none(body)
                    error = end.get("error") if isinstance(end, dict) else None
                    if error:
                        raise from_connect_error(error, 200)
                    return
                yield _decode(response_type, body)
        except (OSError, http.client.HTTPException) as e:
            raise _transport_error(e) from e
        finally:
            conn.close()


def _read_exactly(resp: http.client.HTTPResponse, n: int) -> Optional[bytes]:
    buf = b""
    while len(buf) < n:
        chunk = resp.read(n - len(buf))
        if not chunk:
            return None if not buf or len(buf) < n else buf
        buf += chunk
    return buf


def _decode(response_type: Type[M], data: bytes) -> M:
    msg = response_type()
    try:
        msg.ParseFromString(data)
    except Exception as e:  # DecodeError: the server sent something that is not the message
        raise TrustError(Code.INTERNAL, f"undecodable {response_type.DESCRIPTOR.full_name}") from e
    return msg


def _json_or_none(data: bytes):
    try:
        return json.loads(data)
    except ValueError:
        return None


def _transport_error(e: Exception) -> TrustError:
    if isinstance(e, (socket.timeout, TimeoutError)):
        return TrustError(Code.DEADLINE_EXCEEDED, str(e) or "timed out")
    return TrustError(Code.UNAVAILABLE, f"cannot reach the server: {e}")
