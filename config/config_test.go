package config

import (
	"github.com/hearth-app/hearth/internal/ratelimit"
	"strings"
	"testing"
	"time"
)

// mapEnv is a getenv backed by a map; missing keys read as "".
func mapEnv(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// merged returns a copy of base with over applied on top.
func merged(base, over map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// wantVarError fails unless err is a one-line error starting with "VAR:".
func wantVarError(t *testing.T, err error, variable string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want an error naming %s", variable)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, variable+":") {
		t.Errorf("error %q does not start with %q", msg, variable+":")
	}
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error %q spans more than one line", msg)
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	for name, env := range map[string]map[string]string{
		"nil map":      nil,
		"empty map":    {},
		"blank values": {"HEARTH_ENV": "  ", "HEARTH_ADDR": "", "HEARTH_BASE_URL": "\t", "HEARTH_DATABASE": " "},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(mapEnv(env))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			checks := []struct {
				what      string
				got, want any
			}{
				{"Env", c.Env, Development},
				{"Addr", c.Addr, "127.0.0.1:8080"},
				{"BaseURL", c.BaseURL.String(), "http://localhost:8080"},
				{"Database", c.Database, "data/hearth.db"},
				{"SQLiteSynchronous", c.SQLiteSynchronous, "normal"},
				{"SessionLifetime", c.SessionLifetime, DefaultSessionLifetime},
				{"SessionIdleTimeout", c.SessionIdleTimeout, DefaultSessionIdleTimeout},
				{"IsProduction", c.IsProduction(), false},
				{"UsesPostgres", c.UsesPostgres(), false},
				{"SMTPURL is nil", c.SMTPURL == nil, true},
				{"TrustedProxies", len(c.TrustedProxies), 0},
				{"GitHub enabled", c.GitHub.Enabled(), false},
				{"Google enabled", c.Google.Enabled(), false},
				{"OIDC enabled", c.OIDC.Enabled(), false},
				{"Rates", c.Rates, DefaultRates},
				{"PasswordMinLength", c.PasswordMinLength, 8},
				{"SignupMinFill", c.SignupMinFill, 2 * time.Second},
			}
			for _, ch := range checks {
				if ch.got != ch.want {
					t.Errorf("%s = %v, want %v", ch.what, ch.got, ch.want)
				}
			}
			if c.MailFrom == "" {
				t.Error("MailFrom has no default")
			}
		})
	}
}

func TestConfigDocumentedSessionDefaults(t *testing.T) {
	t.Parallel()
	// The comment on the constants promises NIST AAL1 values.
	if DefaultSessionLifetime != 30*24*time.Hour || DefaultSessionIdleTimeout != 7*24*time.Hour {
		t.Errorf("defaults %v / %v", DefaultSessionLifetime, DefaultSessionIdleTimeout)
	}
	if DefaultSessionIdleTimeout > DefaultSessionLifetime {
		t.Error("idle timeout longer than the absolute lifetime")
	}
}

