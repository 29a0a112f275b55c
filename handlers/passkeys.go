package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/config"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/layout"
	mailview "github.com/hearth-app/hearth/views/mail"
	"github.com/hearth-app/hearth/views/passkeys"
	"github.com/hearth-app/hearth/views/security"
)

// webauthnPrefix is where the passkey ceremonies' JSON endpoints live: POSTs
// the page script (static/js/passkeys.js) calls, refused cross-origin like
// every POST; their errors are problem+json like the API's.
const webauthnPrefix = "/webauthn/"

// maxCeremonyBody bounds a ceremony's JSON body: an attestation with its
// certificate chain is a few kilobytes.
const maxCeremonyBody = 64 << 10

// newWebAuthn is the relying party for cfg: its id is the host of
// HEARTH_BASE_URL, its one origin the base URL's. Browsers refuse an IP
// address as a relying party id: for such a base URL it is nil, and
// passkeys are off (the pages say so).
func newWebAuthn(cfg *config.Config) *webauthn.WebAuthn {
	if cfg == nil || cfg.BaseURL == nil {
		return nil
	}
	host := cfg.BaseURL.Hostname()
	if host == "" || net.ParseIP(host) != nil {
		return nil
	}
	requireKey := true
	w, err := webauthn.New(&webauthn.Config{
		RPID:                  host,
		RPDisplayName:         config.ProductName,
		RPOrigins:             []string{cfg.BaseURL.Scheme + "://" + cfg.BaseURL.Host},
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: &requireKey,
			UserVerification:   protocol.VerificationPreferred,
		},
	})
	if err != nil {
		return nil
	}
	return w
}

// passkeyUser is a user as the WebAuthn library sees them: the user handle
// is the account's id (random, no personal data), the name its address.
type passkeyUser struct {
	u    *models.User
	keys []models.Passkey
}

func (p passkeyUser) WebAuthnID() []byte          { return []byte(p.u.ID) }
func (p passkeyUser) WebAuthnName() string        { return p.u.Email }
func (p passkeyUser) WebAuthnDisplayName() string { return p.u.DisplayName() }
func (p passkeyUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, len(p.keys))
	for i := range p.keys {
		out[i] = p.keys[i].Credential()
	}
	return out
}

// passkeysOn reports whether this server can use passkeys.
func (a *App) passkeysOn() bool { return a.webAuthn != nil }

// requirePasskeys answers 404 where passkeys are off.
func (a *App) requirePasskeys(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !a.passkeysOn() {
			return echo.NewHTTPError(http.StatusNotFound, "Passkeys are not available on this server.")
		}
		return next(c)
	}
}

// refuseSignedInJSON refuses a passkey sign-in to a browser that is signed
// in already (409): like /login, which sends it away; an admin browsing as
// someone must not sign in as another account on top.
func (a *App) refuseSignedInJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return echo.NewHTTPError(http.StatusConflict, "You are signed in already. Sign out first to sign in with a passkey.")
		}
		return next(c)
	}
}

// requireUserJSON refuses a ceremony of a signed-out visitor with 401 (no
// redirect: the caller is a script).
func (a *App) requireUserJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) == nil {
			return echo.NewHTTPError(http.StatusUnauthorized, "Your session has ended. Sign in again to add a passkey.")
		}
		return next(c)
	}
}

// readCeremonyBody reads a ceremony's JSON body, at most maxCeremonyBody.
func readCeremonyBody(c echo.Context) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(c.Request().Body, maxCeremonyBody+1))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || len(b) > maxCeremonyBody {
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
	} else if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "The request could not be read.")
	}
	return b, nil
}

// beginRequest is what the page sends to start a ceremony: for a
// registration, the name the user gave the passkey.
type beginRequest struct {
	Name string `json:"name"`
	// CurrentPassword or Code confirm it is the account's owner when the
	// sign-in is not recent (confirmIdentity).
	CurrentPassword string `json:"current_password"`
	Code            string `json:"code"`
}

// finishResponse tells the page where to go once a ceremony succeeded.
type finishResponse struct {
	Redirect string `json:"redirect"`
}

