package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/admin"
	"github.com/hearth-app/hearth/views/layout"
	mailview "github.com/hearth-app/hearth/views/mail"
)

// maxBanReason bounds the reason kept in the audit log.
const maxBanReason = 200

// AdminUsers lists users with search, filters, sort and pages.
func (a *App) AdminUsers(c echo.Context) error {
	q := models.UserQuery{
		Search: c.QueryParam("q"), Role: c.QueryParam("role"), Status: c.QueryParam("status"),
		Sort: c.QueryParam("sort"), Page: pageParam(c), PerPage: intParam(c, "per_page"),
	}
	list, err := models.ListUsers(c.Request().Context(), a.DB, q)
	if err != nil {
		return err
	}
	if list.Query.Page > list.Pages() { // an old link past the end: its last page
		return c.Redirect(http.StatusSeeOther, admin.UsersURL(list.Query, list.Pages()))
	}
	return a.render(c, http.StatusOK, admin.UsersPage(a.page(c, "Users"), admin.UsersPageData{List: list}))
}

// AdminUser shows one user.
func (a *App) AdminUser(c echo.Context) error {
	u, err := a.adminTarget(c)
	if err != nil {
		return err
	}
	return a.renderAdminUser(c, http.StatusOK, admin.UserPageData{User: u})
}

// renderAdminUser fills in the rest of the user page (sessions, events) and
// renders it; actions re-render it with a status and an error.
func (a *App) renderAdminUser(c echo.Context, status int, d admin.UserPageData) error {
	ctx := c.Request().Context()
	var err error
	if d.User.BannedAt != nil {
		if d.BanReason, err = models.BanReason(ctx, a.DB, d.User.ID); err != nil {
			return err
		}
	}
	var sessions []models.SessionInfo
	sessions, err = models.ListUserSessions(ctx, a.DB, a.Now(), a.Config.SessionIdleTimeout, d.User.ID)
	if err != nil {
		return err
	}
	for _, s := range sessions {
		d.Sessions = append(d.Sessions, admin.SessionRow{SessionInfo: s, Device: describeDevice(s.UserAgent).String()})
	}
	if d.Identities, err = models.IdentitiesOf(ctx, a.DB, d.User.ID); err != nil {
		return err
	}
	if d.Tokens, err = models.ListAPITokens(ctx, a.DB, d.User.ID); err != nil {
		return err
	}
	if d.TwoFactor, err = models.TwoFactorStatus(ctx, a.DB, d.User.ID); err != nil {
		return err
	}
	if d.Passkeys, err = models.CountPasskeys(ctx, a.DB, d.User.ID); err != nil {
		return err
	}
	if d.Events, err = models.AuditEventsFor(ctx, a.DB, d.User.ID, 20); err != nil {
		return err
	}
	if d.People, err = models.UsersByID(ctx, a.DB, eventPeople(d.Events)); err != nil {
		return err
	}
	me := currentUser(c)
	d.IsSelf = d.User.ID == me.ID
	d.CanImpersonate = impersonationRefusal(me, d.User) == ""
	return a.render(c, status, admin.UserPage(a.page(c, d.User.DisplayName()), d))
}

// AdminSetRole makes a user an admin or a member. An admin changing their
// own role gets a new session token; one who demotes themselves leaves the
// admin area.
func (a *App) AdminSetRole(c echo.Context) error {
	form, target, err := a.adminForm(c)
	if err != nil {
		return err
	}
	role := form.Get("role")
	if role != target.Role && (role == models.RoleAdmin || role == models.RoleMember) {
		if asked, err := a.askUnlessConfirmed(c, form, target, admin.RoleConfirmation(target, role)); asked {
			return err
		}
	}
	keep := "" // the target's sessions end; an admin changing their own role renews theirs below
	if target.ID == currentUser(c).ID {
		keep = a.currentTokenHash(c)
	}
	u, changed, err := models.SetRole(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), target.ID, role, keep)
	if err != nil {
		return a.adminActionFailed(c, target, err)
	}
	if !changed {
		a.flash(c, layout.FlashInfo, u.Email+" is already "+articled(u.Role)+".")
		return redirect(c, admin.UserURL(u.ID))
	}
	if u.ID == currentUser(c).ID {
		if err := a.Sessions.RenewToken(c.Request().Context()); err != nil {
			return err
		}
		if !u.IsAdmin() {
			a.flash(c, layout.FlashSuccess, "You are now a member and no longer have access to the admin area.")
			return redirect(c, "/account")
		}
	}
	a.flash(c, layout.FlashSuccess, u.Email+" is now "+articled(u.Role)+".")
	return redirect(c, admin.UserURL(u.ID))
}

