package webhook

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

// TestSignMatchesThePublishedVector: the Standard Webhooks test vector
// (standard-webhooks libraries/go/webhook_test.go, TestWebhookSign).
func TestSignMatchesThePublishedVector(t *testing.T) {
	got, err := Sign([]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
	if _, err := Sign([]string{"whsec_%%%"}, "msg_x", 1, nil); !errors.Is(err, ErrSecret) {
		t.Fatalf("bad secret: %v", err)
	}
}

// fakeResolver answers every name with its addresses.
type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := f[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func addrs(s ...string) []netip.Addr {
	var out []netip.Addr
	for _, a := range s {
		out = append(out, netip.MustParseAddr(a))
	}
	return out
}

func TestGuardRefusesWhatProductionMustNotReach(t *testing.T) {
	r := fakeResolver{
		"public.example":   addrs("93.184.216.34"),
		"loopback.example": addrs("127.0.0.1"),
		"mixed.example":    addrs("93.184.216.34", "10.0.0.5"),
		"mapped.example":   addrs("::ffff:127.0.0.1"),
		"v6local.example":  addrs("fe80::1"),
		"metadata.example": addrs("169.254.169.254"),
		"cgnat.example":    addrs("100.64.1.1"),
	}
	prod := Guard{Strict: true, Resolver: r}
	dev := Guard{Resolver: r}
	open := Guard{Strict: true, AllowPrivate: true, Resolver: r}
	for _, tc := range []struct {
		url             string
		prod, dev, open bool // accepted?
	}{
		{"https://public.example/hook", true, true, true},
		{"http://public.example/hook", false, true, true},
		{"https://loopback.example/hook", false, true, true},
		{"https://mixed.example/hook", false, true, true},
		{"https://mapped.example/hook", false, true, true},
		{"https://v6local.example/hook", false, true, true},
		{"https://cgnat.example/hook", false, true, true},
		{"https://metadata.example/latest", false, false, true},
		{"https://169.254.169.254/latest", false, false, true},
		{"https://127.0.0.1:8443/", false, true, true},
		{"https://[::1]/", false, true, true},
		{"https://10.1.2.3/", false, true, true},
		{"https://192.168.1.1/", false, true, true},
		{"https://0.0.0.0/", false, true, true},
		{"https://nowhere.example/", false, false, false},
		{"ftp://public.example/", false, false, false},
	} {
		for _, g := range []struct {
			name  string
			guard Guard
			want  bool
		}{{"production", prod, tc.prod}, {"development", dev, tc.dev}, {"allow private", open, tc.open}} {
			err := g.guard.CheckURL(t.Context(), tc.url)
			if (err == nil) != g.want {
				t.Errorf("%s: %s: err %v, want accepted %v", g.name, tc.url, err, g.want)
			}
		}
	}
}

// TestGuardRefusesAtConnectTime: a name that passed at save time but now
// resolves to 127.0.0.1 (DNS rebinding) is refused when the delivery
// dials, and so is a dial straight to a private address.
func TestGuardRefusesAtConnectTime(t *testing.T) {
	r := fakeResolver{"rebind.example": addrs("127.0.0.1")}
	g := Guard{Strict: true, Resolver: r}
	for _, addr := range []string{"rebind.example:443", "127.0.0.1:443", "[::1]:443", "169.254.169.254:80"} {
		if c, err := g.DialContext(t.Context(), "tcp", addr); !errors.Is(err, ErrURLRefused) {
			if c != nil {
				c.Close()
			}
			t.Errorf("dial %s: %v, want refused", addr, err)
		}
	}
	if err := g.control("tcp", "10.0.0.1:443", nil); !errors.Is(err, ErrURLRefused) {
		t.Errorf("control 10.0.0.1: %v", err)
	}
	if err := g.control("tcp", "93.184.216.34:443", nil); err != nil {
		t.Errorf("control public: %v", err)
	}
}