// PasskeyRegisterBegin starts adding a passkey to the signed-in account:
// the creation options for navigator.credentials.create, whose challenge
// is kept server-side for ChallengeTTL and bound to this browser's session.
func (a *App) PasskeyRegisterBegin(c echo.Context) error {
	u := currentUser(c)
	if u.EmailVerifiedAt == nil {
		return echo.NewHTTPError(http.StatusForbidden, "Confirm your email address first: open the link we mailed you, then add a passkey.")
	}
	body, err := readCeremonyBody(c)
	if err != nil {
		return err
	}
	var req beginRequest
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &req); err != nil || !cleanString(req.Name) || !cleanString(req.CurrentPassword) || !cleanString(req.Code) {
			return echo.NewHTTPError(http.StatusBadRequest, "The request could not be read.")
		}
	}
	if len([]rune(strings.TrimSpace(req.Name))) > models.MaxPasskeyNameLen {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Give the passkey a name of at most 100 characters.")
	}
	if err := a.confirmNewPasskey(c, u, req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	keys, err := models.ListPasskeys(ctx, a.DB, u.ID)
	if err != nil {
		return err
	}
	if len(keys) >= models.MaxPasskeys {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "You have as many passkeys as an account may hold: remove one first.")
	}
	pu := passkeyUser{u: u, keys: keys}
	exclude := make([]protocol.CredentialDescriptor, len(keys))
	for i := range keys {
		cred := keys[i].Credential()
		exclude[i] = cred.Descriptor()
	}
	options, session, err := a.webAuthn.BeginRegistration(pu, webauthn.WithExclusions(exclude))
	if err != nil {
		return err
	}
	id, err := a.saveChallenge(c, models.CeremonyRegister, &u.ID, req.Name, session)
	if err != nil {
		return err
	}
	a.putSession(ctx, keyPasskeyRegistration, id)
	return c.JSON(http.StatusOK, options)
}

// confirmNewPasskey is the step-up before a passkey is added: a passkey is
// a lasting way in, which a stolen session must not be able to plant.
// Within recentSignIn of signing in nothing more is asked; later, the
// current password, or a current code of the authenticator app for an
// account without one; an account with neither signs in again (401).
func (a *App) confirmNewPasskey(c echo.Context, u *models.User, req beginRequest) error {
	confirm, err := a.passkeyConfirm(c, u)
	switch {
	case err != nil:
		return err
	case confirm == "" || a.passkeyConfirmed(c, u):
		return nil
	case confirm == "signin":
		return echo.NewHTTPError(http.StatusUnauthorized, "For your security, sign out and sign in again, then add the passkey within "+waitText(recentSignIn)+".")
	}
	errs, err := a.confirmIdentity(c, u, url.Values{"current_password": {req.CurrentPassword}, "code": {req.Code}})
	if err != nil {
		return err
	}
	if errs["current_password"] != "" {
		return echo.NewHTTPError(http.StatusUnauthorized, "Enter your current password to add a passkey.")
	} else if errs["code"] != "" {
		return echo.NewHTTPError(http.StatusUnauthorized, "Enter the current code from your authenticator app to add a passkey.")
	}
	return nil
}

// passkeyConfirm is what adding a passkey asks of u now (SectionData's
// Confirm): nothing after a recent sign-in, else the password, a code, or
// a new sign-in.
func (a *App) passkeyConfirm(c echo.Context, u *models.User) (string, error) {
	switch {
	case a.signedInRecently(c):
		return "", nil
	case u.PasswordHash != "":
		return "password", nil
	}
	has, err := models.HasSecondFactor(c.Request().Context(), a.DB, u.ID)
	if err != nil || !has {
		return "signin", err
	}
	return "code", nil
}