func TestConfigAcceptsGoodValues(t *testing.T) {
	t.Parallel()
	c, err := Load(mapEnv(map[string]string{
		"HEARTH_ENV":                  " development ",
		"HEARTH_ADDR":                 " 127.0.0.1:9000 ",
		"HEARTH_BASE_URL":             "https://app.example.com/base",
		"HEARTH_DATABASE":             "postgres://u:p@db.example.com:5432/hearth?sslmode=disable",
		"HEARTH_SESSION_IDLE_TIMEOUT": "1h",
		"HEARTH_SESSION_LIFETIME":     "24h",
		"HEARTH_SMTP_URL":             "smtps://user:pass@smtp.example.com:465",
		"HEARTH_MAIL_FROM":            "Team <team@example.com>",
		"HEARTH_GITHUB_CLIENT_ID":     "gh-id",
		"HEARTH_GITHUB_CLIENT_SECRET": "gh-secret",
		"HEARTH_OIDC_ISSUER":          "https://sso.example.com/realms/x",
		"HEARTH_OIDC_CLIENT_ID":       "oidc-id",
		"HEARTH_OIDC_CLIENT_SECRET":   "oidc-secret",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Env != Development || c.Addr != "127.0.0.1:9000" {
		t.Errorf("values not trimmed: env %q addr %q", c.Env, c.Addr)
	}
	if c.BaseURL.String() != "https://app.example.com/base" || !c.UsesPostgres() {
		t.Errorf("base %v, postgres %v", c.BaseURL, c.UsesPostgres())
	}
	if c.SessionIdleTimeout != time.Hour || c.SessionLifetime != 24*time.Hour {
		t.Errorf("sessions %v / %v", c.SessionIdleTimeout, c.SessionLifetime)
	}
	if c.SMTPURL == nil || c.SMTPURL.Hostname() != "smtp.example.com" || c.MailFrom != "Team <team@example.com>" {
		t.Errorf("mail %v %q", c.SMTPURL, c.MailFrom)
	}
	if !c.GitHub.Enabled() || c.Google.Enabled() || !c.OIDC.Enabled() || c.OIDC.Name != "Single sign-on" {
		t.Errorf("providers github %+v google %+v oidc %+v", c.GitHub, c.Google, c.OIDC)
	}
}

func TestConfigRejectsBadValuesNamingTheVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		variable string
	}{
		{"unknown env", map[string]string{"HEARTH_ENV": "staging"}, "HEARTH_ENV"},
		{"require admin 2FA not a boolean", map[string]string{"HEARTH_REQUIRE_ADMIN_2FA": "yes please"}, "HEARTH_REQUIRE_ADMIN_2FA"},
		{"unknown sqlite synchronous", map[string]string{"HEARTH_SQLITE_SYNCHRONOUS": "off"}, "HEARTH_SQLITE_SYNCHRONOUS"},
		{"env in capitals", map[string]string{"HEARTH_ENV": "Production"}, "HEARTH_ENV"},
		{"idle timeout not a duration", map[string]string{"HEARTH_SESSION_IDLE_TIMEOUT": "banana"}, "HEARTH_SESSION_IDLE_TIMEOUT"},
		{"idle timeout without unit", map[string]string{"HEARTH_SESSION_IDLE_TIMEOUT": "60"}, "HEARTH_SESSION_IDLE_TIMEOUT"},
		{"idle timeout zero", map[string]string{"HEARTH_SESSION_IDLE_TIMEOUT": "0s"}, "HEARTH_SESSION_IDLE_TIMEOUT"},
		{"lifetime negative", map[string]string{"HEARTH_SESSION_LIFETIME": "-5m"}, "HEARTH_SESSION_LIFETIME"},
		{"lifetime not a duration", map[string]string{"HEARTH_SESSION_LIFETIME": "banana"}, "HEARTH_SESSION_LIFETIME"},
		{"base URL ftp", map[string]string{"HEARTH_BASE_URL": "ftp://x"}, "HEARTH_BASE_URL"},
		{"base URL not a URL", map[string]string{"HEARTH_BASE_URL": "not a url"}, "HEARTH_BASE_URL"},
		{"base URL without host", map[string]string{"HEARTH_BASE_URL": "https://"}, "HEARTH_BASE_URL"},
		{"base URL without scheme", map[string]string{"HEARTH_BASE_URL": "app.example.com"}, "HEARTH_BASE_URL"},
		{"base URL unparsable", map[string]string{"HEARTH_BASE_URL": "http://[::1"}, "HEARTH_BASE_URL"},
		{"base URL port but no host name", map[string]string{"HEARTH_BASE_URL": "http://:8080"}, "HEARTH_BASE_URL"},
		{"database mysql", map[string]string{"HEARTH_DATABASE": "mysql://x"}, "HEARTH_DATABASE"},
		{"database postgres bad port", map[string]string{"HEARTH_DATABASE": "postgres://u@db:port/x"}, "HEARTH_DATABASE"},
		{"smtp URL http", map[string]string{"HEARTH_SMTP_URL": "http://x"}, "HEARTH_SMTP_URL"},
		{"smtp URL without host", map[string]string{"HEARTH_SMTP_URL": "smtp://"}, "HEARTH_SMTP_URL"},
		{"smtp URL not a URL", map[string]string{"HEARTH_SMTP_URL": "mail.example.com:25"}, "HEARTH_SMTP_URL"},
		{"trusted proxies bad prefix", map[string]string{"HEARTH_TRUSTED_PROXIES": "10.0.0.0/99"}, "HEARTH_TRUSTED_PROXIES"},
		{"trusted proxies bad address", map[string]string{"HEARTH_TRUSTED_PROXIES": "10.0.0.0/8, proxy.local"}, "HEARTH_TRUSTED_PROXIES"},
		{"trusted proxies bad IPv4", map[string]string{"HEARTH_TRUSTED_PROXIES": "300.1.1.1"}, "HEARTH_TRUSTED_PROXIES"},
		{"addr without port", map[string]string{"HEARTH_ADDR": "nonsense"}, "HEARTH_ADDR"},
		{"addr bare number", map[string]string{"HEARTH_ADDR": "8080"}, "HEARTH_ADDR"},
		{"github id without secret", map[string]string{"HEARTH_GITHUB_CLIENT_ID": "id"}, "HEARTH_GITHUB_CLIENT_SECRET"},
		{"google id without secret", map[string]string{"HEARTH_GOOGLE_CLIENT_ID": "id"}, "HEARTH_GOOGLE_CLIENT_SECRET"},
		{"github secret blank", map[string]string{"HEARTH_GITHUB_CLIENT_ID": "id", "HEARTH_GITHUB_CLIENT_SECRET": "   "}, "HEARTH_GITHUB_CLIENT_SECRET"},
		{"oidc id without issuer", map[string]string{"HEARTH_OIDC_CLIENT_ID": "id", "HEARTH_OIDC_CLIENT_SECRET": "secret"}, "HEARTH_OIDC_ISSUER"},
		{"oidc issuer not a URL", map[string]string{"HEARTH_OIDC_ISSUER": "not a url"}, "HEARTH_OIDC_ISSUER"},
		{"oidc issuer http on another host", map[string]string{"HEARTH_OIDC_ISSUER": "http://sso.example.com/realms/x"}, "HEARTH_OIDC_ISSUER"},
		{"oidc issuer http on a host named like loopback", map[string]string{"HEARTH_OIDC_ISSUER": "http://127.0.0.1.example.com"}, "HEARTH_OIDC_ISSUER"},
		{"mail from garbage", map[string]string{"HEARTH_MAIL_FROM": "garbage"}, "HEARTH_MAIL_FROM"},
		{"mail from two addresses", map[string]string{"HEARTH_MAIL_FROM": "a@example.com, b@example.com"}, "HEARTH_MAIL_FROM"},
		{"mail from words", map[string]string{"HEARTH_MAIL_FROM": "not an address"}, "HEARTH_MAIL_FROM"},
		{"rate not N/duration", map[string]string{"HEARTH_RATE_SIGNIN_IP": "lots"}, "HEARTH_RATE_SIGNIN_IP"},
		{"rate with a bad duration", map[string]string{"HEARTH_RATE_SIGNUP_IP": "5/never"}, "HEARTH_RATE_SIGNUP_IP"},
		{"password minimum below 8", map[string]string{"HEARTH_PASSWORD_MIN_LENGTH": "4"}, "HEARTH_PASSWORD_MIN_LENGTH"},
		{"hash concurrency zero", map[string]string{"HEARTH_HASH_CONCURRENCY": "0"}, "HEARTH_HASH_CONCURRENCY"},
		{"sign-up fill time not a duration", map[string]string{"HEARTH_SIGNUP_MIN_FILL": "soon"}, "HEARTH_SIGNUP_MIN_FILL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(mapEnv(tc.env))
			if err == nil {
				t.Fatalf("%v accepted: %+v", tc.env, c)
			}
			if c != nil {
				t.Errorf("Load returned a config together with error %v", err)
			}
			wantVarError(t, err, tc.variable)
		})
	}
}

