"""The Certus helpers against a real server, sync and asyncio, over gRPC and Connect: the
prototype's JSON bodies go in unchanged (None fields included), refusals come back as answers with
a reason, and verify_chain reports each flag."""

from __future__ import annotations

import hashlib

import pytest

from certus_trust import AsyncTrustClient, TrustClient, TrustError
from certus_trust import v1

PROTOCOLS = ["grpc", "connect"]


def assurance_body(signature: str, artifacts: list[dict] | None = None) -> dict:
    """What Certus-Assurance's hand-written client posts (dataclasses.asdict: None stays None)."""
    digest = "sha256:" + hashlib.sha256(b"trivy").hexdigest()
    return {
        "scan_id": "scan_py_1",
        "tier": "verified",
        "inner_signature": {"signer": "certus-assurance@certus.cloud", "timestamp": "2026-01-15T14:32:45Z",
                            "signature": signature, "algorithm": "SHA256-ECDSA", "certificate": None},
        "artifacts": [{"name": "trivy.sarif.json", "hash": digest, "size": 5}] if artifacts is None else artifacts,
        "metadata": {"git_url": "https://github.com/certus/demo.git", "branch": "main", "commit": "abc123", "requested_by": None},
        "storage_destinations": {"raw_s3": True, "oci_registry": True},
    }


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_permit_upload_refusals_and_verify_chain(server_url: str, protocol: str) -> None:
    with TrustClient(server_url, protocol=protocol, timeout=30) as trust:
        refused = trust.permit_upload(assurance_body("base64-encoded-signature"))
        assert refused["permitted"] is False
        assert refused["reason"] == "placeholder_signature"
        assert refused["upload_permission_id"] and refused["scan_id"] == "scan_py_1"
        empty = trust.verify_and_permit_upload(assurance_body("MEUCIQ==", artifacts=[]))
        assert isinstance(empty, v1.VerifyAndPermitUploadResponse)
        assert (empty.permitted, empty.reason) == (False, "no_artifacts")

        chain = trust.verify_chain({
            "artifact_locations": {"s3": {"uri": "s3://certus-raw/demo/manifest.json", "digest": "sha256:" + "0" * 64}},
            "signatures": {"inner": None, "outer": None},
            "sigstore_entry_id": None,
        })
        assert chain.chain_verified is False and chain.outer_signature_valid is False
        assert any(reason.startswith("outer:") for reason in chain.reasons)
        by_fields = trust.verify_chain(artifact_locations={"registry": {"uri": "oci://registry/x", "digest": ""}})
        assert by_fields.artifact_locations.registry_valid is False

        with pytest.raises(ValueError):
            trust.permit_upload({**assurance_body("x"), "unexpected": 1})
        with pytest.raises(TrustError):
            trust.permit_upload({**assurance_body("x"), "tier": "gold"})

        assert trust.get_readiness().checks["rekor"] is True
        assert trust.get_stats().total_transparency_entries >= 0


@pytest.mark.asyncio
@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_async_permit_upload(server_url: str, protocol: str) -> None:
    async with AsyncTrustClient(server_url, protocol=protocol, timeout=30) as trust:
        refused = await trust.permit_upload(assurance_body("mock-signature-1234"))
        assert (refused["permitted"], refused["reason"]) == (False, "placeholder_signature")
        provenance = await trust.get_provenance("scan_py_1")
        assert provenance.chain_status == "broken"
        assert any(p.reason == "placeholder_signature" for p in provenance.permissions)