// PasskeyRegisterFinish checks the authenticator's answer to this browser's
// registration challenge and stores the new passkey, audited and mailed.
func (a *App) PasskeyRegisterFinish(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	ch, session, body, err := a.usersCeremony(c, u, a.popSession(ctx, keyPasskeyRegistration), models.CeremonyRegister)
	if err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body)
	if err != nil {
		return a.ceremonyRefused(c, "registration", err, "The passkey could not be read. Please try again.")
	}
	keys, err := models.ListPasskeys(ctx, a.DB, u.ID)
	if err != nil {
		return err
	}
	cred, err := a.webAuthn.CreateCredential(passkeyUser{u: u, keys: keys}, *session, parsed)
	if err != nil {
		return a.ceremonyRefused(c, "registration", err, "The passkey was not accepted. Please try again.")
	}
	mail := announce(a, ctx, func(ch models.PasskeyChange) []letter {
		return []letter{{ch.User, ch.User.Email, mailview.PasskeyAdded(ch.User, ch.Passkey.Name, a.link("/account/security", nil))}}
	})
	p, err := models.AddPasskey(ctx, a.DB, a.Now(), a.auditBy(c), u, cred, ch.Name, mail)
	switch {
	case errors.Is(err, models.ErrEmailUnverified):
		return echo.NewHTTPError(http.StatusForbidden, "Confirm your email address first: open the link we mailed you, then add a passkey.")
	case errors.Is(err, models.ErrPasskeyTaken):
		return echo.NewHTTPError(http.StatusConflict, "This passkey is registered already.")
	case errors.Is(err, models.ErrTooManyPasskeys):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "You have as many passkeys as an account may hold: remove one first.")
	case errors.Is(err, models.ErrPasskeyName):
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Give the passkey a name of at most 100 characters.")
	case err != nil:
		return err
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	a.flash(c, layout.FlashSuccess, "Passkey “"+p.Name+"” added. You can now sign in with it.")
	return c.JSON(http.StatusOK, finishResponse{Redirect: "/account/security#passkeys"})
}

// PasskeyLoginBegin starts a passkey sign-in without an email: the request
// options for navigator.credentials.get (also with conditional mediation,
// the email field's autofill), for any discoverable passkey of this site.
func (a *App) PasskeyLoginBegin(c echo.Context) error {
	// Each begin stores a challenge (for five minutes): bounded per address.
	if err := a.limit(c, a.Config.Rates.SignInIP, addressKey(c, "passkey-begin-ip")); err != nil {
		return err
	}
	options, session, err := a.webAuthn.BeginDiscoverableLogin()
	if err != nil {
		return err
	}
	id, err := a.saveChallenge(c, models.CeremonyLogin, nil, "", session)
	if err != nil {
		return err
	}
	a.putSession(c.Request().Context(), keyPasskeyLogin, id)
	return c.JSON(http.StatusOK, options)
}

// PasskeyLoginFinish checks the authenticator's answer to this browser's
// sign-in challenge and signs its owner in fully: a passkey is a second
// factor by itself, so no code is asked for. The session token is renewed,
// the sign-in audited; a banned account is refused, a signature counter
// that went back too.
func (a *App) PasskeyLoginFinish(c echo.Context) error {
	ctx := c.Request().Context()
	if err := a.limit(c, a.Config.Rates.SignInIP, addressKey(c, "signin-ip")); err != nil {
		return err
	}
	_, session, err := a.takeChallenge(c, a.popSession(ctx, keyPasskeyLogin), models.CeremonyLogin)
	if err != nil {
		return err
	}
	body, err := readCeremonyBody(c)
	if err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		return a.ceremonyRefused(c, "sign-in", err, "The passkey could not be read. Please try again.")
	}
	key, owner, cred, err := a.checkAssertion(c, session, parsed)
	if err == nil && owner.BannedAt != nil {
		a.audit(c, models.AuditSignInFailed, owner, "", "account banned")
		return echo.NewHTTPError(http.StatusForbidden, "This account has been suspended. Contact support if you think this is a mistake.")
	}
	if err == nil {
		err = models.UsePasskey(ctx, a.DB, a.Now(), key, cred.Authenticator.SignCount, byte(cred.Flags.ProtocolValue()))
	}
	if err != nil {
		if owner != nil {
			a.audit(c, models.AuditSignInFailed, owner, "", "passkey refused")
		}
		if errors.Is(err, models.ErrPasskeyCounter) {
			a.Logger.Warn("passkey counter did not advance", "request_id", c.Get(ctxRequestID), "passkey_id", key.ID)
		}
		return a.ceremonyRefused(c, "sign-in", err, "This passkey was not accepted. Try again, or sign in with your email.")
	}
	if err := models.ResetThrottle(ctx, a.DB, a.signInLockKey(c, owner.Email)); err != nil {
		return err
	}
	if err := a.startSession(c, owner); err != nil {
		return err
	}
	a.rememberDevice(c, owner.Email)
	a.audit(c, models.AuditSignIn, owner, "", "passkey")
	a.flash(c, layout.FlashSuccess, "Welcome back!")
	return c.JSON(http.StatusOK, finishResponse{Redirect: safeNext(c.QueryParam("next"), "/account")})
}

