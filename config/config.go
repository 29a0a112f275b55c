// Package config turns the environment into a validated Config. It is a pure
// function of a getenv callback: nothing here reads os.Getenv, so tests build
// any configuration they need without touching the process environment.
package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-app/hearth/internal/ratelimit"
)

// Environments.
const (
	Development = "development"
	Production  = "production"
)

// Default session limits, chosen against NIST SP 800-63B (revision 4):
//   - At AAL1 (a password alone) §2.1.3 asks for reauthentication at least
//     once per 30 days and sets no inactivity limit, so the absolute lifetime
//     is 30 days.
//   - We still end sessions that have been unused for 7 days: a stolen cookie
//     from an abandoned device stops working within a week.
//
// Deployments that need AAL2 (24 hours overall, 1 hour of inactivity) set
// HEARTH_SESSION_LIFETIME=24h and HEARTH_SESSION_IDLE_TIMEOUT=1h.
const (
	DefaultSessionLifetime    = 30 * 24 * time.Hour
	DefaultSessionIdleTimeout = 7 * 24 * time.Hour
)

// Default listen addresses (HEARTH_ADDR).
const (
	DefaultDevelopmentAddr = "127.0.0.1:8080"
	DefaultProductionAddr  = ":8080"
)

// Config is everything the app reads from its environment.
type Config struct {
	Env string
	// SecretKey (HEARTH_SECRET_KEY: 32 bytes in base64) encrypts secrets
	// at rest: TOTP secrets and the JWT signing keys. Required in
	// production; in development, when unset, hearth serve generates one
	// into the data folder (cmd/hearth). nil here means unset.
	SecretKey []byte
	// JWTAudience (HEARTH_JWT_AUDIENCE) is the aud of the JWTs Hearth
	// issues; HEARTH_BASE_URL when unset.
	JWTAudience string
	// RequireAdmin2FA (HEARTH_REQUIRE_ADMIN_2FA=true) sends an admin
	// without a second factor to /account/security before any /admin page.
	RequireAdmin2FA bool
	Addr            string
	BaseURL         *url.URL
	Database        string
	// SQLiteSynchronous is SQLite's synchronous setting: "normal" (the
	// default) survives a crash of the process, "full" a power loss too.
	SQLiteSynchronous  string
	SessionIdleTimeout time.Duration
	SessionLifetime    time.Duration
	SMTPURL            *url.URL // nil when unset
	MailFrom           string
	GitHub             OAuthClient
	Google             OAuthClient
	OIDC               OIDCClient
	TrustedProxies     []*net.IPNet

	Rates             Rates
	PasswordMinLength int // HEARTH_PASSWORD_MIN_LENGTH
	// PwnedPasswordsURL is Have I Been Pwned's range API, asked about new
	// passwords when HEARTH_BREACHED_PASSWORDS=hibp (HEARTH_PWNED_PASSWORDS_URL
	// overrides it); "" when the check is off, the default.
	PwnedPasswordsURL string
	HashConcurrency   int           // HEARTH_HASH_CONCURRENCY: argon2id hashes at once (each takes 19 MiB)
	SignupMinFill     time.Duration // HEARTH_SIGNUP_MIN_FILL: faster sign-up forms are bots
	// EmailSignIn (HEARTH_EMAIL_SIGNIN, on by default) offers signing in
	// with a code or a link mailed to the address.
	EmailSignIn bool
	// WebhookAllowPrivate (HEARTH_WEBHOOK_ALLOW_PRIVATE=true) lets a
	// production server deliver webhooks to loopback, private and
	// link-local addresses (and plain http).
	WebhookAllowPrivate bool
}

