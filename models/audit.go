package models

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Audit actions: the security events Hearth records.
const (
	AuditSignUp           = "signup"
	AuditSignUpRefused    = "signup_refused"
	AuditSignIn           = "signin"
	AuditSignInFailed     = "signin_failed"
	AuditSignOut          = "signout"
	AuditPasswordChange   = "password_change"
	AuditPasswordReset    = "password_reset"
	AuditEmailChange      = "email_change"
	AuditEmailVerified    = "email_verified"
	AuditProfileUpdate    = "profile_update"
	AuditRoleChange       = "role_change"
	AuditBan              = "ban"
	AuditUnban            = "unban"
	AuditUserDelete       = "user_delete"
	AuditImpersonateStart = "impersonate_start"
	AuditImpersonateStop  = "impersonate_stop"
	AuditSessionRevoke    = "session_revoke"
	AuditIdentityLink     = "identity_link"
	AuditIdentityUnlink   = "identity_unlink"
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
	Detail    string // a short, secret-free description
}

// RecordEvent appends an event to the audit log. Times are UTC.
func RecordEvent(ctx context.Context, db *DB, e AuditEvent) error {
	id, err := uuid.NewV7()
	if err != nil {
		return err
	}
	e.ID = id.String()
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	if len(e.UserAgent) > 512 {
		e.UserAgent = e.UserAgent[:512]
	}
	if err := db.Write.WithContext(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("record audit event: %w", err)
	}
	return nil
}

// AuditEventsFor returns the latest events about a user, newest first.
func AuditEventsFor(ctx context.Context, db *DB, userID string, limit int) ([]AuditEvent, error) {
	var events []AuditEvent
	err := db.Read.WithContext(ctx).Where("target_id = ? OR actor_id = ?", userID, userID).
		Order("created_at DESC, id DESC").Limit(limit).Find(&events).Error
	return events, err
}
