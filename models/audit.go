package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Audit actions: the security events Hearth records.
const (
	AuditSignUp            = "signup"
	AuditSignUpRefused     = "signup_refused"
	AuditSignIn            = "signin"
	AuditSignInFailed      = "signin_failed"
	AuditSignOut           = "signout"
	AuditPasswordChange    = "password_change"
	AuditPasswordReset     = "password_reset"
	AuditPasswordResetSent = "password_reset_sent"
	AuditEmailChange       = "email_change"
	AuditEmailVerified     = "email_verified"
	AuditProfileUpdate     = "profile_update"
	AuditRoleChange        = "role_change"
	AuditBan               = "ban"
	AuditUnban             = "unban"
	AuditUserDelete        = "user_delete"
	AuditImpersonateStart  = "impersonate_start"
	AuditImpersonateStop   = "impersonate_stop"
	AuditSessionRevoke     = "session_revoke"
	AuditIdentityLink      = "identity_link"
	AuditIdentityUnlink    = "identity_unlink"
	AuditAPITokenCreate    = "api_token_create"
	AuditAPITokenRevoke    = "api_token_revoke"
	AuditDataExport        = "data_export"
	AuditTwoFactorEnable   = "two_factor_enable"
	AuditTwoFactorDisable  = "two_factor_disable"
	AuditTwoFactorReset    = "two_factor_reset" // by an admin
	AuditRecoveryCodesNew  = "recovery_codes_new"
	AuditRecoveryCodeUse   = "recovery_code_use"
	AuditPasskeyAdd        = "passkey_add"
	AuditPasskeyRemove     = "passkey_remove"
	AuditWebhookCreate     = "webhook_create"
	AuditWebhookUpdate     = "webhook_update"
	AuditWebhookEnable     = "webhook_enable"
	AuditWebhookDisable    = "webhook_disable"
	AuditWebhookDelete     = "webhook_delete"
	AuditWebhookRotate     = "webhook_rotate"
	AuditWebhookTest       = "webhook_test"
	AuditWebhookResend     = "webhook_resend"
)

// Audit actions of organizations (org.go); their events name the
// organization (AuditEvent.OrgID).
const (
	AuditOrgCreate       = "org_create"
	AuditOrgUpdate       = "org_update"
	AuditOrgDelete       = "org_delete"
	AuditOrgTransfer     = "org_transfer"
	AuditOrgInvite       = "org_invite"
	AuditOrgInviteRevoke = "org_invite_revoke"
	AuditOrgJoin         = "org_join"
	AuditOrgDecline      = "org_decline"
	AuditOrgRoleChange   = "org_role_change"
	AuditOrgMemberRemove = "org_member_remove"
	AuditOrgLeave        = "org_leave"
)

// AuditEvent is one row of the audit log.
type AuditEvent struct {
	ID        string `gorm:"primaryKey"`
	CreatedAt time.Time
	Action    string
	ActorID   *string // who acted; nil for an anonymous visitor
	TargetID  *string // whom it concerns; nil when no account is known
	Email     string  // the address involved, e.g. of a failed sign-in
	IP        string
	UserAgent string
	Detail    string  // a short, secret-free description
	OrgID     *string // the organization it concerns, if any
}

// MaxAuditDetail bounds an event's detail, in bytes.
const MaxAuditDetail = 1000

// RecordEvent appends an event to the audit log. Times are UTC.
func RecordEvent(ctx context.Context, db *DB, e AuditEvent) error {
	if webhookTypesFor(e.Action) == nil {
		return recordEventTx(db.Write.WithContext(ctx), e)
	}
	// The row may raise webhook events, queued with it.
	return db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return recordEventTx(tx, e) })
}

// recordEventTx appends an event in the transaction tx: the change it
// records and the event are written together, or neither is. The strings a
// request brought are made fit to store (StoredText); an email too long to
// be an address is left out, and the detail says so.
func recordEventTx(tx *gorm.DB, e AuditEvent) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	e.ID = id.String()
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	e.CreatedAt = e.CreatedAt.UTC()
	if len(e.Email) > MaxEmailLen {
		note := fmt.Sprintf("an email of %d bytes, left out", len(e.Email))
		if e.Detail != "" {
			note = e.Detail + "; " + note
		}
		e.Email, e.Detail = "", note
	}
	e.Email = StoredText(e.Email, MaxEmailLen)
	e.IP = StoredText(e.IP, MaxIPLen)
	e.UserAgent = StoredText(e.UserAgent, MaxUserAgentLen)
	e.Detail = StoredText(e.Detail, MaxAuditDetail)
	if err := tx.Create(&e).Error; err != nil {
		return fmt.Errorf("record audit event: %w", err)
	}
	return queueWebhooksTx(tx, e)
}

// AuditEventsFor returns the latest events about a user, newest first.
func AuditEventsFor(ctx context.Context, db *DB, userID string, limit int) ([]AuditEvent, error) {
	var events []AuditEvent
	err := db.Read.WithContext(ctx).Where("target_id = ? OR actor_id = ?", userID, userID).
		Order("created_at DESC, id DESC").Limit(limit).Find(&events).Error
	return events, err
}

// userEvent is by (who acted, from where) as the event action about u,
// with detail.
func userEvent(by AuditEvent, action string, u *User, detail string) AuditEvent {
	by.Action, by.TargetID, by.Email, by.Detail = action, &u.ID, u.Email, detail
	return by
}

