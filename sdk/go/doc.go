// Package trust is the Go client for Certus-Trust.
//
// The messages and the Connect client are generated from proto/ (package
// github.com/certus-tap/certus-trust/sdk/go/gen/certus/trust/v1 and its trustv1connect);
// Sigstore's messages (bundles, trusted roots) are the github.com/sigstore/protobuf-specs types.
// This package adds a small client over them:
//
//	c, err := trust.NewClient("http://127.0.0.1:8888")            // Connect; trust.WithGRPC() for gRPC
//	res, err := c.SignDigest(ctx, "sha256:9f86…", "s3://bucket/scan.json")
//	for cp, err := range c.WatchCheckpoints(ctx, nil) { … }
//
// Every failed call returns a *Error carrying the connect.Code, the message, and the field
// violations and retry hint the server attached; connect.CodeOf(err) works on it too.
package trust
