"""The asyncio client: grpc.aio for gRPC; the Connect transport runs in worker threads."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Any, Mapping, AsyncIterator, Optional, Union

import grpc
import grpc.aio

from . import _requests as r
from ._connect import ConnectTransport
from ._errors import from_grpc_error
from ._gen import sigstore_trustroot_pb2
from ._gen.certus.trust.v1 import certus_integration_pb2 as certus_pb2
from ._gen.certus.trust.v1 import keys_pb2, sign_pb2, transparency_pb2, trust_service_pb2_grpc, verify_pb2

_DONE = object()


class AsyncTrustClient:
    """The asyncio twin of :class:`TrustClient`: the same methods, awaited, and
    ``watch_checkpoints`` as an async iterator. Create it inside a running event loop; use
    ``async with`` or ``await client.close()``."""

    def __init__(
        self,
        base_url: str,
        api_key: Optional[str] = None,
        protocol: str = "grpc",
        *,
        timeout: Optional[float] = None,
        root_certificates: Optional[bytes] = None,
    ) -> None:
        self.protocol = r.check_protocol(protocol)
        self.timeout = timeout
        self._metadata = ((r.API_KEY_HEADER, api_key),) if api_key else ()
        self._trusted_root: Optional[sigstore_trustroot_pb2.TrustedRoot] = None
        self._root_lock = asyncio.Lock()
        self._channel: Optional[grpc.aio.Channel] = None
        if protocol == "grpc":
            target, tls = r.grpc_target(base_url)
            if tls:
                self._channel = grpc.aio.secure_channel(target, grpc.ssl_channel_credentials(root_certificates))
            else:
                self._channel = grpc.aio.insecure_channel(target)
            self._stub = trust_service_pb2_grpc.TrustServiceStub(self._channel)
        else:
            ctx = ssl.create_default_context(cadata=root_certificates.decode()) if root_certificates else None
            self._connect = ConnectTransport(base_url, dict(self._metadata), ctx)

    async def close(self) -> None:
        """Closes the gRPC channel (a no-op for Connect)."""
        if self._channel is not None:
            await self._channel.close()

    async def __aenter__(self) -> "AsyncTrustClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    # ---- one method per RPC ------------------------------------------------------------------

    async def sign(self, request: Optional[sign_pb2.SignRequest] = None, /, *, timeout: Optional[float] = None, **fields: Any) -> sign_pb2.SignResponse:
        """Signs an artifact with the service's identity; returns the bundle and its log entry."""
        return await self._unary(r.SIGN, r.build(r.SIGN.request, request, fields), timeout)

    async def verify(self, request: Optional[verify_pb2.VerifyRequest] = None, /, *, timeout: Optional[float] = None, **fields: Any) -> verify_pb2.VerifyResponse:
        """Verifies bundles over an artifact; the verdict (``verified``, ``failures``) is in the response."""
        return await self._unary(r.VERIFY, r.build(r.VERIFY.request, request, fields), timeout)

    async def get_transparency(
        self, request: Optional[transparency_pb2.GetTransparencyRequest] = None, /, *, timeout: Optional[float] = None, **fields: Any
    ) -> transparency_pb2.GetTransparencyResponse:
        """Looks up log entries with inclusion proofs, or a consistency proof."""
        return await self._unary(r.GET_TRANSPARENCY, r.build(r.GET_TRANSPARENCY.request, request, fields), timeout)

    async def get_keys(self, request: Optional[keys_pb2.GetKeysRequest] = None, /, *, timeout: Optional[float] = None, **fields: Any) -> keys_pb2.GetKeysResponse:
        """Returns the trusted root, the public keys and where the TUF repository is."""
        return await self._unary(r.GET_KEYS, r.build(r.GET_KEYS.request, request, fields), timeout)

    async def watch_checkpoints(
        self, request: Optional[transparency_pb2.WatchCheckpointsRequest] = None, /, *, timeout: Optional[float] = None, **fields: Any
    ) -> AsyncIterator[transparency_pb2.WatchCheckpointsResponse]:
        """Yields the current signed checkpoint, then each new one; leaving the loop cancels."""
        req = r.build(r.WATCH_CHECKPOINTS.request, request, fields)
        timeout = self.timeout if timeout is None else timeout
        if self._channel is None:
            stream = self._connect.server_stream(r.WATCH_CHECKPOINTS.path, req, r.WATCH_CHECKPOINTS.response, timeout)
            try:
                while (msg := await asyncio.to_thread(next, stream, _DONE)) is not _DONE:
                    yield msg
            finally:
                # Closing a generator another thread may be running is an error; the socket
                # closes with the generator once the thread returns.
                await asyncio.to_thread(stream.close)
            return
        call = self._stub.WatchCheckpoints(req, timeout=timeout, metadata=self._metadata)
        try:
            async for msg in call:
                yield msg
        except grpc.RpcError as e:
            raise from_grpc_error(e) from None
        finally:
            call.cancel()

    # ---- Certus workflows (the prototype's /v1/verify-and-permit-upload, /v1/verify-chain, …) ----

    async def verify_and_permit_upload(
        self, request: Union[certus_pb2.VerifyAndPermitUploadRequest, Mapping[str, Any], None] = None, /, *, timeout: Optional[float] = None, **fields: Any
    ) -> certus_pb2.VerifyAndPermitUploadResponse:
        """Asks permission to store a scan (Certus-Assurance). ``request`` may be the message, or
        the JSON body sent to the prototype (snake_case dict, ``None`` for absent fields). A refusal
        is an answer (``permitted`` false, ``reason``), not an exception."""
        return await self._unary(r.VERIFY_AND_PERMIT_UPLOAD, r.build_from_json(r.VERIFY_AND_PERMIT_UPLOAD.request, request, fields), timeout)

    async def permit_upload(self, body: Union[certus_pb2.VerifyAndPermitUploadRequest, Mapping[str, Any]], *, timeout: Optional[float] = None) -> dict[str, Any]:
        """Drop-in for the hand-written ``POST /v1/verify-and-permit-upload`` client: takes the same
        body (dict or dataclass ``asdict``), returns the same dict (``permitted``, ``reason``,
        ``verification_proof``, ``storage_config``, …)."""
        return r.to_dict(await self.verify_and_permit_upload(body, timeout=timeout))

    async def verify_chain(
        self, request: Union[certus_pb2.VerifyChainRequest, Mapping[str, Any], None] = None, /, *, timeout: Optional[float] = None, **fields: Any
    ) -> certus_pb2.VerifyChainResponse:
        """Checks a scan's inner and outer signatures against the digests of stored copies
        (Certus-Transform, Certus-Ask). Takes the message, the prototype's JSON body as a dict, or
        keyword fields (``artifact_locations=``, ``signatures=``, ``sigstore_entry_id=``); each flag
        of the answer says what holds, ``reasons`` why a flag is false."""
        return await self._unary(r.VERIFY_CHAIN, r.build_from_json(r.VERIFY_CHAIN.request, request, fields), timeout)

    async def get_stats(self, *, timeout: Optional[float] = None) -> certus_pb2.GetStatsResponse:
        """Activity counts from the transparency log and the audit trail."""
        return await self._unary(r.GET_STATS, certus_pb2.GetStatsRequest(), timeout)

    async def get_provenance(self, scan_id: str, *, timeout: Optional[float] = None) -> certus_pb2.GetProvenanceResponse:
        """The recorded chain of a scan (permissions, signatures, every verification since)."""
        return await self._unary(r.GET_PROVENANCE, certus_pb2.GetProvenanceRequest(scan_id=scan_id), timeout)

    async def get_readiness(self, *, timeout: Optional[float] = None) -> certus_pb2.GetReadinessResponse:
        """Probes each component the service depends on."""
        return await self._unary(r.GET_READINESS, certus_pb2.GetReadinessRequest(), timeout)

    # ---- helpers -----------------------------------------------------------------------------

    async def sign_digest(
        self, digest: str, uri: Optional[str] = None, format: Union[str, int] = "dsse", *, policy: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> sign_pb2.SignResponse:
        """Signs an artifact known by its digest; see :meth:`TrustClient.sign_digest`."""
        return await self.sign(r.sign_digest_request(digest, uri, format, policy), timeout=timeout)

    async def attest_digest(
        self, digest: str, predicate_type: str, predicate: Union[str, Mapping[str, Any]], uri: Optional[str] = None, *,
        policy: Optional[str] = None, timeout: Optional[float] = None,
    ) -> sign_pb2.SignResponse:
        """Has the service sign your in-toto predicate; see :meth:`TrustClient.attest_digest`."""
        return await self.sign(r.attest_request(digest, predicate_type, predicate, uri, policy), timeout=timeout)

    async def verify_bundle_file(
        self, path: Union[str, Path], digest: str, *, subject: Optional[str] = None, issuer: Optional[str] = None,
        subject_regexp: Optional[str] = None, policy: Optional[str] = None, predicate_type: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> verify_pb2.VerifyResponse:
        """Verifies a bundle file over an artifact digest; see :meth:`TrustClient.verify_bundle_file`."""
        bundle = await asyncio.to_thread(r.load_bundle, path)
        req = r.verify_bundle_request(bundle, digest, subject, issuer, subject_regexp, policy, predicate_type)
        return await self.verify(req, timeout=timeout)

    async def get_trusted_root(self, *, refresh: bool = False) -> sigstore_trustroot_pb2.TrustedRoot:
        """The service's Sigstore trusted root, fetched once and cached."""
        async with self._root_lock:
            if self._trusted_root is None or refresh:
                self._trusted_root = (await self.get_keys()).trusted_root
            return self._trusted_root

    # ---- plumbing ----------------------------------------------------------------------------

    async def _unary(self, rpc: r.Rpc, request: Any, timeout: Optional[float]) -> Any:
        timeout = self.timeout if timeout is None else timeout
        if self._channel is None:
            return await asyncio.to_thread(self._connect.unary, rpc.path, request, rpc.response, timeout)
        try:
            return await getattr(self._stub, rpc.name)(request, timeout=timeout, metadata=self._metadata)
        except grpc.RpcError as e:
            raise from_grpc_error(e) from None