// usersCeremony is the start of a signed-in user's finish: the challenge
// id that this browser's session held (consumed), which must be u's, and
// the authenticator's answer (the request body).
func (a *App) usersCeremony(c echo.Context, u *models.User, id, ceremony string) (*models.Challenge, *webauthn.SessionData, []byte, error) {
	ch, session, err := a.takeChallenge(c, id, ceremony)
	if err != nil {
		return nil, nil, nil, err
	}
	if ch.UserID == nil || *ch.UserID != u.ID {
		return nil, nil, nil, ceremonyExpired()
	}
	body, err := readCeremonyBody(c)
	return ch, session, body, err
}

// passkeyConfirmWindow is how long a passkey confirmation stands for the
// password in this session: long enough to finish the form it was asked for.
const passkeyConfirmWindow = 5 * time.Minute

// PasskeyConfirmBegin starts a step-up with one of the signed-in user's
// passkeys: the request options for navigator.credentials.get, limited to
// the user's own passkeys. Accounts without a password use it where others
// type their password (email change, deletion, turning two-factor off, new
// recovery codes, adding another passkey).
func (a *App) PasskeyConfirmBegin(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	// Each begin stores a challenge (for five minutes): bounded per address.
	if err := a.limit(c, a.Config.Rates.SignInIP, addressKey(c, "passkey-begin-ip")); err != nil {
		return err
	}
	keys, err := models.ListPasskeys(ctx, a.DB, u.ID)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return echo.NewHTTPError(http.StatusConflict, "You have no passkey to confirm with.")
	}
	options, session, err := a.webAuthn.BeginLogin(passkeyUser{u: u, keys: keys})
	if err != nil {
		return err
	}
	id, err := a.saveChallenge(c, models.CeremonyConfirm, &u.ID, "", session)
	if err != nil {
		return err
	}
	a.putSession(ctx, keyPasskeyConfirm, id)
	return c.JSON(http.StatusOK, options)
}

// PasskeyConfirmFinish checks the authenticator's answer to this browser's
// confirmation challenge: a passkey of the signed-in user, its signature
// and a counter that moved on. This session then counts as confirmed for
// passkeyConfirmWindow (passkeyConfirmed). A refusal counts against the
// account's sign-in limit like a wrong password.
func (a *App) PasskeyConfirmFinish(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	_, session, body, err := a.usersCeremony(c, u, a.popSession(ctx, keyPasskeyConfirm), models.CeremonyConfirm)
	if err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		return a.ceremonyRefused(c, "confirmation", err, "The passkey could not be read. Please try again.")
	}
	keys, err := models.ListPasskeys(ctx, a.DB, u.ID)
	if err != nil {
		return err
	}
	cred, err := a.webAuthn.ValidateLogin(passkeyUser{u: u, keys: keys}, *session, parsed)
	var key *models.Passkey
	if err == nil {
		for i := range keys {
			if bytes.Equal(keys[i].CredentialID, cred.ID) {
				key = &keys[i]
			}
		}
		switch {
		case key == nil:
			err = models.ErrNotFound
		case cred.Authenticator.CloneWarning:
			err = models.ErrPasskeyCounter
		default:
			err = models.UsePasskey(ctx, a.DB, a.Now(), key, cred.Authenticator.SignCount, byte(cred.Flags.ProtocolValue()))
		}
	}
	if err != nil {
		if errors.Is(err, models.ErrPasskeyCounter) {
			a.Logger.Warn("passkey counter did not advance", "request_id", c.Get(ctxRequestID), "passkey_id", key.ID)
		}
		if lerr := a.limit(c, a.Config.Rates.SignInAccount, a.signInLockKey(c, u.Email)); lerr != nil {
			return lerr
		}
		return a.ceremonyRefused(c, "confirmation", err, "This passkey was not accepted. Please try again.")
	}
	a.putSession(ctx, keyPasskeyConfirmedAt, strconv.FormatInt(a.Now().Unix(), 10))
	return c.JSON(http.StatusOK, struct {
		Confirmed bool `json:"confirmed"`
	}{true})
}

