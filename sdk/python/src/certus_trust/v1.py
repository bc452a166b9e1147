"""The Certus-Trust v1 messages (generated from proto/certus/trust/v1), under short names."""

from ._gen.certus.trust.v1.certus_integration_pb2 import (
    ArtifactLocation,
    ChainSignatures,
    GetProvenanceResponse,
    GetReadinessResponse,
    GetStatsResponse,
    InnerSignature,
    OuterSignature,
    ScanMetadata,
    StorageConfig,
    StorageDestinations,
    UploadArtifact,
    VerificationProof,
    VerifyAndPermitUploadRequest,
    VerifyAndPermitUploadResponse,
    VerifyChainRequest,
    VerifyChainResponse,
)
from ._gen.certus.trust.v1.common_pb2 import Artifact, Identity, LogEntryRef
from ._gen.certus.trust.v1.keys_pb2 import GetKeysRequest, GetKeysResponse, PublicKeyInfo, TufInfo
from ._gen.certus.trust.v1.sign_pb2 import (
    SIGNATURE_FORMAT_DSSE,
    SIGNATURE_FORMAT_MESSAGE_SIGNATURE,
    SIGNATURE_FORMAT_UNSPECIFIED,
    InnerSigner,
    SignatureFormat,
    SignRequest,
    SignResponse,
)
from ._gen.certus.trust.v1.transparency_pb2 import (
    ConsistencyProof,
    GetTransparencyRequest,
    GetTransparencyResponse,
    InclusionProof,
    TransparencyEntry,
    WatchCheckpointsRequest,
    WatchCheckpointsResponse,
)
from ._gen.certus.trust.v1.verify_pb2 import (
    ExpectedSigner,
    VerificationFailure,
    VerifiedTimestamp,
    VerifyRequest,
    VerifyResponse,
    VerifyResult,
)
from ._gen.sigstore_bundle_pb2 import Bundle
from ._gen.sigstore_trustroot_pb2 import SigningConfig, TrustedRoot

__all__ = [
    "ArtifactLocation", "ChainSignatures", "GetProvenanceResponse", "GetReadinessResponse", "GetStatsResponse",
    "InnerSignature", "OuterSignature", "ScanMetadata", "StorageConfig", "StorageDestinations", "UploadArtifact",
    "VerificationProof", "VerifyAndPermitUploadRequest", "VerifyAndPermitUploadResponse", "VerifyChainRequest",
    "VerifyChainResponse",
    "Artifact", "Identity", "LogEntryRef",
    "GetKeysRequest", "GetKeysResponse", "PublicKeyInfo", "TufInfo",
    "SIGNATURE_FORMAT_DSSE", "SIGNATURE_FORMAT_MESSAGE_SIGNATURE", "SIGNATURE_FORMAT_UNSPECIFIED",
    "InnerSigner", "SignatureFormat", "SignRequest", "SignResponse",
    "ConsistencyProof", "GetTransparencyRequest", "GetTransparencyResponse", "InclusionProof",
    "TransparencyEntry", "WatchCheckpointsRequest", "WatchCheckpointsResponse",
    "ExpectedSigner", "VerificationFailure", "VerifiedTimestamp", "VerifyRequest", "VerifyResponse", "VerifyResult",
    "Bundle", "SigningConfig", "TrustedRoot",
]
