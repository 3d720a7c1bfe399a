package auth

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// answering is a Verifier that records that it was asked and answers p, err.
type answering struct {
	name  string
	p     Principal
	err   error
	asked *[]string
}

func (v *answering) Verify(context.Context, Credential) (Principal, error) {
	*v.asked = append(*v.asked, v.name)
	return v.p, v.err
}

// TestChain: the verifiers are asked in order until one knows the token
// (an answer that is not ErrUnknown, nor an error wrapping it); when none
// does, the last answer is returned.
func TestChain(t *testing.T) {
	t.Parallel()
	alice := Principal{Subject: "alice"}
	expired := Errorf(Expired, "expired")
	wrapped := fmt.Errorf("jwt: %w", ErrUnknown)
	ownUnknown := &Error{Kind: Invalid, Description: "not one of ours", Err: ErrUnknown}
	boom := errors.New("boom")
	type answer struct {
		p   Principal
		err error
	}
	tests := []struct {
		name      string
		answers   []answer // nil entries are nil verifiers
		wantAsked []string
		want      Principal
		wantErr   error
	}{
		{"first knows it", []answer{{alice, nil}, {Principal{Subject: "bob"}, nil}}, []string{"v0"}, alice, nil},
		{"second knows it", []answer{{err: ErrUnknown}, {alice, nil}}, []string{"v0", "v1"}, alice, nil},
		{"a wrapped ErrUnknown passes on", []answer{{err: wrapped}, {alice, nil}}, []string{"v0", "v1"}, alice, nil},
		{"an Error whose cause is ErrUnknown passes on", []answer{{err: ownUnknown}, {alice, nil}}, []string{"v0", "v1"}, alice, nil},
		{"a rejection stops the chain", []answer{{err: expired}, {alice, nil}}, []string{"v0"}, Principal{}, expired},
		{"a failure stops the chain", []answer{{err: boom}, {alice, nil}}, []string{"v0"}, Principal{}, boom},
		{"none knows it: the last answer", []answer{{err: ErrUnknown}, {err: ownUnknown}}, []string{"v0", "v1"}, Principal{}, ownUnknown},
		{"none knows it: the last answer, wrapped", []answer{{err: ownUnknown}, {err: wrapped}}, []string{"v0", "v1"}, Principal{}, wrapped},
		{"three, the third knows it", []answer{{err: ErrUnknown}, {err: wrapped}, {alice, nil}}, []string{"v0", "v1", "v2"}, alice, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var asked []string
			var vs []Verifier
			for i, a := range tt.answers {
				vs = append(vs, nil, &answering{name: fmt.Sprintf("v%d", i), p: a.p, err: a.err, asked: &asked})
			}
			p, err := Chain(vs...).Verify(context.Background(), Credential{Token: "t"})
			if err != tt.wantErr || p.Subject != tt.want.Subject {
				t.Errorf("Verify = %+v, %v; want %+v, %v", p, err, tt.want, tt.wantErr)
			}
			if fmt.Sprint(asked) != fmt.Sprint(tt.wantAsked) {
				t.Errorf("asked %v, want %v", asked, tt.wantAsked)
			}
		})
	}
}

func TestChainOfOneOrNone(t *testing.T) {
	t.Parallel()
	var asked []string
	only := &answering{name: "only", asked: &asked}
	if c := Chain(nil, only, nil); c != Verifier(only) {
		t.Errorf("Chain of one verifier is %T, want the verifier itself", c)
	}
	if _, err := Chain(nil, nil).Verify(context.Background(), Credential{Token: "t"}); err != ErrUnknown {
		t.Errorf("empty chain: %v, want ErrUnknown", err)
	}
}