// AdminBan bans a user: every session of theirs ends at once and they can no
// longer sign in.
func (a *App) AdminBan(c echo.Context) error {
	form, target, err := a.adminForm(c)
	if err != nil {
		return err
	}
	reason := models.NormalizeName(form.Get("reason"))
	if !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > maxBanReason {
		d := admin.UserPageData{User: target, Ban: admin.BanForm{Reason: reason, Error: "Keep the reason under 200 characters."}}
		return a.renderAdminUser(c, http.StatusUnprocessableEntity, d)
	}
	if target.BannedAt == nil {
		if asked, err := a.askUnlessConfirmed(c, form, target, admin.BanConfirmation(target)); asked {
			return err
		}
	}
	u, _, err := models.BanUser(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), target.ID, reason)
	if err != nil {
		return a.adminActionFailed(c, target, err)
	}
	a.flash(c, layout.FlashSuccess, u.Email+" is banned and signed out everywhere.")
	return redirect(c, admin.UserURL(u.ID))
}

// AdminUnban lifts a ban.
func (a *App) AdminUnban(c echo.Context) error {
	target, err := a.adminTarget(c)
	if err != nil {
		return err
	}
	u, _, err := models.UnbanUser(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), target.ID)
	if err != nil {
		return a.adminActionFailed(c, target, err)
	}
	a.flash(c, layout.FlashSuccess, u.Email+" can sign in again.")
	return redirect(c, admin.UserURL(u.ID))
}

// AdminVerifyEmail marks the user's address verified.
func (a *App) AdminVerifyEmail(c echo.Context) error {
	target, err := a.adminTarget(c)
	if err != nil {
		return err
	}
	mail := announce(a, c.Request().Context(), func(p models.Proved) []letter { return a.proofLetters(p.User, p.Proof) })
	u, _, err := models.MarkEmailVerified(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), target.ID, mail)
	if err != nil {
		return a.adminActionFailed(c, target, err)
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	a.flash(c, layout.FlashSuccess, u.Email+" is marked verified.")
	return redirect(c, admin.UserURL(u.ID))
}

