package trust_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	trust "github.com/certus-tap/certus-trust/sdk/go"
)

// serverURL is the Certus-Trust server TestMain started (or $CERTUS_TRUST_URL).
var serverURL string

// allowPending: with CERTUS_TRUST_SDK_ALLOW_PENDING=1 a test that meets an RPC the server does
// not implement yet is skipped instead of failing.
var allowPending = os.Getenv("CERTUS_TRUST_SDK_ALLOW_PENDING") == "1"

// failureCodes is every code a VerificationFailure may carry (verify.proto).
var failureCodes = []string{
	"SIGNATURE_INVALID", "DIGEST_MISMATCH", "CERT_CHAIN_INVALID", "SIGNER_MISMATCH", "ISSUER_MISMATCH",
	"TLOG_INCLUSION_INVALID", "SET_INVALID", "CHECKPOINT_INVALID", "TLOG_BODY_MISMATCH", "TLOG_MISSING",
	"TIMESTAMP_INVALID", "TIMESTAMP_MISSING", "CERT_EXPIRED_AT_SIGNING", "SCT_INVALID", "TRUST_ROOT_INVALID",
	"BUNDLE_MALFORMED", "KEY_MISMATCH", "PREDICATE_TYPE_MISMATCH",
}

func TestMain(m *testing.M) {
	if u := os.Getenv("CERTUS_TRUST_URL"); u != "" {
		serverURL = u
		os.Exit(m.Run())
	}
	stop, err := startServer()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// startServer runs `node bin/certus-trust.js serve --port 0` from the repository root on a fresh
// data directory and waits for its "listening" log line.
func startServer() (stop func(), err error) {
	repo, _ := filepath.Abs(filepath.Join("..", ".."))
	if r := os.Getenv("CERTUS_TRUST_REPO"); r != "" {
		repo = r
	}
	node := filepath.Join(repo, "node_modules", ".bin", "node")
	if _, err := os.Stat(node); err != nil {
		node = "node"
	}
	dataDir, err := os.MkdirTemp("", "certus-sdk-go-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(node, filepath.Join(repo, "bin", "certus-trust.js"), "serve", "--port", "0", "--data-dir", dataDir, "--log-level", "info")
	cmd.Dir = repo
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start certus-trust: %w", err)
	}
	ready := make(chan string, 1)
	var tail []string
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() { // keeps draining, so the server never blocks on a full pipe
			line := sc.Text()
			tail = append(tail[max(0, len(tail)-40):], line)
			var entry struct{ Msg, URL string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "certus-trust listening" && entry.URL != "" {
				ready <- entry.URL
			}
		}
		close(ready)
	}()
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		_ = os.RemoveAll(dataDir)
	}
	select {
	case u, ok := <-ready:
		if !ok {
			stop()
			return nil, fmt.Errorf("certus-trust exited before listening:\n%s", joinLines(tail))
		}
		serverURL = u
		return stop, nil
	case <-time.After(60 * time.Second):
		stop()
		return nil, fmt.Errorf("certus-trust did not start within 60s:\n%s", joinLines(tail))
	}
}

func joinLines(lines []string) string {
	b, _ := json.Marshal(lines)
	return string(b)
}

// protocols runs f once over Connect and once over gRPC.
func protocols(t *testing.T, f func(t *testing.T, c *trust.Client)) {
	for name, opts := range map[string][]trust.Option{"connect": nil, "grpc": {trust.WithGRPC()}} {
		t.Run(name, func(t *testing.T) {
			c, err := trust.NewClient(serverURL, opts...)
			if err != nil {
				t.Fatal(err)
			}
			f(t, c)
		})
	}
}

// check fails the test on err, or skips it when the RPC is pending and that is allowed.
func check(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if allowPending && trust.CodeOf(err) == connect.CodeUnimplemented {
		t.Skipf("server answered unimplemented (%v); CERTUS_TRUST_SDK_ALLOW_PENDING=1", err)
	}
	t.Fatal(err)
}

func freshDigest(t *testing.T) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	sum := sha256.Sum256([]byte(t.Name() + hex.EncodeToString(b)))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestGetKeysReturnsTheTrustedRoot(t *testing.T) {
	protocols(t, func(t *testing.T, c *trust.Client) {
		ctx := ctxFor(t)
		keys, err := c.GetKeys(ctx, nil)
		check(t, err)
		root := keys.GetTrustedRoot()
		if root == nil && allowPending {
			t.Skip("GetKeys has no trusted root yet; CERTUS_TRUST_SDK_ALLOW_PENDING=1")
		}
		if root == nil || len(root.GetTlogs()) == 0 || len(root.GetCertificateAuthorities()) == 0 {
			t.Fatalf("trusted root missing or incomplete: %v", root)
		}
		cached, err := c.TrustedRoot(ctx)
		check(t, err)
		again, _ := c.TrustedRoot(ctx)
		if cached != again || !proto.Equal(cached, root) {
			t.Fatal("TrustedRoot is not the cached trusted root of GetKeys")
		}
	})
}

