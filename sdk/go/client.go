package trust

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"os"
	"sync"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/certus-tap/certus-trust/sdk/go/gen/certus/trust/v1/trustv1connect"
)

// APIKeyHeader is the header that carries the key given with WithAPIKey.
const APIKeyHeader = "X-Api-Key"

// Client calls Certus-Trust. It is safe for concurrent use.
type Client struct {
	rpc trustv1connect.TrustServiceClient

	rootMu sync.Mutex
	root   *TrustedRoot
}

// Option configures NewClient.
type Option func(*options)

type options struct {
	grpc       bool
	apiKey     string
	httpClient connect.HTTPClient
}

// WithGRPC speaks gRPC instead of Connect. Over http:// it uses HTTP/2 without TLS (h2c, which
// the service accepts on its one port); over https:// HTTP/2 negotiated by TLS.
func WithGRPC() Option { return func(o *options) { o.grpc = true } }

// WithAPIKey sends key with every call (in the X-Api-Key header).
func WithAPIKey(key string) Option { return func(o *options) { o.apiKey = key } }

// WithHTTPClient uses c for every call (for TLS settings, proxies, timeouts). With WithGRPC, c
// must speak HTTP/2 to the server.
func WithHTTPClient(c connect.HTTPClient) Option { return func(o *options) { o.httpClient = c } }

// NewClient returns a client for the service at baseURL (e.g. "http://127.0.0.1:8888").
// It speaks Connect (binary protobuf) unless WithGRPC is given.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("trust: base URL must be http(s)://host[:port], got %q", baseURL)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	hc := o.httpClient
	if hc == nil {
		hc = defaultHTTPClient(o.grpc, u.Scheme == "http")
	}
	var copts []connect.ClientOption
	if o.grpc {
		copts = append(copts, connect.WithGRPC())
	}
	if o.apiKey != "" {
		copts = append(copts, connect.WithInterceptors(apiKeyInterceptor(o.apiKey)))
	}
	return &Client{rpc: trustv1connect.NewTrustServiceClient(hc, baseURL, copts...)}, nil
}

func defaultHTTPClient(grpc, plaintext bool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if grpc {
		var p http.Protocols
		if plaintext {
			p.SetUnencryptedHTTP2(true)
		} else {
			p.SetHTTP2(true)
		}
		t.Protocols = &p
	}
	return &http.Client{Transport: t}
}

// orEmpty returns req, or a new empty request when req is nil.
func orEmpty[T any](req *T) *T {
	if req == nil {
		return new(T)
	}
	return req
}

func unary[Req, Res any](ctx context.Context, call func(context.Context, *connect.Request[Req]) (*connect.Response[Res], error), req *Req) (*Res, error) {
	res, err := call(ctx, connect.NewRequest(orEmpty(req)))
	if err != nil {
		return nil, wrapError(err)
	}
	return res.Msg, nil
}

// Sign signs an artifact with the service's identity after checking any inner bundles against
// the signer policy. The returned bundle's log entry is durable.
func (c *Client) Sign(ctx context.Context, req *SignRequest) (*SignResponse, error) {
	return unary(ctx, c.rpc.Sign, req)
}

// Verify verifies bundles over an artifact. A well-formed request succeeds whatever the
// verdict: read Verified and Failures.
func (c *Client) Verify(ctx context.Context, req *VerifyRequest) (*VerifyResponse, error) {
	return unary(ctx, c.rpc.Verify, req)
}

// GetTransparency looks up log entries with inclusion proofs, or a consistency proof.
func (c *Client) GetTransparency(ctx context.Context, req *GetTransparencyRequest) (*GetTransparencyResponse, error) {
	return unary(ctx, c.rpc.GetTransparency, req)
}

// GetKeys returns the trusted root, the public keys and where the TUF repository is.
func (c *Client) GetKeys(ctx context.Context, req *GetKeysRequest) (*GetKeysResponse, error) {
	return unary(ctx, c.rpc.GetKeys, req)
}

