package handlers

import (

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/static"
)

// Routes returns the whole URL surface with its middleware, in order.
func (a *App) Routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = a.handleError
	e.IPExtractor = a.ipExtractor()

	// Standard: every request, static files and health checks included.
	e.Use(a.requestID, a.recoverPanic, a.securityHeaders, a.limitBody, a.logRequest)

	e.GET("/healthz", a.Healthz)
	assets := e.Group("/static", cacheStatic)
	assets.StaticFS("/", static.FS)

	// Dynamic: pages with a session. Unknown paths fall into this group too,
	// so the 404 page knows who is signed in.
	dyn := e.Group("", a.loadSession, a.refuseCrossOrigin, a.loadUser)
	dyn.GET("/", a.Home)

	dyn.GET("/signup", a.SignupPage, a.redirectSignedIn)
	dyn.POST("/signup", a.SignupSubmit, a.redirectSignedIn)
	dyn.GET("/login", a.LoginPage, a.redirectSignedIn)
	dyn.POST("/login", a.LoginSubmit, a.redirectSignedIn)
	dyn.POST("/logout", a.Logout)

	// Protected: signed-in users only.
	account := dyn.Group("/account", a.requireUser)
	account.GET("", a.AccountPage)

	return e
}

// cacheStatic lets browsers keep assets for an hour.
func cacheStatic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		return next(c)
	}
}

