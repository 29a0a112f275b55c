// Package handlers is the HTTP layer: routes, middleware and one file of
// handlers per feature. Handlers parse and validate input, make one model
// call, and either redirect with a flash or render a templ view.
package handlers

import (
	"crypto/rand"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/internal/sessionstore"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/layout"
	"github.com/hearth-app/hearth/webhook"
)

// App holds every dependency of the HTTP layer; its methods are the
// handlers. cmd/ fills in the exported fields and passes them to New, which
// completes the rest.
type App struct {
	Config *config.Config
	Logger *slog.Logger
	DB     *models.DB
	// SessionStore keeps the sessions, with their cache, in DB
	// (sessionstore.New, with the same clock and idle timeout).
	SessionStore *sessionstore.Store
	// Hasher hashes and checks passwords; New makes one from Config if nil.
	Hasher *password.Hasher
	// Now is the clock; New uses the wall clock in UTC if nil.
	Now func() time.Time
	// FormKey signs the sign-up form's time stamp, flash and device
	// cookies; instances sharing a database must share it
	// (models.AppSecret). New makes a random one if nil.
	FormKey []byte
	// MailSender, when set, is woken whenever a mail is queued (it polls
	// anyway).
	MailSender interface{ Wake() }
	// WebhookGuard checks webhook URLs when they are saved (the delivery
	// worker checks them again when it connects); New makes it from Config
	// if nil.
	WebhookGuard *webhook.Guard
	// PictureClient fetches the provider's picture at a first social
	// sign-in; New makes one that reaches public https addresses only if
	// nil (tests point it at a fake).
	PictureClient *http.Client
	// Nav is the product's own links in the header, before the account
	// menu: set it where the App is made (cmd/hearth/serve.go), no layout
	// edit needed.
	Nav []layout.NavLink
	// Providers are the enabled social sign-in providers (BuildProviders).
	Providers []*SocialProvider
	// Sessions is the session manager, which New builds from Config.
	Sessions *scs.SessionManager

	crossOrigin *http.CrossOriginProtection
	buffers     *sync.Pool // *bytes.Buffer for render
	jobs        *sync.WaitGroup
	jobSlots    chan struct{}      // inBackground's semaphore
	health      *dbHealth          // the last database failure a request met, for /healthz
	webAuthn    *webauthn.WebAuthn // the passkeys' relying party; nil when off (passkeys.go)
}

// SessionCookieName is the cookie's name in development; production adds the
// __Host- prefix, which browsers only accept with Secure, Path=/ and no Domain.
const SessionCookieName = config.CookiePrefix + "_session"

// New completes a: the optional fields' defaults, the session manager and
// the handlers' own state.
func New(a App) *App {
	if a.Now == nil {
		a.Now = func() time.Time { return time.Now().UTC() }
	}
	if a.Hasher == nil {
		a.Hasher = password.NewHasher(a.Config.HashConcurrency, 2*time.Second)
		a.Hasher.MinLength = a.Config.PasswordMinLength
	}
	if a.Config.PwnedPasswordsURL != "" && a.Hasher.Breached == nil {
		a.Hasher.Breached = password.PwnedPasswords{URL: a.Config.PwnedPasswordsURL, Timeout: 2 * time.Second}
		a.Hasher.OnBreachCheckFailed = func(err error) {
			a.Logger.Warn("breached-password check unavailable: the offline list decided", "err", err)
		}
	}
	if a.WebhookGuard == nil {
		a.WebhookGuard = &webhook.Guard{Strict: a.Config.IsProduction(), AllowPrivate: a.Config.WebhookAllowPrivate}
	}
	if a.PictureClient == nil {
		a.PictureClient = newPictureClient()
	}
	if a.FormKey == nil {
		a.FormKey = make([]byte, 32)
		_, _ = rand.Read(a.FormKey)
	}
	sm := scs.New()
	if ms, ok := sm.Store.(*memstore.MemStore); ok {
		ms.StopCleanup() // scs.New's own store, which ours replaces, runs a goroutine
	}
	sm.Store = a.SessionStore
	sm.Codec = sessionstore.NewCodec(10_000)
	sm.Lifetime = a.Config.SessionLifetime
	sm.IdleTimeout = 0 // enforced by the store, without a write per request
	sm.Cookie.Name = SessionCookieName
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode // Strict breaks OAuth returns in real browsers
	sm.Cookie.Path = "/"
	sm.Cookie.Domain = ""
	sm.Cookie.Persist = false // a signed-in session's cookie persists through RememberMe (startSession)
	if a.Config.IsProduction() {
		sm.Cookie.Name = "__Host-" + SessionCookieName
		sm.Cookie.Secure = true
	}
	a.Sessions = sm
	a.crossOrigin = http.NewCrossOriginProtection()
	a.buffers = &sync.Pool{}
	a.jobs = &sync.WaitGroup{}
	a.jobSlots = make(chan struct{}, backgroundSlots)
	a.health = &dbHealth{}
	a.webAuthn = newWebAuthn(a.Config)
	return &a
}
