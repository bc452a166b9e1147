import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from certus_trust._gen import sigstore_bundle_pb2 as _sigstore_bundle_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InnerSignature(_message.Message):
    __slots__ = ("signer", "timestamp", "signature", "algorithm", "certificate", "bundle")
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_FIELD_NUMBER: _ClassVar[int]
    signer: str
    timestamp: str
    signature: str
    algorithm: str
    certificate: str
    bundle: _sigstore_bundle_pb2.Bundle
    def __init__(self, signer: _Optional[str] = ..., timestamp: _Optional[str] = ..., signature: _Optional[str] = ..., algorithm: _Optional[str] = ..., certificate: _Optional[str] = ..., bundle: _Optional[_Union[_sigstore_bundle_pb2.Bundle, _Mapping]] = ...) -> None: ...

class UploadArtifact(_message.Message):
    __slots__ = ("name", "hash", "size", "signature")
    NAME_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    name: str
    hash: str
    size: int
    signature: str
    def __init__(self, name: _Optional[str] = ..., hash: _Optional[str] = ..., size: _Optional[int] = ..., signature: _Optional[str] = ...) -> None: ...

class ScanMetadata(_message.Message):
    __slots__ = ("git_url", "branch", "commit", "requested_by")
    GIT_URL_FIELD_NUMBER: _ClassVar[int]
    BRANCH_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    git_url: str
    branch: str
    commit: str
    requested_by: str
    def __init__(self, git_url: _Optional[str] = ..., branch: _Optional[str] = ..., commit: _Optional[str] = ..., requested_by: _Optional[str] = ...) -> None: ...

class StorageDestinations(_message.Message):
    __slots__ = ("raw_s3", "oci_registry")
    RAW_S3_FIELD_NUMBER: _ClassVar[int]
    OCI_REGISTRY_FIELD_NUMBER: _ClassVar[int]
    raw_s3: bool
    oci_registry: bool
    def __init__(self, raw_s3: _Optional[bool] = ..., oci_registry: _Optional[bool] = ...) -> None: ...

class VerifyAndPermitUploadRequest(_message.Message):
    __slots__ = ("scan_id", "tier", "inner_signature", "artifacts", "metadata", "storage_destinations")
    SCAN_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    INNER_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    ARTIFACTS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STORAGE_DESTINATIONS_FIELD_NUMBER: _ClassVar[int]
    scan_id: str
    tier: str
    inner_signature: InnerSignature
    artifacts: _containers.RepeatedCompositeFieldContainer[UploadArtifact]
    metadata: ScanMetadata
    storage_destinations: StorageDestinations
    def __init__(self, scan_id: _Optional[str] = ..., tier: _Optional[str] = ..., inner_signature: _Optional[_Union[InnerSignature, _Mapping]] = ..., artifacts: _Optional[_Iterable[_Union[UploadArtifact, _Mapping]]] = ..., metadata: _Optional[_Union[ScanMetadata, _Mapping]] = ..., storage_destinations: _Optional[_Union[StorageDestinations, _Mapping]] = ...) -> None: ...

class VerificationProof(_message.Message):
    __slots__ = ("chain_verified", "inner_signature_valid", "outer_signature_valid", "chain_unbroken", "signer_inner", "signer_outer", "sigstore_timestamp", "verification_timestamp", "rekor_entry_uuid", "cosign_signature")
    CHAIN_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    INNER_SIGNATURE_VALID_FIELD_NUMBER: _ClassVar[int]
    OUTER_SIGNATURE_VALID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_UNBROKEN_FIELD_NUMBER: _ClassVar[int]
    SIGNER_INNER_FIELD_NUMBER: _ClassVar[int]
    SIGNER_OUTER_FIELD_NUMBER: _ClassVar[int]
    SIGSTORE_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    REKOR_ENTRY_UUID_FIELD_NUMBER: _ClassVar[int]
    COSIGN_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    chain_verified: bool
    inner_signature_valid: bool
    outer_signature_valid: bool
    chain_unbroken: bool
    signer_inner: str
    signer_outer: str
    sigstore_timestamp: str
    verification_timestamp: str
    rekor_entry_uuid: str
    cosign_signature: str
    def __init__(self, chain_verified: _Optional[bool] = ..., inner_signature_valid: _Optional[bool] = ..., outer_signature_valid: _Optional[bool] = ..., chain_unbroken: _Optional[bool] = ..., signer_inner: _Optional[str] = ..., signer_outer: _Optional[str] = ..., sigstore_timestamp: _Optional[str] = ..., verification_timestamp: _Optional[str] = ..., rekor_entry_uuid: _Optional[str] = ..., cosign_signature: _Optional[str] = ...) -> None: ...