func TestConfigErrorsAreOneLineAndKeepSecrets(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		env      map[string]string
		variable string
		secret   string
	}{
		"newline in env":           {map[string]string{"HEARTH_ENV": "dev\nelopment"}, "HEARTH_ENV", ""},
		"newline in addr":          {map[string]string{"HEARTH_ADDR": "a\nb"}, "HEARTH_ADDR", ""},
		"newline in base URL":      {map[string]string{"HEARTH_BASE_URL": "http://a\nb"}, "HEARTH_BASE_URL", ""},
		"newline in duration":      {map[string]string{"HEARTH_SESSION_LIFETIME": "1h\n2h"}, "HEARTH_SESSION_LIFETIME", ""},
		"newline in mail from":     {map[string]string{"HEARTH_MAIL_FROM": "a\n@b"}, "HEARTH_MAIL_FROM", ""},
		"newline in proxies":       {map[string]string{"HEARTH_TRUSTED_PROXIES": "10.0.0.0/8\n\u0085x"}, "HEARTH_TRUSTED_PROXIES", ""},
		"database password hidden": {map[string]string{"HEARTH_DATABASE": "mysql://root:hunter2secret@db/x"}, "HEARTH_DATABASE", "hunter2secret"},
		"database newline":         {map[string]string{"HEARTH_DATABASE": "mysql://root:hunter2secret@db/x\ny"}, "HEARTH_DATABASE", "hunter2secret"},
		"smtp password hidden":     {map[string]string{"HEARTH_SMTP_URL": "http://user:hunter2secret@mail"}, "HEARTH_SMTP_URL", "hunter2secret"},
		"postgres password hidden": {map[string]string{"HEARTH_DATABASE": "postgres://u:hunter2secret@db:nope/x"}, "HEARTH_DATABASE", "hunter2secret"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(mapEnv(tc.env))
			wantVarError(t, err, tc.variable)
			if err != nil && tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error %q reveals the secret", err)
			}
		})
	}
}

