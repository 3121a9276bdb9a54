package httpsig

import (
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParseCavage(t *testing.T) {
	tests := []struct {
		in      string
		want    *CavageParams
		wantErr bool
	}{
		{
			in:   `keyId="k",algorithm="RSA-SHA256",headers="(request-target) Host date",signature="AAEC"`,
			want: &CavageParams{KeyID: "k", Algorithm: "rsa-sha256", Headers: []string{"(request-target)", "host", "date"}, Signature: []byte{0, 1, 2}},
		},
		{
			in:   `Signature keyId="k", signature="AAEC"`,
			want: &CavageParams{KeyID: "k", Headers: []string{"date"}, Signature: []byte{0, 1, 2}},
		},
		{
			in:   ` KEYID = "a\"b" , signature=AAEC, created=1402170695, expires=1402170699.5, unknown="x"`,
			want: &CavageParams{KeyID: `a"b`, Headers: []string{"date"}, Signature: []byte{0, 1, 2}, Created: time.Unix(1402170695, 0), Expires: time.Unix(1402170699, 5e8)},
		},
		{in: `keyId="k",signature="AAEC",keyId="j"`, wantErr: true}, // repeated
		{in: `keyId="k"`, wantErr: true},                            // no signature
		{in: `signature="AAEC"`, wantErr: true},                     // no keyId
		{in: `keyId="k",signature="AAEC`, wantErr: true},            // unterminated
		{in: `keyId="k" signature="AAEC"`, wantErr: true},           // no comma
		{in: `keyId="k",signature="AAEC",headers=""`, wantErr: true},
		{in: `keyId="k",signature="AAEC",created=-1`, wantErr: true},
		{in: `keyId="k",signature="AAEC",created=1.5`, wantErr: true},
		{in: `keyId="k",signature="AAEC",expires=1.`, wantErr: true},
		{in: `keyId="k",signature="%%%"`, wantErr: true},
		{in: "keyId=\"k\x01\",signature=\"AAEC\"", wantErr: true},
		{in: ``, wantErr: true},
		{in: `,,,`, wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseCavage(tt.in)
		if tt.wantErr {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("ParseCavage(%q) = %+v, %v, want ErrMalformed", tt.in, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseCavage(%q) = %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreUnexported(CavageParams{})); diff != "" {
			t.Errorf("ParseCavage(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseSignatureInput(t *testing.T) {
	tests := []struct {
		in      string
		want    []SignatureInput
		reser   []string // SignatureParams of each
		wantErr error
	}{
		{
			in: `sig1=("@method" "@query-param";name="a b" "content-digest");created=1;keyid="k";alg="ed25519";nonce="n";tag="t";x=?0;y=1.50;z=tok;w=:AA==:, sig2=()`,
			want: []SignatureInput{
				{
					Label: "sig1",
					Components: []Component{
						{Name: "@method"},
						{Name: "@query-param", Params: []Param{{"name", "a b"}}},
						{Name: "content-digest"},
					},
					Params: []Param{{"created", int64(1)}, {"keyid", "k"}, {"alg", "ed25519"}, {"nonce", "n"}, {"tag", "t"},
						{"x", false}, {"y", 1.5}, {"z", Token("tok")}, {"w", []byte{0}}},
					Created: time.Unix(1, 0), KeyID: "k", Alg: "ed25519", Nonce: "n", Tag: "t",
				},
				{Label: "sig2"},
			},
			reser: []string{
				`("@method" "@query-param";name="a b" "content-digest");created=1;keyid="k";alg="ed25519";nonce="n";tag="t";x=?0;y=1.5;z=tok;w=:AA==:`,
				`()`,
			},
		},
		{
			// Whitespace and a repeated label: the last value wins, in the
			// first position.
			in: `a=( "x"  "y" );expires=5 ,b=("z"),a=("w");bs`,
			want: []SignatureInput{
				{Label: "a", Components: []Component{{Name: "w"}}, Params: []Param{{"bs", true}}},
				{Label: "b", Components: []Component{{Name: "z"}}},
			},
			reser: []string{`("w");bs`, `("z")`},
		},
		{in: ``, wantErr: ErrMissing},
		{in: `sig1=("@method"`, wantErr: ErrMalformed},
		{in: `sig1="@method"`, wantErr: ErrMalformed}, // not an inner list
		{in: `sig1=(@method)`, wantErr: ErrMalformed}, // a token
		{in: `sig1=("Date")`, wantErr: ErrMalformed},  // not lowercase
		{in: `sig1=("a" "a")`, wantErr: ErrMalformed}, // repeated component
		{in: `sig1=("a");created="1"`, wantErr: ErrMalformed},
		{in: `sig1=("a");keyid=k`, wantErr: ErrMalformed},
		{in: `sig1=("a"),`, wantErr: ErrMalformed},
		{in: `Sig1=("a")`, wantErr: ErrMalformed},
		{in: `sig1=("a");created=1234567890123456`, wantErr: ErrMalformed},
		{in: `sig1=("a");y=1.2345`, wantErr: ErrMalformed},
		{in: `sig1=("a" "b\x")`, wantErr: ErrMalformed},
	}
	for _, tt := range tests {
		got, err := ParseSignatureInput(tt.in)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ParseSignatureInput(%q) = %v, want %v", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSignatureInput(%q) = %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ParseSignatureInput(%q) (-want +got):\n%s", tt.in, diff)
		}
		for i := range got {
			if s := got[i].SignatureParams(); i < len(tt.reser) && s != tt.reser[i] {
				t.Errorf("SignatureParams(%s) = %s, want %s", got[i].Label, s, tt.reser[i])
			}
		}
	}
}

func TestParseSignature(t *testing.T) {
	got, err := ParseSignature(`a=:AAEC:, b=:AQ:`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]byte{"a": {0, 1, 2}, "b": {1}}, got); diff != "" {
		t.Errorf("ParseSignature (-want +got):\n%s", diff)
	}
	for _, in := range []string{`a=:AAEC`, `a=("x")`, `a=1`, `a=:A!:`, `a`} {
		if _, err := ParseSignature(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseSignature(%q) = %v, want ErrMalformed", in, err)
		}
	}
}

func TestCheckDigests(t *testing.T) {
	body := []byte("hello")
	h512 := sha512.Sum512(body)
	b512 := base64.StdEncoding.EncodeToString(h512[:])
	tests := []struct {
		header  string
		value   string
		wantErr bool
	}{
		{"Digest", Digest(body), false},
		{"Digest", "sha-256=" + Digest(body)[len("SHA-256="):], false},
		{"Digest", "SHA-512=" + b512, false},
		{"Digest", "MD5=abc, " + Digest(body), false},
		{"Digest", "MD5=abc", true},
		{"Digest", Digest([]byte("other")), true},
		{"Digest", Digest(body) + ",SHA-512=" + Digest(body)[len("SHA-256="):], true},
		{"Digest", "SHA-256", true},
		{"Digest", "SHA-256=!!", true},
		{"Content-Digest", ContentDigest(body), false},
		{"Content-Digest", "sha-512=:" + b512 + ":", false},
		{"Content-Digest", "md5=:AA==:, " + ContentDigest(body), false},
		{"Content-Digest", ContentDigest([]byte("other")), true},
		{"Content-Digest", "sha-256=abc", true},
		{"Content-Digest", "md5=:AA==:", true},
		{"Content-Digest", "sha-256=:", true},
	}
	for _, tt := range tests {
		h := http.Header{}
		h.Set(tt.header, tt.value)
		err := checkBodyDigest(h, body, true, tt.header == "Content-Digest")
		if (err != nil) != tt.wantErr || err != nil && !errors.Is(err, ErrDigest) {
			t.Errorf("check %s: %s = %v, want error %v", tt.header, tt.value, err, tt.wantErr)
		}
	}
	if err := checkBodyDigest(http.Header{}, nil, false, false); err != nil {
		t.Errorf("check without body or header = %v", err)
	}
}

func TestQueryParam(t *testing.T) {
	m := &message{query: "a=1&b=x%20y+z&c=%7E*&d=1&d=2&e"}
	tests := []struct {
		name, want string
		wantErr    error
	}{
		{"a", "1", nil},
		{"b", "x%20y%20z", nil},
		{"c", "%7E*", nil},
		{"e", "", nil},
		{"d", "", ErrMalformed},
		{"f", "", ErrMissing},
	}
	for _, tt := range tests {
		got, qerr := queryParam(m, Component{Name: "@query-param", Params: []Param{{"name", tt.name}}})
		var err error
		if qerr != nil {
			err = qerr
		}
		if got != tt.want || errorKind(err) != tt.wantErr {
			t.Errorf("queryParam(%s) = %q, %v, want %q, %v", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestPEMErrors(t *testing.T) {
	for _, in := range []string{"", "not pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"} {
		if _, err := ParsePublicKeyPEM([]byte(in)); err == nil {
			t.Errorf("ParsePublicKeyPEM(%q) succeeded", in)
		}
		if _, err := ParsePrivateKeyPEM([]byte(in)); err == nil {
			t.Errorf("ParsePrivateKeyPEM(%q) succeeded", in)
		}
	}
}