// WatchCheckpoints yields the log's current signed checkpoint, then each new one, until ctx
// ends, the server closes the stream, or the loop stops (which closes the stream). A failure is
// yielded once, as the error of the last pair.
func (c *Client) WatchCheckpoints(ctx context.Context, req *WatchCheckpointsRequest) iter.Seq2[*WatchCheckpointsResponse, error] {
	return func(yield func(*WatchCheckpointsResponse, error) bool) {
		stream, err := c.rpc.WatchCheckpoints(ctx, connect.NewRequest(orEmpty(req)))
		if err != nil {
			yield(nil, wrapError(err))
			return
		}
		defer stream.Close()
		for stream.Receive() {
			if !yield(stream.Msg(), nil) {
				return
			}
		}
		if err := stream.Err(); err != nil {
			yield(nil, wrapError(err))
		}
	}
}

// SignDigest signs an artifact known by its digest ("sha256:<64 hex>"); uri names it in the
// signed statement and may be empty. The format is DSSE unless one is given.
func (c *Client) SignDigest(ctx context.Context, digest, uri string, format ...SignatureFormat) (*SignResponse, error) {
	req := &SignRequest{Artifact: &Artifact{Digest: digest, Uri: uri}}
	if len(format) > 0 {
		req.Format = format[0]
	}
	return c.Sign(ctx, req)
}

// SLSAProvenanceV1 is the SLSA provenance v1 predicate type.
const SLSAProvenanceV1 = "https://slsa.dev/provenance/v1"

// AttestDigest has the service sign the caller's own in-toto predicate (JSON text of one object,
// at most 256 KiB) of predicateType about an artifact known by its digest; uri names it in the
// statement's subject and may be empty. The service's policy must let the caller have that
// predicate type signed; otherwise the error's code is connect.CodeFailedPrecondition.
func (c *Client) AttestDigest(ctx context.Context, digest, uri, predicateType string, predicateJSON []byte) (*SignResponse, error) {
	return c.Sign(ctx, &SignRequest{
		Artifact:  &Artifact{Digest: digest, Uri: uri},
		Statement: &CallerStatement{PredicateType: predicateType, PredicateJson: string(predicateJSON)},
	})
}

// VerifyBundleFile verifies the Sigstore bundle in the file at path (bundle.sigstore.json) over
// an artifact digest ("sha256:<64 hex>", "sha384:<96 hex>" or "sha512:<128 hex>") against signer.
func (c *Client) VerifyBundleFile(ctx context.Context, path, digest string, signer *ExpectedSigner) (*VerifyResponse, error) {
	bundle, err := ReadBundleFile(path)
	if err != nil {
		return nil, err
	}
	return c.Verify(ctx, &VerifyRequest{Artifact: &Artifact{Digest: digest}, Bundle: bundle, ExpectedSigner: signer})
}

// ReadBundleFile reads a Sigstore bundle from its JSON file.
func ReadBundleFile(path string) (*Bundle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var b Bundle
	if err := protojson.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("trust: %s is not a Sigstore bundle: %w", path, err)
	}
	return &b, nil
}

// TrustedRoot returns the service's Sigstore trusted root, fetched on first use and cached.
func (c *Client) TrustedRoot(ctx context.Context) (*TrustedRoot, error) {
	c.rootMu.Lock()
	defer c.rootMu.Unlock()
	if c.root != nil {
		return c.root, nil
	}
	keys, err := c.GetKeys(ctx, nil)
	if err != nil {
		return nil, err
	}
	if keys.GetTrustedRoot() == nil {
		return nil, errors.New("trust: the service returned no trusted root")
	}
	c.root = keys.GetTrustedRoot()
	return c.root, nil
}

// apiKeyInterceptor adds the API key header to every outgoing call.
type apiKeyInterceptor string

func (k apiKeyInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		req.Header().Set(APIKeyHeader, string(k))
		return next(ctx, req)
	}
}

func (k apiKeyInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		conn.RequestHeader().Set(APIKeyHeader, string(k))
		return conn
	}
}

func (k apiKeyInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}