// TestConfigOIDCIssuerOverPlainHTTPOnlyOnLoopback: an issuer's keys and
// tokens come over its URL, so plain http is for a provider on this machine
// in development only.
func TestConfigOIDCIssuerOverPlainHTTPOnlyOnLoopback(t *testing.T) {
	t.Parallel()
	for _, issuer := range []string{"http://localhost:8081/realms/x", "http://127.0.0.1:5556", "http://[::1]:5556", "http://sso.localhost", "https://sso.example.com"} {
		c, err := Load(mapEnv(map[string]string{"HEARTH_OIDC_ISSUER": issuer, "HEARTH_OIDC_CLIENT_ID": "oi", "HEARTH_OIDC_CLIENT_SECRET": "secret"}))
		if err != nil {
			t.Errorf("%s refused in development: %v", issuer, err)
		} else if c.OIDC.Issuer != issuer {
			t.Errorf("issuer %q, want %q", c.OIDC.Issuer, issuer)
		}
	}
}

func TestConfigProduction(t *testing.T) {
	t.Parallel()
	good := prodEnv
	long := "0123456789abcdef0123" // 20 characters: long enough for production
	t.Run("complete https config accepted", func(t *testing.T) {
		t.Parallel()
		for name, extra := range map[string]map[string]string{
			"minimal": nil,
			"with every provider": {
				"HEARTH_GITHUB_CLIENT_ID": "gh", "HEARTH_GITHUB_CLIENT_SECRET": long,
				"HEARTH_GOOGLE_CLIENT_ID": "gg", "HEARTH_GOOGLE_CLIENT_SECRET": long,
				"HEARTH_OIDC_ISSUER": "https://sso.example.com", "HEARTH_OIDC_CLIENT_ID": "oi", "HEARTH_OIDC_CLIENT_SECRET": long,
				"HEARTH_TRUSTED_PROXIES":      "10.0.0.0/8",
				"HEARTH_SESSION_LIFETIME":     "24h",
				"HEARTH_SESSION_IDLE_TIMEOUT": "1h",
			},
			"secret exactly 16": {"HEARTH_GITHUB_CLIENT_ID": "gh", "HEARTH_GITHUB_CLIENT_SECRET": long[:16]},
		} {
			c, err := Load(mapEnv(merged(good, extra)))
			if err != nil {
				t.Errorf("%s: refused: %v", name, err)
				continue
			}
			if !c.IsProduction() || c.BaseURL.Scheme != "https" || c.SMTPURL == nil {
				t.Errorf("%s: %+v", name, c)
			}
		}
	})
	tests := []struct {
		name     string
		change   map[string]string
		variable string
	}{
		{"http base URL", map[string]string{"HEARTH_BASE_URL": "http://app.example.com"}, "HEARTH_BASE_URL"},
		{"default base URL", map[string]string{"HEARTH_BASE_URL": ""}, "HEARTH_BASE_URL"},
		{"missing SMTP URL", map[string]string{"HEARTH_SMTP_URL": ""}, "HEARTH_SMTP_URL"},
		{"missing secret key", map[string]string{"HEARTH_SECRET_KEY": ""}, "HEARTH_SECRET_KEY"},
		{"short GitHub secret", map[string]string{"HEARTH_GITHUB_CLIENT_ID": "gh", "HEARTH_GITHUB_CLIENT_SECRET": "short"}, "HEARTH_GITHUB_CLIENT_SECRET"},
		{"short Google secret", map[string]string{"HEARTH_GOOGLE_CLIENT_ID": "gg", "HEARTH_GOOGLE_CLIENT_SECRET": long[:15]}, "HEARTH_GOOGLE_CLIENT_SECRET"},
		{"short OIDC secret", map[string]string{"HEARTH_OIDC_ISSUER": "https://sso.example.com", "HEARTH_OIDC_CLIENT_ID": "oi", "HEARTH_OIDC_CLIENT_SECRET": "tiny"}, "HEARTH_OIDC_CLIENT_SECRET"},
		{"http OIDC issuer, even on loopback", map[string]string{"HEARTH_OIDC_ISSUER": "http://127.0.0.1:5556", "HEARTH_OIDC_CLIENT_ID": "oi", "HEARTH_OIDC_CLIENT_SECRET": long}, "HEARTH_OIDC_ISSUER"},
		{"http OIDC issuer on localhost", map[string]string{"HEARTH_OIDC_ISSUER": "http://localhost:8081/realms/x", "HEARTH_OIDC_CLIENT_ID": "oi", "HEARTH_OIDC_CLIENT_SECRET": long}, "HEARTH_OIDC_ISSUER"},
		{"sub-minute lifetime", map[string]string{"HEARTH_SESSION_LIFETIME": "30s"}, "HEARTH_SESSION_LIFETIME"},
		{"sub-minute idle timeout", map[string]string{"HEARTH_SESSION_IDLE_TIMEOUT": "30s"}, "HEARTH_SESSION_IDLE_TIMEOUT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(mapEnv(merged(good, tc.change)))
			wantVarError(t, err, tc.variable)
		})
	}
	t.Run("same values pass in development", func(t *testing.T) {
		t.Parallel()
		for _, tc := range tests {
			env := merged(merged(good, tc.change), map[string]string{"HEARTH_ENV": "development"})
			if _, err := Load(mapEnv(env)); err != nil {
				t.Errorf("%s: development refused it: %v", tc.name, err)
			}
		}
	})
}