// AdminRevokeSessions ends one session of the user (form field session, its
// public id) or all of them. On their own page an admin keeps the session they are using.
func (a *App) AdminRevokeSessions(c echo.Context) error {
	form, target, err := a.adminForm(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if id := form.Get("session"); id != "" {
		err := models.AdminRevokeSessions(ctx, a.DB, a.Now(), a.auditBy(c), target, id, "")
		if errors.Is(err, models.ErrNotFound) {
			a.flash(c, layout.FlashInfo, "That session had already ended.")
			return redirect(c, admin.UserURL(target.ID))
		} else if err != nil {
			return err
		}
		a.flash(c, layout.FlashSuccess, "The session has ended.")
		return redirect(c, admin.UserURL(target.ID))
	}
	self := target.ID == currentUser(c).ID
	if asked, err := a.askUnlessConfirmed(c, form, target, admin.RevokeAllConfirmation(target, self)); asked {
		return err
	}
	keep := ""
	if self {
		keep = a.currentTokenHash(c)
	}
	if err := models.AdminRevokeSessions(ctx, a.DB, a.Now(), a.auditBy(c), target, "", keep); err != nil {
		return err
	}
	a.flash(c, layout.FlashSuccess, "Every session of "+target.Email+" has ended.")
	return redirect(c, admin.UserURL(target.ID))
}

// AdminDelete deletes a user after the admin typed the user's email.
func (a *App) AdminDelete(c echo.Context) error {
	form, target, err := a.adminForm(c)
	if err != nil {
		return err
	}
	confirm := strings.TrimSpace(form.Get("confirm"))
	if models.NormalizeEmail(confirm) != target.Email {
		d := admin.UserPageData{User: target, Delete: admin.DeleteForm{Confirm: confirm, Error: "Type " + target.Email + " to confirm."}}
		return a.renderAdminUser(c, http.StatusUnprocessableEntity, d)
	}
	u, err := models.AdminDeleteUser(c.Request().Context(), a.DB, a.auditBy(c), target.ID)
	if err != nil {
		return a.adminActionFailed(c, target, err)
	}
	a.flash(c, layout.FlashSuccess, u.Email+" has been deleted.")
	return redirect(c, "/admin/users")
}

// adminForm reads an admin action's form and the user it is about (404
// when there is none).
func (a *App) adminForm(c echo.Context) (url.Values, *models.User, error) {
	form, err := parseForm(c)
	if err != nil {
		return nil, nil, err
	}
	target, err := a.adminTarget(c)
	return form, target, err
}

// askUnlessConfirmed shows the confirm page for a dangerous action whose
// form was not confirmed yet (asked is true; err is the rendering's). The
// page posts the same fields again with confirmed=yes, which the user page's
// dialog adds directly when JavaScript runs.
func (a *App) askUnlessConfirmed(c echo.Context, form url.Values, target *models.User, q admin.Confirmation) (asked bool, err error) {
	if form.Get(admin.ConfirmField) == admin.ConfirmValue {
		return false, nil
	}
	d := admin.ConfirmPageData{Confirmation: q, Action: c.Request().URL.Path, Fields: form, Back: admin.UserURL(target.ID)}
	return true, a.render(c, http.StatusOK, admin.ConfirmPage(a.page(c, q.Title), d))
}

// adminActionFailed answers a refused admin action: the user page again,
// with the reason, and 409 (the request was fine; the state forbids it).
func (a *App) adminActionFailed(c echo.Context, target *models.User, err error) error {
	d := admin.UserPageData{User: target}
	var invalid *models.InvalidInput
	switch {
	case errors.Is(err, models.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound)
	case errors.Is(err, models.ErrLastAdmin):
		d.FormError = "This is the last admin: make someone else an admin first."
	case errors.Is(err, models.ErrSelf):
		d.FormError = refusedSelf
	case errors.Is(err, models.ErrLastOwner):
		d.FormError = lastOwnerMessage(err, "This user is")
	case errors.As(err, &invalid):
		d.FormError = a.inputMessage(invalid.Role)
		return a.renderAdminUser(c, http.StatusUnprocessableEntity, d)
	default:
		return err
	}
	return a.renderAdminUser(c, http.StatusConflict, d)
}

// lastOwnerMessage says which organizations a deletion would leave without
// an owner (Hearth refuses it rather than promote someone by itself); who
// is "You are" or "This user is".
func lastOwnerMessage(err error, who string) string {
	var lo *models.LastOwnerError
	orgs := "an organization"
	if errors.As(err, &lo) {
		orgs = strings.Join(lo.Orgs, ", ")
	}
	return who + " the last owner of " + orgs + ": transfer the ownership to another member, or delete the organization, first."
}

// refusedSelf refuses an admin action on the admin's own account.
const refusedSelf = "You cannot do this to your own account."

func adminUserData(u *models.User, formError string) admin.UserPageData {
	return admin.UserPageData{User: u, FormError: formError}
}

func articled(role string) string {
	if role == models.RoleAdmin {
		return "an admin"
	}
	return "a member"
}

// eventPeople lists the user ids events mention.
func eventPeople(events []models.AuditEvent) []string {
	seen := map[string]bool{}
	var ids []string
	for _, e := range events {
		for _, id := range []*string{e.ActorID, e.TargetID} {
			if id != nil && !seen[*id] {
				seen[*id] = true
				ids = append(ids, *id)
			}
		}
	}
	return ids
}

// AdminSendReset mails the user a password-reset link.
func (a *App) AdminSendReset(c echo.Context) error {
	target, err := a.adminTarget(c)
	if err != nil {
		return err
	}
	if target.BannedAt != nil {
		return echo.NewHTTPError(http.StatusConflict, "Banned users cannot reset their password.")
	}
	by := a.auditBy(c)
	by.Action, by.TargetID, by.Email, by.Detail = models.AuditPasswordResetSent, &target.ID, target.Email, "by an admin"
	if err := a.sendPasswordResetCtx(c.Request().Context(), c.Get(ctxRequestID), target, by); err != nil {
		return err
	}
	a.flash(c, layout.FlashSuccess, "A password-reset link was sent to "+target.Email+".")
	return redirect(c, admin.UserURL(target.ID))
}

// AdminRemovePhoto takes down a user's profile photo (one against the
// product's rules, say): their initials show instead, and they may upload
// another. Audited as the admin's change of the user's profile, which
// raises user.updated.
func (a *App) AdminRemovePhoto(c echo.Context) error {
	target, err := a.adminTarget(c)
	if err != nil {
		return err
	}
	e := a.auditBy(c)
	e.Action, e.Detail = models.AuditProfileUpdate, "photo removed by an admin"
	removed, err := models.RemovePhoto(c.Request().Context(), a.DB, a.Now(), target.ID, &e)
	if err != nil {
		return err
	}
	if removed {
		a.flash(c, layout.FlashSuccess, "The photo of "+target.Email+" was removed.")
	} else {
		a.flash(c, layout.FlashInfo, target.Email+" has no photo to remove.")
	}
	return redirect(c, admin.UserURL(target.ID))
}

// AdminRevokeToken revokes one of a user's API tokens; it stops working at
// once, and the user is told by mail.
func (a *App) AdminRevokeToken(c echo.Context) error {
	form, target, err := a.adminForm(c)
	if err != nil {
		return err
	}
	mail := a.tokenRevokedMail(c)
	err = models.RevokeAPIToken(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), target, form.Get("token"), mail)
	if errors.Is(err, models.ErrNotFound) {
		a.flash(c, layout.FlashInfo, "That token had already been revoked.")
		return redirect(c, admin.UserURL(target.ID))
	} else if err != nil {
		return err
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	a.flash(c, layout.FlashSuccess, "The token was revoked.")
	return redirect(c, admin.UserURL(target.ID))
}

// AdminResetTwoFactor turns off the two-factor authentication of a user
// who lost their authenticator and recovery codes, once the admin
// confirmed (askUnlessConfirmed); audited as the admin's act and mailed to
// the user.
func (a *App) AdminResetTwoFactor(c echo.Context) error {
	form, target, err := a.adminForm(c)
	if err != nil {
		return err
	}
	if asked, err := a.askUnlessConfirmed(c, form, target, admin.ResetTwoFactorConfirmation(target)); asked {
		return err
	}
	mail := a.twoFactorMail(c, func(ch models.TwoFactorChange) mailview.Mail {
		return mailview.TwoFactorReset(ch.User, a.link("/account/security", nil))
	})
	err = models.ResetTwoFactor(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), target, mail)
	if errors.Is(err, models.ErrTwoFactorOff) {
		a.flash(c, layout.FlashInfo, target.Email+" has no two-factor authentication.")
		return redirect(c, admin.UserURL(target.ID))
	} else if err != nil {
		return err
	}
	a.sent(c.Get(ctxRequestID), mail.Queued)
	a.flash(c, layout.FlashSuccess, "Two-factor authentication of "+target.Email+" was reset; they were told by mail.")
	return redirect(c, admin.UserURL(target.ID))
}
