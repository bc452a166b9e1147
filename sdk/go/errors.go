package trust

import (
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
)

// Error is a failed call: the RPC code and message, plus the details the server attached.
// It wraps the *connect.Error, so errors.As and connect.CodeOf see through it.
type Error struct {
	// Code is the RPC status code (connect.CodeInvalidArgument, connect.CodeUnimplemented, …).
	Code connect.Code
	// Message is the server's message, safe to show a person.
	Message string
	// Violations are the google.rpc.BadRequest field violations: the fields of an
	// invalid_argument request, or the reasons of a policy refusal (field "policy").
	Violations []FieldViolation
	// RetryAfter is the server's google.rpc.RetryInfo hint for unavailable; zero when absent.
	RetryAfter time.Duration

	cause *connect.Error
}

// FieldViolation is one reason a request was refused.
type FieldViolation struct {
	// Field is the JSON path of the field, e.g. "artifact.digest".
	Field string
	// Description says what is wrong with it.
	Description string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code.String()
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the underlying *connect.Error.
func (e *Error) Unwrap() error { return e.cause }

// CodeOf returns the code of an error returned by a Client (connect.CodeUnknown for others).
func CodeOf(err error) connect.Code { return connect.CodeOf(err) }

// wrapError turns a connect failure into an *Error; other errors (nil, context) pass through.
func wrapError(err error) error {
	var ce *connect.Error
	if err == nil || !errors.As(err, &ce) {
		return err
	}
	out := &Error{Code: ce.Code(), Message: ce.Message(), cause: ce}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue // a detail type this client does not know
		}
		switch m := v.(type) {
		case *errdetails.BadRequest:
			for _, fv := range m.GetFieldViolations() {
				out.Violations = append(out.Violations, FieldViolation{Field: fv.GetField(), Description: fv.GetDescription()})
			}
		case *errdetails.RetryInfo:
			out.RetryAfter = m.GetRetryDelay().AsDuration()
		}
	}
	return out
}
