package models

import (
	"context"
	"errors"
	"time"
)

// Export is everything Hearth stores about a user, for the user (the GDPR
// right of access): never a secret, a hash or another user's data.
type Export struct {
	ExportedAt time.Time        `json:"exported_at"`
	Profile    ExportProfile    `json:"profile"`
	Identities []ExportIdentity `json:"identities"`
	Sessions   []ExportSession  `json:"sessions"`
	// Memberships lists the user's organizations and roles.
	Memberships []ExportMembership `json:"memberships"`
	APITokens   []ExportToken      `json:"api_tokens"`
	// TwoFactor is whether 2FA is on, since when, and how many recovery
	// codes are left (never the secret or the codes' hashes).
	TwoFactor ExportTwoFactor `json:"two_factor"`
	// Passkeys lists the user's passkeys (never their keys).
	Passkeys []ExportPasskey `json:"passkeys"`
	// Photo is the profile photo as stored (null when there is none).
	Photo       *ExportPhoto  `json:"photo"`
	AuditEvents []ExportEvent `json:"audit_events"`
}

// ExportPhoto is the user's profile photo: the JPEG itself (base64 in
// the JSON) and where it came from.
type ExportPhoto struct {
	ContentType string    `json:"content_type"`
	Source      string    `json:"source"`
	CreatedAt   time.Time `json:"created_at"`
	Data        []byte    `json:"data"`
}

// ExportTwoFactor is the user's two-factor state.
type ExportTwoFactor struct {
	Enabled           bool       `json:"enabled"`
	EnabledAt         *time.Time `json:"enabled_at"`
	RecoveryCodesLeft int        `json:"recovery_codes_left"`
}

// ExportPasskey is a passkey as the export shows it.
type ExportPasskey struct {
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// ExportProfile is the user row, without the password hash.
type ExportProfile struct {
	ID              string     `json:"id"`
	Email           string     `json:"email"`
	Name            string     `json:"name"`
	Role            string     `json:"role"`
	HasPassword     bool       `json:"has_password"`
	EmailVerifiedAt *time.Time `json:"email_verified_at"`
	BannedAt        *time.Time `json:"banned_at"`
	LastSignInAt    *time.Time `json:"last_sign_in_at"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// ExportMembership is one of the user's organizations.
type ExportMembership struct {
	OrgID    string    `json:"org_id"`
	Name     string    `json:"name"`
	Slug     string    `json:"slug"`
	Role     string    `json:"role"`
	JoinedAt time.Time `json:"joined_at"`
}

// ExportIdentity is a connected provider account.
type ExportIdentity struct {
	Provider       string    `json:"provider"`
	ProviderUserID string    `json:"provider_user_id"`
	Email          string    `json:"email"`
	EmailVerified  bool      `json:"email_verified"`
	CreatedAt      time.Time `json:"created_at"`
}

// ExportSession is a live session, named by its public id (never the token
// or its full hash).
type ExportSession struct {
	ID         string    `json:"id"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

// ExportToken is a personal access token's name and dates (never the
// token or its hash).
type ExportToken struct {
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
}

// ExportEvent is an audit event about the user, or by them.
type ExportEvent struct {
	At        time.Time `json:"at"`
	Action    string    `json:"action"`
	ByUser    bool      `json:"by_user"` // the user acted (else it was about them)
	Email     string    `json:"email,omitempty"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	Detail    string    `json:"detail,omitempty"`
}

// maxExportEvents bounds the audit part of an export (the newest first).
const maxExportEvents = 10_000

// ExportUser gathers what Hearth stores about u: profile, identities, live
// sessions (idle is the session idle timeout), tokens and audit events.
func ExportUser(ctx context.Context, db *DB, now time.Time, idle time.Duration, u *User) (Export, error) {
	ex := Export{ExportedAt: now.UTC(), Memberships: []ExportMembership{},
		Profile: ExportProfile{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, HasPassword: u.PasswordHash != "",
			EmailVerifiedAt: u.EmailVerifiedAt, BannedAt: u.BannedAt, LastSignInAt: u.LastSignInAt, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt},
		Identities: []ExportIdentity{}, Sessions: []ExportSession{}, APITokens: []ExportToken{}, Passkeys: []ExportPasskey{}, AuditEvents: []ExportEvent{}}
	ids, err := IdentitiesOf(ctx, db, u.ID)
	if err != nil {
		return ex, err
	}
	for _, id := range ids {
		ex.Identities = append(ex.Identities, ExportIdentity{Provider: id.Provider, ProviderUserID: id.ProviderUserID, Email: id.Email, EmailVerified: id.EmailVerified, CreatedAt: id.CreatedAt})
	}
	sessions, err := ListUserSessions(ctx, db, now, idle, u.ID)
	if err != nil {
		return ex, err
	}
	for _, s := range sessions {
		ex.Sessions = append(ex.Sessions, ExportSession{ID: s.PublicID(), UserAgent: s.UserAgent, IP: s.IP, CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt})
	}
	orgs, err := UserOrgs(ctx, db, u.ID, 0)
	if err != nil {
		return ex, err
	}
	for _, m := range orgs {
		ex.Memberships = append(ex.Memberships, ExportMembership{OrgID: m.OrgID, Name: m.Name, Slug: m.Slug, Role: string(m.Role), JoinedAt: m.JoinedAt.UTC()})
	}
	tokens, err := ListAPITokens(ctx, db, u.ID)
	if err != nil {
		return ex, err
	}
	for _, t := range tokens {
		ex.APITokens = append(ex.APITokens, ExportToken{Name: t.Name, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, ExpiresAt: t.ExpiresAt})
	}
	tf, err := TwoFactorStatus(ctx, db, u.ID)
	if err != nil {
		return ex, err
	}
	ex.TwoFactor = ExportTwoFactor{Enabled: tf.Enabled, EnabledAt: tf.Since, RecoveryCodesLeft: tf.RecoveryLeft}
	keys, err := ListPasskeys(ctx, db, u.ID)
	if err != nil {
		return ex, err
	}
	for _, p := range keys {
		ex.Passkeys = append(ex.Passkeys, ExportPasskey{Name: p.Name, CreatedAt: p.CreatedAt, LastUsedAt: p.LastUsedAt})
	}
	if u.AvatarVersion != "" {
		p, err := PhotoOf(ctx, db, u.ID, u.AvatarVersion)
		if err != nil && !errors.Is(err, ErrNotFound) { // removed meanwhile: none
			return ex, err
		}
		if p != nil {
			ex.Photo = &ExportPhoto{ContentType: p.ContentType, Source: p.Source, CreatedAt: p.CreatedAt, Data: p.Data}
		}
	}
	var events []AuditEvent
	if err := db.Read.WithContext(ctx).Where("target_id = ? OR actor_id = ?", u.ID, u.ID).
		Order("created_at DESC, id DESC").Limit(maxExportEvents).Find(&events).Error; err != nil {
		return ex, err
	}
	for _, e := range events {
		ex.AuditEvents = append(ex.AuditEvents, ExportEvent{At: e.CreatedAt.UTC(), Action: e.Action, ByUser: e.ActorID != nil && *e.ActorID == u.ID,
			Email: e.Email, IP: e.IP, UserAgent: e.UserAgent, Detail: e.Detail})
	}
	return ex, nil
}