// AuditActions lists every action, for filters, in the order declared
// (TestAuditActionsListsEveryAction).
var AuditActions = []string{
	AuditSignUp, AuditSignUpRefused, AuditSignIn, AuditSignInFailed, AuditSignOut, AuditPasswordChange,
	AuditPasswordReset, AuditPasswordResetSent, AuditEmailChange, AuditEmailVerified, AuditProfileUpdate,
	AuditRoleChange, AuditBan, AuditUnban, AuditUserDelete, AuditImpersonateStart, AuditImpersonateStop,
	AuditSessionRevoke, AuditIdentityLink, AuditIdentityUnlink, AuditAPITokenCreate, AuditAPITokenRevoke, AuditDataExport,
	AuditTwoFactorEnable, AuditTwoFactorDisable, AuditTwoFactorReset, AuditRecoveryCodesNew, AuditRecoveryCodeUse,
	AuditPasskeyAdd, AuditPasskeyRemove,
	AuditWebhookCreate, AuditWebhookUpdate, AuditWebhookEnable, AuditWebhookDisable, AuditWebhookDelete,
	AuditWebhookRotate, AuditWebhookTest, AuditWebhookResend,
	AuditOrgCreate, AuditOrgUpdate, AuditOrgDelete, AuditOrgTransfer, AuditOrgInvite, AuditOrgInviteRevoke,
	AuditOrgJoin, AuditOrgDecline, AuditOrgRoleChange, AuditOrgMemberRemove, AuditOrgLeave,
}

// AuditPerPage is the size of a page of the audit log.
const AuditPerPage = 50

// AuditQuery selects events. User is an email address or a user id: it
// matches events by or about that user, and (for an address) failed
// sign-ins with it. Unknown actions are treated as absent.
type AuditQuery struct {
	User   string
	Action string
	Page   int
	// Org is an organization's slug or id: its events only.
	Org string
}

// Normalize replaces unknown values with the defaults.
func (q AuditQuery) Normalize() AuditQuery {
	q.User = strings.TrimSpace(q.User)
	if len(q.User) > MaxEmailLen {
		q.User = q.User[:MaxEmailLen]
	}
	if !slices.Contains(AuditActions, q.Action) {
		q.Action = ""
	}
	q.Page = min(max(q.Page, 1), maxPage)
	q.Org = strings.TrimSpace(q.Org)
	if len(q.Org) > 64 || !utf8.ValidString(q.Org) {
		q.Org = ""
	}
	return q
}

// AuditList is one page of events and how many match in all.
type AuditList struct {
	Query  AuditQuery
	Events []AuditEvent
	Total  int64
}

// Pages is the number of pages (at least 1).
func (l AuditList) Pages() int { return max(1, int((l.Total+AuditPerPage-1)/AuditPerPage)) }

// ListAuditEvents returns a page of events, newest first.
func ListAuditEvents(ctx context.Context, db *DB, q AuditQuery) (AuditList, error) {
	q = q.Normalize()
	list := AuditList{Query: q}
	base, err := auditFilter(ctx, db, q)
	if err != nil {
		return list, err
	}
	if err := base.Session(&gorm.Session{}).Count(&list.Total).Error; err != nil {
		return list, fmt.Errorf("count audit events: %w", err)
	}
	offset := (q.Page - 1) * AuditPerPage
	if int64(offset) >= list.Total {
		return list, nil
	}
	err = base.Order("created_at DESC, id DESC").Limit(AuditPerPage).Offset(offset).Find(&list.Events).Error
	if err != nil {
		return list, fmt.Errorf("list audit events: %w", err)
	}
	return list, nil
}

// EachAuditEvent calls fn for every event q selects (all pages), newest
// first, reading them one at a time: an export never holds the log in memory.
func EachAuditEvent(ctx context.Context, db *DB, q AuditQuery, fn func(AuditEvent) error) error {
	base, err := auditFilter(ctx, db, q.Normalize())
	if err != nil {
		return err
	}
	rows, err := base.Order("created_at DESC, id DESC").Rows()
	if err != nil {
		return fmt.Errorf("export audit events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e AuditEvent
		if err := base.ScanRows(rows, &e); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

func auditFilter(ctx context.Context, db *DB, q AuditQuery) (*gorm.DB, error) {
	tx := db.Read.WithContext(ctx).Model(&AuditEvent{})
	if q.Action != "" {
		tx = tx.Where("action = ?", q.Action)
	}
	if q.Org != "" { // a slug, or the id of an organization (deleted ones too)
		tx = tx.Where("(org_id IN (SELECT id FROM organizations WHERE slug = ?) OR org_id = ?)", q.Org, q.Org)
	}
	switch {
	case q.User == "":
	case strings.Contains(q.User, "@"):
		email := NormalizeEmail(q.User)
		u, err := UserByEmail(ctx, db, email)
		switch {
		case errors.Is(err, ErrNotFound):
			tx = tx.Where("email = ?", email)
		case err != nil:
			return nil, err
		default:
			tx = tx.Where("(actor_id = ? OR target_id = ? OR email = ?)", u.ID, u.ID, email)
		}
	default:
		tx = tx.Where("(actor_id = ? OR target_id = ?)", q.User, q.User)
	}
	return tx, nil
}