class StorageConfig(_message.Message):
    __slots__ = ("raw_s3_bucket", "raw_s3_prefix", "oci_registry", "oci_repository", "upload_to_s3", "upload_to_oci")
    RAW_S3_BUCKET_FIELD_NUMBER: _ClassVar[int]
    RAW_S3_PREFIX_FIELD_NUMBER: _ClassVar[int]
    OCI_REGISTRY_FIELD_NUMBER: _ClassVar[int]
    OCI_REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_TO_S3_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_TO_OCI_FIELD_NUMBER: _ClassVar[int]
    raw_s3_bucket: str
    raw_s3_prefix: str
    oci_registry: str
    oci_repository: str
    upload_to_s3: bool
    upload_to_oci: bool
    def __init__(self, raw_s3_bucket: _Optional[str] = ..., raw_s3_prefix: _Optional[str] = ..., oci_registry: _Optional[str] = ..., oci_repository: _Optional[str] = ..., upload_to_s3: _Optional[bool] = ..., upload_to_oci: _Optional[bool] = ...) -> None: ...

class VerifyAndPermitUploadResponse(_message.Message):
    __slots__ = ("upload_permission_id", "scan_id", "tier", "permitted", "reason", "detail", "verification_proof", "storage_config", "outer_bundle")
    UPLOAD_PERMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    SCAN_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    PERMITTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_PROOF_FIELD_NUMBER: _ClassVar[int]
    STORAGE_CONFIG_FIELD_NUMBER: _ClassVar[int]
    OUTER_BUNDLE_FIELD_NUMBER: _ClassVar[int]
    upload_permission_id: str
    scan_id: str
    tier: str
    permitted: bool
    reason: str
    detail: str
    verification_proof: VerificationProof
    storage_config: StorageConfig
    outer_bundle: _sigstore_bundle_pb2.Bundle
    def __init__(self, upload_permission_id: _Optional[str] = ..., scan_id: _Optional[str] = ..., tier: _Optional[str] = ..., permitted: _Optional[bool] = ..., reason: _Optional[str] = ..., detail: _Optional[str] = ..., verification_proof: _Optional[_Union[VerificationProof, _Mapping]] = ..., storage_config: _Optional[_Union[StorageConfig, _Mapping]] = ..., outer_bundle: _Optional[_Union[_sigstore_bundle_pb2.Bundle, _Mapping]] = ...) -> None: ...

class ArtifactLocation(_message.Message):
    __slots__ = ("uri", "digest")
    URI_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    uri: str
    digest: str
    def __init__(self, uri: _Optional[str] = ..., digest: _Optional[str] = ...) -> None: ...

class OuterSignature(_message.Message):
    __slots__ = ("bundle", "rekor_entry_uuid", "cosign_signature", "signer", "timestamp")
    BUNDLE_FIELD_NUMBER: _ClassVar[int]
    REKOR_ENTRY_UUID_FIELD_NUMBER: _ClassVar[int]
    COSIGN_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    bundle: _sigstore_bundle_pb2.Bundle
    rekor_entry_uuid: str
    cosign_signature: str
    signer: str
    timestamp: str
    def __init__(self, bundle: _Optional[_Union[_sigstore_bundle_pb2.Bundle, _Mapping]] = ..., rekor_entry_uuid: _Optional[str] = ..., cosign_signature: _Optional[str] = ..., signer: _Optional[str] = ..., timestamp: _Optional[str] = ...) -> None: ...

class ChainSignatures(_message.Message):
    __slots__ = ("inner", "outer")
    INNER_FIELD_NUMBER: _ClassVar[int]
    OUTER_FIELD_NUMBER: _ClassVar[int]
    inner: InnerSignature
    outer: OuterSignature
    def __init__(self, inner: _Optional[_Union[InnerSignature, _Mapping]] = ..., outer: _Optional[_Union[OuterSignature, _Mapping]] = ...) -> None: ...