// canConfirmWithPasskey reports whether u, who has no password, may
// confirm a change with a passkey here: the server has passkeys and u has one.
func (a *App) canConfirmWithPasskey(c echo.Context, u *models.User) (bool, error) {
	if !a.passkeysOn() || u.PasswordHash != "" {
		return false, nil
	}
	keys, err := models.ListPasskeys(c.Request().Context(), a.DB, u.ID)
	return len(keys) > 0, err
}

// passkeyConfirmed reports whether this session's user, who has no
// password, confirmed it was them with a passkey within
// passkeyConfirmWindow.
func (a *App) passkeyConfirmed(c echo.Context, u *models.User) bool {
	if u.PasswordHash != "" {
		return false
	}
	at, err := strconv.ParseInt(a.sessionString(c.Request().Context(), keyPasskeyConfirmedAt), 10, 64)
	return err == nil && a.Now().Sub(time.Unix(at, 0)) <= passkeyConfirmWindow
}

// checkAssertion checks a sign-in's assertion against session: the
// passkey it names (by credential id, with the user handle of its owner),
// its signature, and a counter that moved on (models.ErrPasskeyCounter
// otherwise). The passkey and its owner are returned as soon as they are
// known, for the audit of a refusal; a database failure is returned as it
// is, not as a refusal.
func (a *App) checkAssertion(c echo.Context, session *webauthn.SessionData, parsed *protocol.ParsedCredentialAssertionData) (*models.Passkey, *models.User, *webauthn.Credential, error) {
	var key *models.Passkey
	var owner *models.User
	var lookupErr error
	found := func(rawID, userHandle []byte) (webauthn.User, error) {
		p, u, err := models.PasskeyByCredentialID(c.Request().Context(), a.DB, rawID)
		if err != nil {
			if !errors.Is(err, models.ErrNotFound) {
				lookupErr = err
			}
			return nil, err
		}
		if u.ID != string(userHandle) {
			return nil, models.ErrNotFound
		}
		key, owner = p, u
		return passkeyUser{u: u, keys: []models.Passkey{*p}}, nil
	}
	_, cred, err := a.webAuthn.ValidatePasskeyLogin(found, *session, parsed)
	switch {
	case lookupErr != nil:
		return nil, nil, nil, lookupErr
	case err == nil && cred.Authenticator.CloneWarning:
		err = models.ErrPasskeyCounter
	}
	return key, owner, cred, err
}

// ceremonyExpired answers a finish without a live challenge of this
// browser: none begun, used already, or older than ChallengeTTL.
func ceremonyExpired() error {
	return echo.NewHTTPError(http.StatusBadRequest, "This passkey request has expired or was used already. Please try again.")
}

// saveChallenge stores a ceremony's session data and returns its id, for
// the browser's session to hold (replacing one begun before).
func (a *App) saveChallenge(c echo.Context, ceremony string, userID *string, name string, session *webauthn.SessionData) (string, error) {
	data, err := json.Marshal(session)
	if err != nil {
		return "", err
	}
	return models.SaveChallenge(c.Request().Context(), a.DB, a.Now(), models.Challenge{Ceremony: ceremony, UserID: userID, Name: strings.TrimSpace(name), Data: string(data)})
}

