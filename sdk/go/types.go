package trust

import (
	trustv1 "github.com/certus-tap/certus-trust/sdk/go/gen/certus/trust/v1"
	bundlev1 "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	trustrootv1 "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
)

// The generated request and response messages, under short names.
type (
	Artifact                 = trustv1.Artifact
	Identity                 = trustv1.Identity
	LogEntryRef              = trustv1.LogEntryRef
	SignRequest              = trustv1.SignRequest
	SignResponse             = trustv1.SignResponse
	SignatureFormat          = trustv1.SignatureFormat
	CallerStatement          = trustv1.CallerStatement
	StatementSummary         = trustv1.StatementSummary
	VerifyRequest            = trustv1.VerifyRequest
	VerifyResponse           = trustv1.VerifyResponse
	ExpectedSigner           = trustv1.ExpectedSigner
	VerificationFailure      = trustv1.VerificationFailure
	GetTransparencyRequest   = trustv1.GetTransparencyRequest
	GetTransparencyResponse  = trustv1.GetTransparencyResponse
	GetKeysRequest           = trustv1.GetKeysRequest
	GetKeysResponse          = trustv1.GetKeysResponse
	WatchCheckpointsRequest  = trustv1.WatchCheckpointsRequest
	WatchCheckpointsResponse = trustv1.WatchCheckpointsResponse

	// Bundle is a Sigstore bundle (bundle.sigstore.json).
	Bundle = bundlev1.Bundle
	// TrustedRoot is a Sigstore trusted root (trusted_root.json).
	TrustedRoot = trustrootv1.TrustedRoot
)

// The signature formats Sign accepts.
const (
	FormatDSSE             = trustv1.SignatureFormat_SIGNATURE_FORMAT_DSSE
	FormatMessageSignature = trustv1.SignatureFormat_SIGNATURE_FORMAT_MESSAGE_SIGNATURE
)
