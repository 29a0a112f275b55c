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

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/internal/password"
	"github.com/hearth-app/hearth/models"
)

// App holds every dependency of the HTTP layer. It is built once in cmd/ and
// its methods are the handlers.
type App struct {
	Config   *config.Config
	Logger   *slog.Logger
	DB       *models.DB
	Sessions *scs.SessionManager
	Hasher   *password.Hasher
	Now      func() time.Time
	// MailSender, when set, is woken whenever a mail is queued.
	MailSender interface{ Wake() }
	// Providers are the enabled social sign-in providers (BuildProviders).
	Providers []*SocialProvider

	crossOrigin *http.CrossOriginProtection
	formKey     []byte    // signs form time stamps
	buffers     sync.Pool // *bytes.Buffer for render
	jobs        sync.WaitGroup
	jobSlots    chan struct{} // inBackground's semaphore
}

// Deps are what New needs. Now defaults to the wall clock in UTC.
type Deps struct {
	Config *config.Config
	Logger *slog.Logger
	DB     *models.DB
	Hasher *password.Hasher
	Now    func() time.Time
	// FormKey signs the sign-up form's time stamp; instances sharing a
	// database must share it (models.AppSecret). Random when nil.
	FormKey []byte
	// MailSender is woken when a mail is queued (optional: it polls anyway).
	MailSender interface{ Wake() }
	// Providers are the social sign-in providers (BuildProviders).
	Providers []*SocialProvider
}

// SessionCookieName is the cookie's name in development; production adds the
// __Host- prefix, which browsers only accept with Secure, Path=/ and no Domain.
const SessionCookieName = "hearth_session"

// New builds the App and its session manager.
func New(d Deps) *App {
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	if d.Hasher == nil {
		d.Hasher = password.NewHasher(d.Config.HashConcurrency, 2*time.Second)
		d.Hasher.MinLength = d.Config.PasswordMinLength
	}
	if d.FormKey == nil {
		d.FormKey = make([]byte, 32)
		_, _ = rand.Read(d.FormKey)
	}
	sm := scs.New()
	sm.Store = models.NewSessionStore(d.DB, d.Config.SessionIdleTimeout, d.Now)
	sm.Codec = models.NewSessionCodec(10_000)
	sm.Lifetime = d.Config.SessionLifetime
	sm.IdleTimeout = 0 // enforced by the store, without a write per request
	sm.Cookie.Name = SessionCookieName
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode // Strict breaks OAuth returns in real browsers
	sm.Cookie.Path = "/"
	sm.Cookie.Domain = ""
	sm.Cookie.Persist = true
	if d.Config.IsProduction() {
		sm.Cookie.Name = "__Host-" + SessionCookieName
		sm.Cookie.Secure = true
	}
	return &App{
		Config:      d.Config,
		Logger:      d.Logger,
		DB:          d.DB,
		Sessions:    sm,
		Hasher:      d.Hasher,
		Now:         d.Now,
		crossOrigin: http.NewCrossOriginProtection(),
		formKey:     d.FormKey,
		MailSender:  d.MailSender,
		Providers:   d.Providers,
		jobSlots:    make(chan struct{}, backgroundSlots),
	}
}