// takeChallenge consumes the challenge id, which the browser's session
// held: once, and only within ChallengeTTL.
func (a *App) takeChallenge(c echo.Context, id, ceremony string) (*models.Challenge, *webauthn.SessionData, error) {
	ctx := c.Request().Context()
	ch, err := models.TakeChallenge(ctx, a.DB, a.Now(), id, ceremony)
	if errors.Is(err, models.ErrChallengeInvalid) {
		return nil, nil, ceremonyExpired()
	} else if err != nil {
		return nil, nil, err
	}
	var session webauthn.SessionData
	if err := json.Unmarshal([]byte(ch.Data), &session); err != nil {
		return nil, nil, err
	}
	return ch, &session, nil
}

// ceremonyRefused answers an authenticator's answer that does not check
// out (401 for a sign-in, 400 for a registration) with msg; the library's
// reason is logged, never shown. Database failures pass through.
func (a *App) ceremonyRefused(c echo.Context, ceremony string, err error, msg string) error {
	var perr *protocol.Error
	if !errors.As(err, &perr) && !errors.Is(err, models.ErrNotFound) && !errors.Is(err, models.ErrPasskeyCounter) {
		return err
	}
	a.Logger.Info("passkey refused", "ceremony", ceremony, "request_id", c.Get(ctxRequestID), "reason", err.Error())
	if ceremony == "sign-in" {
		return echo.NewHTTPError(http.StatusUnauthorized, msg)
	}
	return echo.NewHTTPError(http.StatusBadRequest, msg)
}

// passkeySection is the passkeys part of the security page; failed is a
// rename or removal to show again with its error.
func (a *App) passkeySection(c echo.Context, failed passkeys.SectionData) (passkeys.SectionData, error) {
	u := currentUser(c)
	list, err := models.ListPasskeys(c.Request().Context(), a.DB, u.ID)
	if err != nil {
		return failed, err
	}
	d := failed
	d.Available, d.Verified, d.Rows = a.passkeysOn(), u.EmailVerifiedAt != nil, nil
	if d.Confirm, err = a.passkeyConfirm(c, u); err != nil {
		return failed, err
	}
	for _, p := range list {
		row := passkeys.Row{ID: p.ID, Name: p.Name, Created: p.CreatedAt, LastUsed: p.LastUsedAt}
		if p.ID == failed.FailedID {
			row.NameValue = failed.NameValue
		}
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}

// PasskeyRenameSubmit renames one of the user's passkeys; a bad name is
// shown again next to its field.
func (a *App) PasskeyRenameSubmit(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	err = models.RenamePasskey(c.Request().Context(), a.DB, u, c.Param("id"), form.Get("name"))
	switch {
	case errors.Is(err, models.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, "That passkey does not exist or was removed.")
	case errors.Is(err, models.ErrPasskeyName):
		return a.renderSecurity(c, http.StatusUnprocessableEntity, security.SecurityPageData{Passkeys: passkeys.SectionData{FailedID: c.Param("id"), NameValue: form.Get("name"),
			RenameError: "Give the passkey a name of at most 100 characters."}})
	case err != nil:
		return err
	}
	a.flash(c, layout.FlashSuccess, "Passkey renamed.")
	return redirect(c, "/account/security#passkeys")
}

// PasskeyDeleteSubmit removes one of the user's passkeys, audited and
// mailed, unless it is the account's last way to sign in.
func (a *App) PasskeyDeleteSubmit(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	mail := announce(a, ctx, func(ch models.PasskeyChange) []letter {
		return []letter{{ch.User, ch.User.Email, mailview.PasskeyRemoved(ch.User, ch.Passkey.Name, a.link("/account/security", nil))}}
	})
	p, err := models.DeletePasskey(ctx, a.DB, a.Now(), a.auditBy(c), u, c.Param("id"), a.Config.EmailSignIn, mail)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, "That passkey does not exist or was removed already.")
	case errors.Is(err, models.ErrLastSignInMethod):
		return a.renderSecurity(c, http.StatusUnprocessableEntity, security.SecurityPageData{Passkeys: passkeys.SectionData{FailedID: c.Param("id"),
			DeleteError: "This passkey is your only way to sign in: set a password or add another passkey before removing it."}})
	case err != nil:
		return err
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	a.flash(c, layout.FlashSuccess, "Passkey “"+p.Name+"” removed.")
	return redirect(c, "/account/security#passkeys")
}
