package config

import (
	"strings"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/ratelimit"
)

func loadWith(env map[string]string) (*Config, error) {
	return Load(func(k string) string { return env[k] })
}

func TestLoadAppliesDocumentedDefaults(t *testing.T) {
	c, err := loadWith(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Env != Development || c.Addr != "127.0.0.1:8080" || c.BaseURL.String() != "http://localhost:8080" || c.Database != "data/hearth.db" {
		t.Errorf("defaults: %+v", c)
	}
	if c.SessionLifetime != DefaultSessionLifetime || c.SessionIdleTimeout != DefaultSessionIdleTimeout {
		t.Errorf("session defaults: %v / %v", c.SessionLifetime, c.SessionIdleTimeout)
	}
	if c.Rates != DefaultRates || c.PasswordMinLength != 8 || c.SignupMinFill != 2*time.Second {
		t.Errorf("abuse defaults: %+v %d %v", c.Rates, c.PasswordMinLength, c.SignupMinFill)
	}
	if c.GitHub.Enabled() || c.Google.Enabled() || c.OIDC.Enabled() || c.SMTPURL != nil || len(c.TrustedProxies) != 0 {
		t.Error("optional features are on by default")
	}
}

func TestLoadRejectsBadValuesNamingTheVariable(t *testing.T) {
	for key, value := range map[string]string{
		"HEARTH_ENV":                  "staging",
		"HEARTH_ADDR":                 "nonsense",
		"HEARTH_BASE_URL":             "ftp://example.com",
		"HEARTH_DATABASE":             "mysql://root@localhost/db",
		"HEARTH_SESSION_IDLE_TIMEOUT": "banana",
		"HEARTH_SESSION_LIFETIME":     "-5m",
		"HEARTH_SMTP_URL":             "http://mail.example.com",
		"HEARTH_MAIL_FROM":            "not an address",
		"HEARTH_OIDC_ISSUER":          "not a url",
		"HEARTH_TRUSTED_PROXIES":      "10.0.0.0/99",
		"HEARTH_RATE_SIGNIN_IP":       "lots",
		"HEARTH_RATE_SIGNUP_IP":       "5/never",
		"HEARTH_PASSWORD_MIN_LENGTH":  "4",
		"HEARTH_HASH_CONCURRENCY":     "0",
		"HEARTH_SIGNUP_MIN_FILL":      "soon",
	} {
		t.Run(key, func(t *testing.T) {
			_, err := loadWith(map[string]string{key: value})
			if err == nil {
				t.Fatalf("%s=%q accepted", key, value)
			}
			if !strings.HasPrefix(err.Error(), key+":") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line starting with %s:", err, key)
			}
		})
	}
	for key, env := range map[string]map[string]string{
		"HEARTH_GITHUB_CLIENT_SECRET": {"HEARTH_GITHUB_CLIENT_ID": "id"},
		"HEARTH_OIDC_ISSUER":          {"HEARTH_OIDC_CLIENT_ID": "id", "HEARTH_OIDC_CLIENT_SECRET": "secret"},
	} {
		if _, err := loadWith(env); err == nil || !strings.HasPrefix(err.Error(), key+":") {
			t.Errorf("%v: error %v, want one naming %s", env, err, key)
		}
	}
}

func TestLoadProductionRefusesUnsafeSettings(t *testing.T) {
	good := map[string]string{
		"HEARTH_ENV":      "production",
		"HEARTH_BASE_URL": "https://app.example.com",
		"HEARTH_SMTP_URL": "smtp://user:pass@smtp.example.com:587",
	}
	if _, err := loadWith(good); err != nil {
		t.Fatalf("a complete production config was refused: %v", err)
	}
	for name, change := range map[string]map[string]string{
		"HEARTH_BASE_URL":             {"HEARTH_BASE_URL": "http://app.example.com"},
		"HEARTH_SMTP_URL":             {"HEARTH_SMTP_URL": ""},
		"HEARTH_GITHUB_CLIENT_SECRET": {"HEARTH_GITHUB_CLIENT_ID": "id", "HEARTH_GITHUB_CLIENT_SECRET": "short"},
		"HEARTH_SESSION_LIFETIME":     {"HEARTH_SESSION_LIFETIME": "30s"},
	} {
		env := map[string]string{}
		for k, v := range good {
			env[k] = v
		}
		for k, v := range change {
			env[k] = v
		}
		if _, err := loadWith(env); err == nil || !strings.HasPrefix(err.Error(), name+":") {
			t.Errorf("production with %v: error %v, want one naming %s", change, err, name)
		}
	}
}

func TestLoadParsesRatesAndTrustedProxies(t *testing.T) {
	c, err := loadWith(map[string]string{
		"HEARTH_TRUSTED_PROXIES":     "10.0.0.0/8, 192.0.2.7 ,2001:db8::1",
		"HEARTH_RATE_SIGNIN_ACCOUNT": "3/1m",
		"HEARTH_RATE_SIGNUP_IP":      "off",
		"HEARTH_SIGNUP_MIN_FILL":     "0",
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range c.TrustedProxies {
		got = append(got, n.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 192.0.2.7/32 2001:db8::1/128" {
		t.Errorf("trusted proxies %v", got)
	}
	if c.Rates.SignInAccount != (ratelimit.Rate{Count: 3, Window: time.Minute}) || c.Rates.SignUpIP != (ratelimit.Rate{}) || c.SignupMinFill != 0 {
		t.Errorf("rates %+v, min fill %v", c.Rates, c.SignupMinFill)
	}
}
