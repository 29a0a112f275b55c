package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/static"
)

// Routes returns the whole URL surface with its middleware, in order.
func (a *App) Routes() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = a.handleError
	e.IPExtractor = a.ipExtractor()

	// Every request: static files and health checks too.
	e.Use(a.requestID, a.recoverPanic, a.securityHeaders, a.limitBody, a.logRequest, a.checkHost)
	// Pages: a session, cross-origin refusal and the current user. Applied
	// with e.Use so that 404 and 405 pages know who is signed in; the
	// session middleware passes static files and health checks by. A
	// request that wrote answers once this instance's session cache has
	// heard of its changes (SyncAfterWrites, outermost: after the session's
	// own commit).
	e.Use(a.SessionStore.SyncAfterWrites, a.loadSession, a.refuseCrossOrigin, a.loadUser, a.loadImpersonator)

	e.GET("/healthz", a.Healthz)
	// Profile photos: no session needed (photo.go).
	e.GET(avatarPrefix+":id/:file", a.AvatarImage)
	assets := e.Group(staticPrefix, cacheStatic)
	assets.StaticFS("/", static.FS)

	e.GET("/", a.Home)
	e.POST("/theme", a.ThemeSubmit)
	e.POST("/password/strength", a.PasswordStrength)
	e.POST("/time-zone", a.TimeZoneSubmit)

	e.GET("/signup", a.SignupPage, a.redirectSignedIn)
	e.POST("/signup", a.SignupSubmit, a.redirectSignedIn)
	e.GET("/login", a.LoginPage, a.redirectSignedIn)
	e.POST("/login", a.LoginSubmit, a.redirectSignedIn)
	if a.Config.EmailSignIn {
		e.POST("/login/email", a.EmailSignInSubmit, a.redirectSignedIn)
		e.GET("/login/code", a.EmailCodePage, a.redirectSignedIn)
		e.POST("/login/code", a.EmailCodeSubmit, a.redirectSignedIn)
		e.GET("/login/link", a.EmailLinkPage, a.redirectSignedIn)
		e.POST("/login/link", a.EmailLinkSubmit, a.redirectSignedIn)
	}
	e.POST("/logout", a.Logout)
	e.GET("/login/2fa", a.SecondFactorPage, a.redirectSignedIn)
	e.POST("/login/2fa", a.SecondFactorSubmit, a.redirectSignedIn)
	e.GET("/forgot-password", a.ForgotPasswordPage)
	e.POST("/forgot-password", a.ForgotPasswordSubmit)
	e.GET("/reset-password", a.ResetPasswordPage)
	e.POST("/reset-password", a.ResetPasswordSubmit)
	e.GET("/verify-email", a.VerifyEmailPage)
	e.POST("/verify-email", a.VerifyEmailSubmit)
	e.POST("/verify-email/change", a.EmailChangeSubmit)
	e.GET("/auth/:provider", a.SocialBegin, a.redirectSignedIn)
	e.GET("/auth/:provider/callback", a.SocialCallback)
	e.POST("/auth/:provider/connect", a.SocialConnect, a.requireUser, a.refuseWhileImpersonating)
	e.GET("/auth/:provider/connect", a.SocialConnectContinue, a.requireUser, a.refuseWhileImpersonating)

	// Protected: signed-in users only.
	account := e.Group("/account", a.requireUser)
	account.GET("", a.AccountPage)
	account.GET("/security", a.SecurityPage)
	account.POST("/2fa/totp/setup", a.TOTPSetupSubmit, a.refuseWhileImpersonating)
	account.POST("/2fa/totp/confirm", a.TOTPConfirmSubmit, a.refuseWhileImpersonating)
	account.POST("/2fa/totp/disable", a.TOTPDisableSubmit, a.refuseWhileImpersonating)
	account.POST("/2fa/recovery-codes", a.RecoveryCodesSubmit, a.refuseWhileImpersonating)
	account.POST("/profile", a.ProfileSubmit)
	// The photo is the account's face to admins and teammates: the user's
	// own to change, not an admin's browsing as them.
	account.POST("/photo", a.PhotoSubmit, a.refuseWhileImpersonating)
	account.POST("/photo/delete", a.PhotoDeleteSubmit, a.refuseWhileImpersonating)
	account.POST("/time-zone", a.AccountTimeZoneSubmit)
	// An admin browsing as this user may look, not take the account over.
	account.POST("/password", a.PasswordSubmit, a.refuseWhileImpersonating)
	account.POST("/password/set", a.SetPasswordSubmit, a.refuseWhileImpersonating)
	account.POST("/identities/:id/disconnect", a.DisconnectIdentitySubmit, a.refuseWhileImpersonating)
	account.POST("/email", a.EmailSubmit, a.refuseWhileImpersonating)
	account.POST("/email/cancel", a.EmailCancelSubmit, a.refuseWhileImpersonating)
	account.POST("/delete", a.DeleteSubmit, a.refuseWhileImpersonating)
	account.POST("/verify-email/resend", a.ResendVerificationSubmit)
	account.GET("/sessions", a.SessionsPage)
	account.POST("/sessions/revoke-others", a.RevokeOtherSessionsSubmit)
	account.POST("/sessions/:id/revoke", a.RevokeSessionSubmit)
	account.GET("/tokens", a.TokensPage)
	account.GET("/export", a.ExportPage, a.refuseWhileImpersonating)
	account.POST("/tokens", a.TokenSubmit, a.refuseWhileImpersonating)
	account.POST("/tokens/:id/revoke", a.RevokeTokenSubmit)
	account.POST("/passkeys/:id/rename", a.PasskeyRenameSubmit, a.refuseWhileImpersonating)
	account.POST("/passkeys/:id/delete", a.PasskeyDeleteSubmit, a.refuseWhileImpersonating)

	// Passkey ceremonies: JSON for static/js/passkeys.js, problem+json
	// errors, 404 where passkeys are off. Registering needs the account
	// (not an admin browsing as it); signing in needs no one.
	wa := e.Group("/webauthn")
	wa.POST("/register/begin", a.PasskeyRegisterBegin, a.requirePasskeys, a.requireUserJSON, a.refuseWhileImpersonating)
	wa.POST("/register/finish", a.PasskeyRegisterFinish, a.requirePasskeys, a.requireUserJSON, a.refuseWhileImpersonating)
	wa.POST("/confirm/begin", a.PasskeyConfirmBegin, a.requirePasskeys, a.requireUserJSON, a.refuseWhileImpersonating)
	wa.POST("/confirm/finish", a.PasskeyConfirmFinish, a.requirePasskeys, a.requireUserJSON, a.refuseWhileImpersonating)
	wa.POST("/login/begin", a.PasskeyLoginBegin, a.requirePasskeys, a.refuseSignedInJSON)
	wa.POST("/login/finish", a.PasskeyLoginFinish, a.requirePasskeys, a.refuseSignedInJSON)

	// Organizations (orgs.go). Under /orgs/:slug, requireOrgRole answers
	// 404 to non-members and 403 to members below the route's role; a
	// product's org-scoped pages go in the org group.
	e.GET("/orgs", a.OrgsPage, a.requireUser)
	e.POST("/orgs", a.OrgCreateSubmit, a.requireUser)
	e.POST("/orgs/invitations/:id/:answer", a.MyInvitationAnswer, a.requireUser)
	e.GET("/invitations/:token", a.InvitationPage)
	e.POST("/invitations/:token", a.InvitationSubmit, a.requireUser)
	org := e.Group("/orgs/:slug", a.requireOrgRole(models.OrgMember))
	org.GET("", a.OrgHome)
	org.GET("/members", a.OrgMembersPage)
	org.POST("/leave", a.OrgLeave)
	org.POST("/invitations", a.OrgInviteSubmit, a.requireOrgRole(models.OrgAdmin))
	org.POST("/invitations/:id/resend", a.OrgInvitationResend, a.requireOrgRole(models.OrgAdmin))
	org.POST("/invitations/:id/revoke", a.OrgInvitationRevoke, a.requireOrgRole(models.OrgAdmin))
	org.POST("/members/:id/role", a.OrgMemberRole, a.requireOrgRole(models.OrgAdmin))
	org.POST("/members/:id/remove", a.OrgMemberRemove, a.requireOrgRole(models.OrgAdmin))
	org.GET("/settings", a.OrgSettingsPage, a.requireOrgRole(models.OrgOwner))
	org.POST("/settings", a.OrgSettingsSubmit, a.requireOrgRole(models.OrgOwner))
	// An admin browsing as an owner may look, not give the team away.
	org.POST("/transfer", a.OrgTransferSubmit, a.requireOrgRole(models.OrgOwner), a.refuseWhileImpersonating)
	org.POST("/delete", a.OrgDeleteSubmit, a.requireOrgRole(models.OrgOwner), a.refuseWhileImpersonating)

	// The JSON API: a bearer token or the session cookie; errors are
	// problem+json, also for unknown routes and methods under /api/ (the
	// middleware is per route: a group's would turn every 405 into a 404).
	api := e.Group("/api/v1")
	api.GET("/me", a.APIMe, a.requireAPIUser)
	api.PATCH("/me", a.APIUpdateMe, a.requireAPIUser)
	// An admin browsing as someone gets no token that speaks for them.
	api.POST("/token", a.APIToken, a.requireAPIUser, a.refuseWhileImpersonating)
	e.GET(jwksPath, a.JWKS)

	// Development only, and to this machine only: the component gallery,
	// and (without SMTP) the mailbox where mail goes.
	if a.devPagesOn() {
		e.GET("/dev/components", a.DevComponents, a.loopbackOnly)
	}
	if a.devMailboxOn() {
		e.GET("/dev/mail", a.DevMailbox, a.loopbackOnly)
		e.GET("/dev/mail/:id", a.DevMail, a.loopbackOnly)
		e.GET("/dev/mail/:id/html", a.DevMailHTML, a.loopbackOnly)
	}

	// Admins only, and not while impersonating someone.
	adm := e.Group("/admin", a.requireAdmin, a.refuseWhileImpersonating, a.requireAdminSecondFactor)
	adm.GET("", a.AdminDashboard)
	adm.GET("/users", a.AdminUsers)
	adm.GET("/users/:id", a.AdminUser)
	adm.POST("/users/:id/role", a.AdminSetRole)
	adm.POST("/users/:id/ban", a.AdminBan)
	adm.POST("/users/:id/unban", a.AdminUnban)
	adm.POST("/users/:id/verify-email", a.AdminVerifyEmail)
	adm.POST("/users/:id/sessions/revoke", a.AdminRevokeSessions)
	adm.POST("/users/:id/tokens/revoke", a.AdminRevokeToken)
	adm.POST("/users/:id/delete", a.AdminDelete)
	adm.POST("/users/:id/impersonate", a.AdminImpersonate)
	adm.POST("/users/:id/send-reset", a.AdminSendReset)
	adm.POST("/users/:id/2fa/reset", a.AdminResetTwoFactor)
	adm.POST("/users/:id/photo/delete", a.AdminRemovePhoto)
	adm.GET("/orgs", a.AdminOrgs)
	adm.GET("/orgs/:id", a.AdminOrg)
	adm.GET("/audit", a.AdminAudit)
	adm.GET("/audit/export", a.AdminAuditExport)
	adm.GET("/webhooks", a.AdminWebhooks)
	adm.POST("/webhooks", a.AdminCreateWebhook)
	adm.GET("/webhooks/:id", a.AdminWebhook)
	adm.POST("/webhooks/:id", a.AdminUpdateWebhook)
	adm.POST("/webhooks/:id/enable", a.AdminEnableWebhook)
	adm.POST("/webhooks/:id/disable", a.AdminDisableWebhook)
	adm.POST("/webhooks/:id/rotate", a.AdminRotateWebhook)
	adm.POST("/webhooks/:id/test", a.AdminTestWebhook)
	adm.POST("/webhooks/:id/resend", a.AdminResendWebhook)
	adm.POST("/webhooks/:id/delete", a.AdminDeleteWebhook)
	// The way back from impersonation: the current user is the member.
	e.POST("/admin/impersonation/stop", a.StopImpersonation, a.requireUser)

	return e
}

// staticPrefix is where assets are served; they need no session.
const staticPrefix = "/static"

// cacheStatic lets browsers keep assets for an hour.
func cacheStatic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		return next(c)
	}
}