func TestErrorsCarryTheCodeAndFieldViolations(t *testing.T) {
	protocols(t, func(t *testing.T, c *trust.Client) {
		_, err := c.SignDigest(ctxFor(t), "sha256:not-hex", "s3://bucket/x")
		var terr *trust.Error
		if !errors.As(err, &terr) {
			t.Fatalf("want *trust.Error, got %T %v", err, err)
		}
		if terr.Code != connect.CodeInvalidArgument {
			check(t, err)
			t.Fatalf("want invalid_argument, got %v", err)
		}
		if connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Fatal("connect.CodeOf does not see through *trust.Error")
		}
		if !slices.ContainsFunc(terr.Violations, func(v trust.FieldViolation) bool { return v.Field == "artifact.digest" }) {
			t.Fatalf("want a violation on artifact.digest, got %+v", terr.Violations)
		}
	})
}

func TestSignVerifyProveAndWatch(t *testing.T) {
	protocols(t, func(t *testing.T, c *trust.Client) {
		ctx := ctxFor(t)
		digest := freshDigest(t)

		next, stop := iterPull(c, ctx)
		defer stop()
		current, err := next()
		check(t, err)

		signed, err := c.SignDigest(ctx, digest, "s3://certus-artifacts/scans/42.json")
		check(t, err)
		index := signed.GetEntry().GetLogIndex()
		if index < current.GetTreeSize() {
			t.Fatalf("new entry %d is below the tree size %d seen before signing", index, current.GetTreeSize())
		}
		for {
			cp, err := next()
			check(t, err)
			if cp.GetTreeSize() > index {
				break
			}
		}
		stop()

		dir := t.TempDir()
		good := writeBundle(t, filepath.Join(dir, "good.sigstore.json"), signed.GetBundle())
		signer := &trust.ExpectedSigner{Subject: signed.GetSigner().GetSubject(), Issuer: signed.GetSigner().GetIssuer()}
		res, err := c.VerifyBundleFile(ctx, good, digest, signer)
		check(t, err)
		if !res.GetVerified() {
			t.Fatalf("own bundle did not verify: %v", res.GetFailures())
		}

		bad := writeBundle(t, filepath.Join(dir, "bad.sigstore.json"), tampered(signed.GetBundle()))
		res, err = c.VerifyBundleFile(ctx, bad, digest, signer)
		check(t, err)
		if res.GetVerified() || len(res.GetFailures()) == 0 {
			t.Fatalf("tampered bundle: want verified=false with failures, got %v", res)
		}
		for _, f := range res.GetFailures() {
			if !slices.Contains(failureCodes, f.GetCode()) {
				t.Fatalf("failure code %q is not in the closed set", f.GetCode())
			}
		}

		proof, err := c.GetTransparency(ctx, &trust.GetTransparencyRequest{LogIndex: proto.Int64(index)})
		check(t, err)
		if len(proof.GetEntries()) != 1 || proof.GetEntries()[0].GetLogIndex() != index {
			t.Fatalf("want the entry at %d, got %v", index, proof.GetEntries())
		}
		inc := proof.GetEntries()[0].GetInclusionProof()
		if inc.GetTreeSize() <= index || len(inc.GetRootHash()) == 0 || inc.GetCheckpoint() == "" {
			t.Fatalf("incomplete inclusion proof: %v", inc)
		}
	})
}

// iterPull opens WatchCheckpoints as a pull iterator.
func iterPull(c *trust.Client, ctx context.Context) (next func() (*trust.WatchCheckpointsResponse, error), stop func()) {
	pull, stop := iter.Pull2(c.WatchCheckpoints(ctx, nil))
	return func() (*trust.WatchCheckpointsResponse, error) {
		cp, err, ok := pull()
		if !ok {
			return nil, errors.New("the checkpoint stream ended")
		}
		return cp, err
	}, stop
}

func writeBundle(t *testing.T, path string, b *trust.Bundle) string {
	data, err := protojson.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// tampered returns a copy of b whose signature has one bit flipped.
func tampered(b *trust.Bundle) *trust.Bundle {
	out := proto.Clone(b).(*trust.Bundle)
	var sig []byte
	if env := out.GetDsseEnvelope(); env != nil && len(env.GetSignatures()) > 0 {
		sig = env.GetSignatures()[0].Sig
	} else if ms := out.GetMessageSignature(); ms != nil {
		sig = ms.Signature
	}
	if len(sig) > 0 {
		sig[len(sig)/2] ^= 0x01
	}
	return out
}

// The session's server runs the built-in policy, which lets no caller have its own predicate
// signed: AttestDigest is refused with failed_precondition (the allowed path is tested in
// test/integration/attest.test.ts with a policy file); a predicate that is not an object is
// invalid_argument.
func TestAttestIsRefusedWithoutAPolicyThatAllowsIt(t *testing.T) {
	protocols(t, func(t *testing.T, c *trust.Client) {
		_, err := c.AttestDigest(ctxFor(t), freshDigest(t), "", trust.SLSAProvenanceV1, []byte(`{"runDetails":{"builder":{"id":"x"}}}`))
		if trust.CodeOf(err) != connect.CodeFailedPrecondition {
			t.Fatalf("want failed_precondition, got %v", err)
		}
		_, err = c.AttestDigest(ctxFor(t), freshDigest(t), "", trust.SLSAProvenanceV1, []byte(`[1,2]`))
		if trust.CodeOf(err) != connect.CodeInvalidArgument {
			t.Fatalf("want invalid_argument, got %v", err)
		}
	})
}