class VerifyChainRequest(_message.Message):
    __slots__ = ("artifact_locations", "signatures", "sigstore_entry_id")
    class ArtifactLocationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ArtifactLocation
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ArtifactLocation, _Mapping]] = ...) -> None: ...
    ARTIFACT_LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    SIGSTORE_ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    artifact_locations: _containers.MessageMap[str, ArtifactLocation]
    signatures: ChainSignatures
    sigstore_entry_id: str
    def __init__(self, artifact_locations: _Optional[_Mapping[str, ArtifactLocation]] = ..., signatures: _Optional[_Union[ChainSignatures, _Mapping]] = ..., sigstore_entry_id: _Optional[str] = ...) -> None: ...

class ArtifactLocationVerification(_message.Message):
    __slots__ = ("s3_valid", "registry_valid", "digests_match", "content_identical")
    S3_VALID_FIELD_NUMBER: _ClassVar[int]
    REGISTRY_VALID_FIELD_NUMBER: _ClassVar[int]
    DIGESTS_MATCH_FIELD_NUMBER: _ClassVar[int]
    CONTENT_IDENTICAL_FIELD_NUMBER: _ClassVar[int]
    s3_valid: bool
    registry_valid: bool
    digests_match: bool
    content_identical: bool
    def __init__(self, s3_valid: _Optional[bool] = ..., registry_valid: _Optional[bool] = ..., digests_match: _Optional[bool] = ..., content_identical: _Optional[bool] = ...) -> None: ...

class NonRepudiation(_message.Message):
    __slots__ = ("assurance_accountable", "trust_verified", "timestamp_authority", "provenance_chain")
    ASSURANCE_ACCOUNTABLE_FIELD_NUMBER: _ClassVar[int]
    TRUST_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_AUTHORITY_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_CHAIN_FIELD_NUMBER: _ClassVar[int]
    assurance_accountable: bool
    trust_verified: bool
    timestamp_authority: str
    provenance_chain: str
    def __init__(self, assurance_accountable: _Optional[bool] = ..., trust_verified: _Optional[bool] = ..., timestamp_authority: _Optional[str] = ..., provenance_chain: _Optional[str] = ...) -> None: ...

class VerifyChainResponse(_message.Message):
    __slots__ = ("chain_verified", "inner_signature_valid", "outer_signature_valid", "chain_unbroken", "signer_inner", "signer_outer", "sigstore_timestamp", "artifact_locations", "non_repudiation", "reasons", "scan_id")
    CHAIN_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    INNER_SIGNATURE_VALID_FIELD_NUMBER: _ClassVar[int]
    OUTER_SIGNATURE_VALID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_UNBROKEN_FIELD_NUMBER: _ClassVar[int]
    SIGNER_INNER_FIELD_NUMBER: _ClassVar[int]
    SIGNER_OUTER_FIELD_NUMBER: _ClassVar[int]
    SIGSTORE_TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    NON_REPUDIATION_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    SCAN_ID_FIELD_NUMBER: _ClassVar[int]
    chain_verified: bool
    inner_signature_valid: bool
    outer_signature_valid: bool
    chain_unbroken: bool
    signer_inner: str
    signer_outer: str
    sigstore_timestamp: _timestamp_pb2.Timestamp
    artifact_locations: ArtifactLocationVerification
    non_repudiation: NonRepudiation
    reasons: _containers.RepeatedScalarFieldContainer[str]
    scan_id: str
    def __init__(self, chain_verified: _Optional[bool] = ..., inner_signature_valid: _Optional[bool] = ..., outer_signature_valid: _Optional[bool] = ..., chain_unbroken: _Optional[bool] = ..., signer_inner: _Optional[str] = ..., signer_outer: _Optional[str] = ..., sigstore_timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., artifact_locations: _Optional[_Union[ArtifactLocationVerification, _Mapping]] = ..., non_repudiation: _Optional[_Union[NonRepudiation, _Mapping]] = ..., reasons: _Optional[_Iterable[str]] = ..., scan_id: _Optional[str] = ...) -> None: ...