func TestConfigTrustedProxies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want []string
	}{
		{"", nil},
		{"10.0.0.0/8", []string{"10.0.0.0/8"}},
		{"192.0.2.7", []string{"192.0.2.7/32"}},
		{"2001:db8::1", []string{"2001:db8::1/128"}},
		{"::1", []string{"::1/128"}},
		{"2001:db8::/32", []string{"2001:db8::/32"}},
		{"10.1.2.3/8", []string{"10.0.0.0/8"}}, // host bits are masked off
		{"10.0.0.0/8,172.16.0.0/12 192.168.0.0/16", []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}},
		{" 127.0.0.1 , ,fd00::/8,, ", []string{"127.0.0.1/32", "fd00::/8"}},
		{"10.0.0.0/8, 192.0.2.7 ,2001:db8::1", []string{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::1/128"}},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			t.Parallel()
			c, err := Load(mapEnv(map[string]string{"HEARTH_TRUSTED_PROXIES": tc.raw}))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var got []string
			for _, n := range c.TrustedProxies {
				got = append(got, n.String())
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("bare addresses match only themselves", func(t *testing.T) {
		t.Parallel()
		c, err := Load(mapEnv(map[string]string{"HEARTH_TRUSTED_PROXIES": "192.0.2.7,2001:db8::1"}))
		if err != nil {
			t.Fatal(err)
		}
		v4, v6 := c.TrustedProxies[0], c.TrustedProxies[1]
		if ones, bits := v4.Mask.Size(); ones != 32 || bits != 32 {
			t.Errorf("IPv4 mask /%d of %d", ones, bits)
		}
		if ones, bits := v6.Mask.Size(); ones != 128 || bits != 128 {
			t.Errorf("IPv6 mask /%d of %d", ones, bits)
		}
	})
}

func TestConfigRates(t *testing.T) {
	t.Parallel()
	c, err := Load(mapEnv(map[string]string{
		"HEARTH_RATE_SIGNIN_ACCOUNT": "3/1m",
		"HEARTH_RATE_SIGNUP_IP":      "off",
		"HEARTH_SIGNUP_MIN_FILL":     "0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Rates.SignInAccount != (ratelimit.Rate{Count: 3, Window: time.Minute}) || c.Rates.SignUpIP != (ratelimit.Rate{}) || c.SignupMinFill != 0 {
		t.Errorf("rates %+v, min fill %v", c.Rates, c.SignupMinFill)
	}
	if c.Rates.SignInIP != DefaultRates.SignInIP {
		t.Errorf("an unset rate is %+v, want the default %+v", c.Rates.SignInIP, DefaultRates.SignInIP)
	}
}

// TestConfigSecretKeyAndJWTAudience: HEARTH_SECRET_KEY is 32 bytes in
// base64 (standard or URL-safe), unset means none; the JWT audience is the
// base URL unless HEARTH_JWT_AUDIENCE says otherwise.
func TestConfigSecretKeyAndJWTAudience(t *testing.T) {
	t.Parallel()
	c, err := Load(mapEnv(map[string]string{"HEARTH_BASE_URL": "https://app.example/"}))
	if err != nil || c.SecretKey != nil || c.JWTAudience != "https://app.example" {
		t.Fatalf("defaults: key %v, audience %q, %v", c.SecretKey, c.JWTAudience, err)
	}
	for _, raw := range []string{"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"} {
		c, err := Load(mapEnv(map[string]string{"HEARTH_SECRET_KEY": raw, "HEARTH_JWT_AUDIENCE": "svc"}))
		if err != nil || string(c.SecretKey) != "0123456789abcdef0123456789abcdef" || c.JWTAudience != "svc" {
			t.Fatalf("%q: %v", raw, err)
		}
	}
	for _, bad := range []string{"short", "MDEyMzQ1Njc4OWFiY2RlZg==", "not base64 at all!!"} {
		_, err := Load(mapEnv(map[string]string{"HEARTH_SECRET_KEY": bad}))
		wantVarError(t, err, "HEARTH_SECRET_KEY")
		if err != nil && strings.Contains(err.Error(), bad) {
			t.Errorf("the error shows the key: %v", err)
		}
	}
}