// Rates are the throttling limits, each "N/duration" in the environment
// ("off" disables one; see ratelimit.Parse).
type Rates struct {
	SignInIP       ratelimit.Rate // HEARTH_RATE_SIGNIN_IP: every sign-in attempt, per client address
	SignInAccount  ratelimit.Rate // HEARTH_RATE_SIGNIN_ACCOUNT: failed sign-ins, per email address
	SignUpIP       ratelimit.Rate // HEARTH_RATE_SIGNUP_IP: sign-ups, per client address
	ForgotPassword ratelimit.Rate // HEARTH_RATE_FORGOT_PASSWORD: reset requests, per client address and per email
	VerifyResend   ratelimit.Rate // HEARTH_RATE_VERIFY_RESEND: verification mails, per user
	EmailChange    ratelimit.Rate // HEARTH_RATE_EMAIL_CHANGE: email-change requests, per user and per new address
	API            ratelimit.Rate // HEARTH_RATE_API: JSON API requests, per token (per user for the session cookie)
	EmailSignIn    ratelimit.Rate // HEARTH_RATE_EMAIL_SIGNIN: sign-in codes mailed, per client address and per email
	// PasswordStrength (HEARTH_RATE_PASSWORD_STRENGTH): the strength meter's
	// checks while a new password is typed, per client address.
	PasswordStrength ratelimit.Rate
	OrgInvite        ratelimit.Rate // HEARTH_RATE_ORG_INVITE: invitation mails (new or resent), per inviting user
}

// DefaultRates are documented in the README.
var DefaultRates = Rates{
	SignInIP:       ratelimit.Rate{Count: 30, Window: 5 * time.Minute},
	SignInAccount:  ratelimit.Rate{Count: 10, Window: 15 * time.Minute},
	SignUpIP:       ratelimit.Rate{Count: 10, Window: time.Hour},
	ForgotPassword: ratelimit.Rate{Count: 5, Window: 15 * time.Minute},
	VerifyResend:   ratelimit.Rate{Count: 3, Window: 15 * time.Minute},
	EmailChange:    ratelimit.Rate{Count: 5, Window: time.Hour},
	API:            ratelimit.Rate{Count: 600, Window: time.Minute},
	EmailSignIn:    ratelimit.Rate{Count: 5, Window: 15 * time.Minute},

	PasswordStrength: ratelimit.Rate{Count: 120, Window: time.Minute},
	OrgInvite:        ratelimit.Rate{Count: 30, Window: time.Hour},
}

// OAuthClient holds the credentials of one OAuth provider.
type OAuthClient struct {
	ClientID     string
	ClientSecret string
}

// Enabled reports whether the provider is configured.
func (o OAuthClient) Enabled() bool { return o.ClientID != "" }

// OIDCClient is a generic OpenID Connect provider discovered from its issuer.
type OIDCClient struct {
	OAuthClient
	Issuer string
	Name   string
}

// IsProduction reports whether HEARTH_ENV is production.
func (c *Config) IsProduction() bool { return c.Env == Production }

// UsesPostgres reports whether the database is a PostgreSQL URL.
func (c *Config) UsesPostgres() bool {
	return strings.HasPrefix(c.Database, "postgres://") || strings.HasPrefix(c.Database, "postgresql://")
}