class LegacySignRequest(_message.Message):
    __slots__ = ("artifact", "artifact_type", "subject", "predicates")
    ARTIFACT_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PREDICATES_FIELD_NUMBER: _ClassVar[int]
    artifact: str
    artifact_type: str
    subject: str
    predicates: _struct_pb2.Struct
    def __init__(self, artifact: _Optional[str] = ..., artifact_type: _Optional[str] = ..., subject: _Optional[str] = ..., predicates: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class LegacyTransparencyEntry(_message.Message):
    __slots__ = ("uuid", "index", "timestamp")
    UUID_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    uuid: str
    index: int
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, uuid: _Optional[str] = ..., index: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LegacySignResponse(_message.Message):
    __slots__ = ("entry_id", "signature", "certificate", "transparency_entry", "bundle")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_FIELD_NUMBER: _ClassVar[int]
    TRANSPARENCY_ENTRY_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_FIELD_NUMBER: _ClassVar[int]
    entry_id: str
    signature: str
    certificate: str
    transparency_entry: LegacyTransparencyEntry
    bundle: _sigstore_bundle_pb2.Bundle
    def __init__(self, entry_id: _Optional[str] = ..., signature: _Optional[str] = ..., certificate: _Optional[str] = ..., transparency_entry: _Optional[_Union[LegacyTransparencyEntry, _Mapping]] = ..., bundle: _Optional[_Union[_sigstore_bundle_pb2.Bundle, _Mapping]] = ...) -> None: ...

class GetStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class VerificationStats(_message.Message):
    __slots__ = ("total", "successful", "failed")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    SUCCESSFUL_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    total: int
    successful: int
    failed: int
    def __init__(self, total: _Optional[int] = ..., successful: _Optional[int] = ..., failed: _Optional[int] = ...) -> None: ...

class GetStatsResponse(_message.Message):
    __slots__ = ("total_signatures", "total_transparency_entries", "verification_stats", "signers", "timestamp", "upload_permissions", "uploads_permitted")
    TOTAL_SIGNATURES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TRANSPARENCY_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_STATS_FIELD_NUMBER: _ClassVar[int]
    SIGNERS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    UPLOADS_PERMITTED_FIELD_NUMBER: _ClassVar[int]
    total_signatures: int
    total_transparency_entries: int
    verification_stats: VerificationStats
    signers: _containers.RepeatedScalarFieldContainer[str]
    timestamp: _timestamp_pb2.Timestamp
    upload_permissions: int
    uploads_permitted: int
    def __init__(self, total_signatures: _Optional[int] = ..., total_transparency_entries: _Optional[int] = ..., verification_stats: _Optional[_Union[VerificationStats, _Mapping]] = ..., signers: _Optional[_Iterable[str]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., upload_permissions: _Optional[int] = ..., uploads_permitted: _Optional[int] = ...) -> None: ...

class GetProvenanceRequest(_message.Message):
    __slots__ = ("scan_id",)
    SCAN_ID_FIELD_NUMBER: _ClassVar[int]
    scan_id: str
    def __init__(self, scan_id: _Optional[str] = ...) -> None: ...

class ManifestProvenance(_message.Message):
    __slots__ = ("digest", "signed_by", "signed_at", "signature", "log_entry_uuid")
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    SIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    LOG_ENTRY_UUID_FIELD_NUMBER: _ClassVar[int]
    digest: str
    signed_by: str
    signed_at: str
    signature: str
    log_entry_uuid: str
    def __init__(self, digest: _Optional[str] = ..., signed_by: _Optional[str] = ..., signed_at: _Optional[str] = ..., signature: _Optional[str] = ..., log_entry_uuid: _Optional[str] = ...) -> None: ...

class PermissionRecord(_message.Message):
    __slots__ = ("upload_permission_id", "tier", "permitted", "reason", "detail", "decided_at", "verification_proof", "artifacts", "transform_callback")
    UPLOAD_PERMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    TIER_FIELD_NUMBER: _ClassVar[int]
    PERMITTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_PROOF_FIELD_NUMBER: _ClassVar[int]
    ARTIFACTS_FIELD_NUMBER: _ClassVar[int]
    TRANSFORM_CALLBACK_FIELD_NUMBER: _ClassVar[int]
    upload_permission_id: str
    tier: str
    permitted: bool
    reason: str
    detail: str
    decided_at: _timestamp_pb2.Timestamp
    verification_proof: VerificationProof
    artifacts: _containers.RepeatedCompositeFieldContainer[UploadArtifact]
    transform_callback: str
    def __init__(self, upload_permission_id: _Optional[str] = ..., tier: _Optional[str] = ..., permitted: _Optional[bool] = ..., reason: _Optional[str] = ..., detail: _Optional[str] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., verification_proof: _Optional[_Union[VerificationProof, _Mapping]] = ..., artifacts: _Optional[_Iterable[_Union[UploadArtifact, _Mapping]]] = ..., transform_callback: _Optional[str] = ...) -> None: ...

class OuterSignatureProvenance(_message.Message):
    __slots__ = ("signer", "log_entry_uuid", "log_index", "integrated_time", "bundle")
    SIGNER_FIELD_NUMBER: _ClassVar[int]
    LOG_ENTRY_UUID_FIELD_NUMBER: _ClassVar[int]
    LOG_INDEX_FIELD_NUMBER: _ClassVar[int]
    INTEGRATED_TIME_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_FIELD_NUMBER: _ClassVar[int]
    signer: str
    log_entry_uuid: str
    log_index: int
    integrated_time: _timestamp_pb2.Timestamp
    bundle: _sigstore_bundle_pb2.Bundle
    def __init__(self, signer: _Optional[str] = ..., log_entry_uuid: _Optional[str] = ..., log_index: _Optional[int] = ..., integrated_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., bundle: _Optional[_Union[_sigstore_bundle_pb2.Bundle, _Mapping]] = ...) -> None: ...

class VerificationTrailEntry(_message.Message):
    __slots__ = ("timestamp", "verifier", "action", "result", "details", "audit_seq")
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    VERIFIER_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    AUDIT_SEQ_FIELD_NUMBER: _ClassVar[int]
    timestamp: _timestamp_pb2.Timestamp
    verifier: str
    action: str
    result: str
    details: str
    audit_seq: int
    def __init__(self, timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., verifier: _Optional[str] = ..., action: _Optional[str] = ..., result: _Optional[str] = ..., details: _Optional[str] = ..., audit_seq: _Optional[int] = ...) -> None: ...

class GetProvenanceResponse(_message.Message):
    __slots__ = ("scan_id", "manifest", "permissions", "outer_signature", "verification_trail", "chain_status", "trust_level")
    SCAN_ID_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    OUTER_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_TRAIL_FIELD_NUMBER: _ClassVar[int]
    CHAIN_STATUS_FIELD_NUMBER: _ClassVar[int]
    TRUST_LEVEL_FIELD_NUMBER: _ClassVar[int]
    scan_id: str
    manifest: ManifestProvenance
    permissions: _containers.RepeatedCompositeFieldContainer[PermissionRecord]
    outer_signature: OuterSignatureProvenance
    verification_trail: _containers.RepeatedCompositeFieldContainer[VerificationTrailEntry]
    chain_status: str
    trust_level: str
    def __init__(self, scan_id: _Optional[str] = ..., manifest: _Optional[_Union[ManifestProvenance, _Mapping]] = ..., permissions: _Optional[_Iterable[_Union[PermissionRecord, _Mapping]]] = ..., outer_signature: _Optional[_Union[OuterSignatureProvenance, _Mapping]] = ..., verification_trail: _Optional[_Iterable[_Union[VerificationTrailEntry, _Mapping]]] = ..., chain_status: _Optional[str] = ..., trust_level: _Optional[str] = ...) -> None: ...

class GetReadinessRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ComponentStatus(_message.Message):
    __slots__ = ("name", "status", "detail")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    name: str
    status: str
    detail: str
    def __init__(self, name: _Optional[str] = ..., status: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class GetReadinessResponse(_message.Message):
    __slots__ = ("ready", "checks", "timestamp", "components")
    class ChecksEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: bool
        def __init__(self, key: _Optional[str] = ..., value: _Optional[bool] = ...) -> None: ...
    READY_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    ready: bool
    checks: _containers.ScalarMap[str, bool]
    timestamp: _timestamp_pb2.Timestamp
    components: _containers.RepeatedCompositeFieldContainer[ComponentStatus]
    def __init__(self, ready: _Optional[bool] = ..., checks: _Optional[_Mapping[str, bool]] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., components: _Optional[_Iterable[_Union[ComponentStatus, _Mapping]]] = ...) -> None: ...