// Load reads and validates the configuration. The error names the variable
// that is wrong, in one line.
func Load(getenv func(string) string) (*Config, error) {
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	c := &Config{
		Env:      get("HEARTH_ENV", Development),
		Database: get("HEARTH_DATABASE", "data/hearth.db"),
		MailFrom: get("HEARTH_MAIL_FROM", ProductName+" <no-reply@localhost>"),
		GitHub: OAuthClient{
			ClientID:     get("HEARTH_GITHUB_CLIENT_ID", ""),
			ClientSecret: get("HEARTH_GITHUB_CLIENT_SECRET", ""),
		},
		Google: OAuthClient{
			ClientID:     get("HEARTH_GOOGLE_CLIENT_ID", ""),
			ClientSecret: get("HEARTH_GOOGLE_CLIENT_SECRET", ""),
		},
		OIDC: OIDCClient{
			OAuthClient: OAuthClient{
				ClientID:     get("HEARTH_OIDC_CLIENT_ID", ""),
				ClientSecret: get("HEARTH_OIDC_CLIENT_SECRET", ""),
			},
			Issuer: get("HEARTH_OIDC_ISSUER", ""),
			Name:   get("HEARTH_OIDC_NAME", "Single sign-on"),
		},
	}

	if c.Env != Development && c.Env != Production {
		return nil, fmt.Errorf("HEARTH_ENV: %q is not %q or %q", c.Env, Development, Production)
	}
	// A development server listens on this machine only unless told
	// otherwise; in production (a container, behind a load balancer) on
	// every interface.
	c.Addr = get("HEARTH_ADDR", DefaultDevelopmentAddr)
	if c.IsProduction() {
		c.Addr = get("HEARTH_ADDR", DefaultProductionAddr)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return nil, fmt.Errorf("HEARTH_ADDR: %q is not host:port (for example :8080)", c.Addr)
	}

	base, err := url.Parse(get("HEARTH_BASE_URL", "http://localhost:8080"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Hostname() == "" {
		return nil, fmt.Errorf("HEARTH_BASE_URL: %q is not an http(s) URL", get("HEARTH_BASE_URL", ""))
	}
	c.BaseURL = base
	if raw := get("HEARTH_SECRET_KEY", ""); raw != "" {
		key, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			key, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(raw, "="))
		}
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("HEARTH_SECRET_KEY: not 32 bytes in base64 (make one with: openssl rand -base64 32)")
		}
		c.SecretKey = key
	}
	switch v := get("HEARTH_WEBHOOK_ALLOW_PRIVATE", "false"); v {
	case "true", "false":
		c.WebhookAllowPrivate = v == "true"
	default:
		return nil, fmt.Errorf("HEARTH_WEBHOOK_ALLOW_PRIVATE: %q is not true or false", v)
	}
	c.JWTAudience = get("HEARTH_JWT_AUDIENCE", strings.TrimSuffix(base.String(), "/"))
	if c.RequireAdmin2FA, err = strconv.ParseBool(get("HEARTH_REQUIRE_ADMIN_2FA", "false")); err != nil {
		return nil, fmt.Errorf("HEARTH_REQUIRE_ADMIN_2FA: %q is not true or false", get("HEARTH_REQUIRE_ADMIN_2FA", ""))
	}

	if strings.Contains(c.Database, "://") && !c.UsesPostgres() {
		return nil, fmt.Errorf("HEARTH_DATABASE: %q is neither a SQLite file path nor a postgres:// URL", redact(c.Database))
	}
	if c.UsesPostgres() {
		if _, err := url.Parse(c.Database); err != nil {
			return nil, fmt.Errorf("HEARTH_DATABASE: not a valid postgres:// URL")
		}
	}

	c.SQLiteSynchronous = strings.ToLower(get("HEARTH_SQLITE_SYNCHRONOUS", "normal"))
	if c.SQLiteSynchronous != "normal" && c.SQLiteSynchronous != "full" {
		return nil, fmt.Errorf("HEARTH_SQLITE_SYNCHRONOUS: %q is not normal or full", c.SQLiteSynchronous)
	}

	if c.SessionIdleTimeout, err = duration(get, "HEARTH_SESSION_IDLE_TIMEOUT", DefaultSessionIdleTimeout); err != nil {
		return nil, err
	}
	if c.SessionLifetime, err = duration(get, "HEARTH_SESSION_LIFETIME", DefaultSessionLifetime); err != nil {
		return nil, err
	}

	if raw := get("HEARTH_SMTP_URL", ""); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return nil, fmt.Errorf("HEARTH_SMTP_URL: not an smtp://user:pass@host:port URL")
		}
		c.SMTPURL = u
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		return nil, fmt.Errorf("HEARTH_MAIL_FROM: %q is not a mail address", c.MailFrom)
	}

	if c.OIDC.Issuer != "" {
		if err := CheckProviderURL(c.OIDC.Issuer, c.IsProduction()); err != nil {
			return nil, fmt.Errorf("HEARTH_OIDC_ISSUER: %w", err)
		}
	}
	for name, p := range map[string]OAuthClient{"GITHUB": c.GitHub, "GOOGLE": c.Google, "OIDC": c.OIDC.OAuthClient} {
		if p.ClientID != "" && p.ClientSecret == "" {
			return nil, fmt.Errorf("HEARTH_%s_CLIENT_SECRET: required when HEARTH_%s_CLIENT_ID is set", name, name)
		}
	}
	if c.OIDC.ClientID != "" && c.OIDC.Issuer == "" {
		return nil, fmt.Errorf("HEARTH_OIDC_ISSUER: required when HEARTH_OIDC_CLIENT_ID is set")
	}

	for _, cidr := range strings.FieldsFunc(get("HEARTH_TRUSTED_PROXIES", ""), func(r rune) bool { return r == ',' || r == ' ' }) {
		if !strings.Contains(cidr, "/") { // a bare address means just that host
			if strings.Contains(cidr, ":") {
				cidr += "/128"
			} else {
				cidr += "/32"
			}
		}
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			return nil, fmt.Errorf("HEARTH_TRUSTED_PROXIES: %q is not a CIDR (for example 10.0.0.0/8)", cidr)
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}

	c.Rates = DefaultRates
	for key, r := range map[string]*ratelimit.Rate{
		"HEARTH_RATE_SIGNIN_IP": &c.Rates.SignInIP, "HEARTH_RATE_SIGNIN_ACCOUNT": &c.Rates.SignInAccount,
		"HEARTH_RATE_SIGNUP_IP": &c.Rates.SignUpIP, "HEARTH_RATE_FORGOT_PASSWORD": &c.Rates.ForgotPassword,
		"HEARTH_RATE_VERIFY_RESEND": &c.Rates.VerifyResend, "HEARTH_RATE_EMAIL_CHANGE": &c.Rates.EmailChange,
		"HEARTH_RATE_API": &c.Rates.API, "HEARTH_RATE_EMAIL_SIGNIN": &c.Rates.EmailSignIn,
		"HEARTH_RATE_PASSWORD_STRENGTH": &c.Rates.PasswordStrength, "HEARTH_RATE_ORG_INVITE": &c.Rates.OrgInvite,
	} {
		if raw := get(key, ""); raw != "" {
			if *r, err = ratelimit.Parse(raw); err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
		}
	}
	if c.PasswordMinLength, err = intVar(get, "HEARTH_PASSWORD_MIN_LENGTH", 8, 8, 64); err != nil {
		return nil, err
	}
	switch v := strings.ToLower(get("HEARTH_BREACHED_PASSWORDS", "off")); v {
	case "off":
	case "hibp":
		c.PwnedPasswordsURL = get("HEARTH_PWNED_PASSWORDS_URL", "https://api.pwnedpasswords.com/range/")
		if u, err := url.Parse(c.PwnedPasswordsURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("HEARTH_PWNED_PASSWORDS_URL: %q is not an http(s) URL", c.PwnedPasswordsURL)
		}
	default:
		return nil, fmt.Errorf("HEARTH_BREACHED_PASSWORDS: %q is not off or hibp", v)
	}
	if c.HashConcurrency, err = intVar(get, "HEARTH_HASH_CONCURRENCY", runtime.NumCPU(), 1, 256); err != nil {
		return nil, err
	}
	if raw := get("HEARTH_SIGNUP_MIN_FILL", ""); raw != "0" && raw != "0s" { // 0 turns the check off
		if c.SignupMinFill, err = duration(get, "HEARTH_SIGNUP_MIN_FILL", 2*time.Second); err != nil {
			return nil, err
		}
	}

	switch v := strings.ToLower(get("HEARTH_EMAIL_SIGNIN", "on")); v {
	case "on", "true", "1":
		c.EmailSignIn = true
	case "off", "false", "0":
	default:
		return nil, fmt.Errorf("HEARTH_EMAIL_SIGNIN: %q is not on or off", v)
	}

	if c.IsProduction() {
		if err := c.checkProduction(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Warnings lists development settings that make the server reachable from
// other machines, one line each naming its variable: a development server
// (its dev mailbox aside, which answers this machine only) is not meant to
// face a network. hearth serve logs them at start. Production has none.
func (c *Config) Warnings() []string {
	if c.IsProduction() {
		return nil
	}
	var w []string
	if host, _, _ := net.SplitHostPort(c.Addr); !IsLoopbackHost(host) {
		w = append(w, fmt.Sprintf("HEARTH_ADDR: %q is reachable from other machines, in development (HEARTH_ENV is not production); listen on 127.0.0.1 unless you mean it", c.Addr))
	}
	if !IsLoopbackHost(c.BaseURL.Hostname()) {
		w = append(w, fmt.Sprintf("HEARTH_BASE_URL: %q is not this machine, in development (HEARTH_ENV is not production); set HEARTH_ENV=production for a server others use", c.BaseURL.String()))
	} else if _, port, _ := net.SplitHostPort(c.Addr); port != c.basePort() {
		// HEARTH_ADDR=127.0.0.1:3000 alone: every link in mail and every
		// OAuth callback would point at http://localhost:8080.
		w = append(w, fmt.Sprintf("HEARTH_BASE_URL: %q is port %s of this machine, but the server listens on %s (HEARTH_ADDR): links in mail and sign-in callbacks will not reach it unless a proxy forwards; set HEARTH_BASE_URL=%s://localhost:%s", c.BaseURL.String(), c.basePort(), c.Addr, c.BaseURL.Scheme, port))
	}
	return w
}

// basePort is the port of the base URL, the scheme's own when it names none.
func (c *Config) basePort() string {
	if p := c.BaseURL.Port(); p != "" {
		return p
	}
	if c.BaseURL.Scheme == "https" {
		return "443"
	}
	return "80"
}

// IsLoopbackHost reports whether a host name or address names this
// machine: localhost, *.localhost or a loopback address (brackets and a
// final dot allowed). An empty host (all interfaces) does not.
func IsLoopbackHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"))
	return ip != nil && ip.IsLoopback()
}

// checkProduction refuses settings that are fine on a laptop and unsafe on
// the internet.
func (c *Config) checkProduction() error {
	if c.BaseURL.Scheme != "https" {
		return fmt.Errorf("HEARTH_BASE_URL: must be https in production (cookies are Secure), got %q", c.BaseURL.String())
	}
	if c.SMTPURL == nil {
		return fmt.Errorf("HEARTH_SMTP_URL: required in production (mail would otherwise go nowhere)")
	}
	if c.SecretKey == nil {
		return fmt.Errorf("HEARTH_SECRET_KEY: required in production: 32 random bytes in base64 that encrypt two-factor secrets and signing keys (make one with: openssl rand -base64 32)")
	}
	for name, p := range map[string]OAuthClient{"GITHUB": c.GitHub, "GOOGLE": c.Google, "OIDC": c.OIDC.OAuthClient} {
		if p.ClientID != "" && len(p.ClientSecret) < 16 {
			return fmt.Errorf("HEARTH_%s_CLIENT_SECRET: too short to be a real client secret", name)
		}
	}
	if c.SessionLifetime < time.Minute {
		return fmt.Errorf("HEARTH_SESSION_LIFETIME: under a minute is refused in production")
	}
	if c.SessionIdleTimeout < time.Minute {
		return fmt.Errorf("HEARTH_SESSION_IDLE_TIMEOUT: under a minute is refused in production")
	}
	return nil
}

// CheckProviderURL says whether a sign-in provider's issuer or endpoint may
// be used: the client secret, codes, ID tokens and the keys that vouch for
// them travel over it, so it must be https; in development plain http is
// allowed to this machine (a provider running beside the app).
func CheckProviderURL(raw string, production bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return fmt.Errorf("%q is not an http(s) URL", raw)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case production:
		return fmt.Errorf("%q must be https in production", raw)
	case !IsLoopbackHost(u.Hostname()):
		return fmt.Errorf("%q must be https (plain http only to localhost, in development)", raw)
	}
	return nil
}

func intVar(get func(string, string) string, key string, def, lo, hi int) (int, error) {
	raw := get(key, "")
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s: %q is not a whole number from %d to %d", key, raw, lo, hi)
	}
	return n, nil
}

func duration(get func(string, string) string, key string, def time.Duration) (time.Duration, error) {
	raw := get(key, "")
	if raw == "" {
		return def, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: %q is not a positive Go duration (for example 168h or 30m)", key, raw)
	}
	return d, nil
}

// redact hides the password of a URL so it can go into an error message.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
