package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// WebhookEventType is one kind of event endpoints may subscribe to, and
// the audit actions that raise it: an event is queued in the transaction
// that writes the audit row (recordEventTx), so it exists if and only if
// the row does.
type WebhookEventType struct {
	Name  string
	About string   // for the admin page
	Audit []string // the audit actions that raise it; none: raised by the model itself (session.ended: endSessions)
}

// WebhookEventTypes is the one list of event types (SPEC "Webhooks"). A
// feature adding events adds a line here naming its audit actions.
var WebhookEventTypes = []WebhookEventType{
	{"user.created", "a user signed up or was created", []string{AuditSignUp}},
	{"user.updated", "a user's name, email or role changed", []string{AuditProfileUpdate, AuditEmailChange, AuditRoleChange}},
	{"user.deleted", "a user was deleted", []string{AuditUserDelete}},
	{"user.banned", "a user was banned", []string{AuditBan}},
	{"user.unbanned", "a user was unbanned", []string{AuditUnban}},
	{"email.verified", "a user's address was verified", []string{AuditEmailVerified}},
	{"password.changed", "a user's password was changed or reset", []string{AuditPasswordChange, AuditPasswordReset}},
	{"session.created", "a user signed in", []string{AuditSignIn, AuditSignUp}},
	{eventSessionEnded, "a session ended: signed out, revoked, expired, or ended by a ban, a role or password change", nil},
	{"organization.created", "an organization was created", []string{AuditOrgCreate}},
	{"organization.updated", "an organization was renamed or transferred", []string{AuditOrgUpdate, AuditOrgTransfer}},
	{"organization.deleted", "an organization was deleted", []string{AuditOrgDelete}},
	{"membership.created", "a user joined an organization", []string{AuditOrgJoin}},
	{"membership.updated", "a member's role changed", []string{AuditOrgRoleChange}},
	{"membership.deleted", "a member left or was removed", []string{AuditOrgMemberRemove, AuditOrgLeave}},
}

// eventSessionEnded is raised once per ended session by endSessions (and
// the clean-up of expired ones), with the reason, not by an audit action:
// one sign-out everywhere or ban ends many sessions.
const eventSessionEnded = "session.ended"

// WebhookTestEvent is the type of "send a test event": sent to the one
// endpoint, whatever its filter.
const WebhookTestEvent = "webhook.test"

// Webhook delivery limits.
const (
	// WebhookMaxAttempts at webhook.Schedule's delays is about 27 hours.
	WebhookMaxAttempts = 8
	// WebhookFailingLimit: an endpoint failing this long is disabled.
	WebhookFailingLimit = 5 * 24 * time.Hour
	// WebhookPreviousSecretTTL: a rotated-out secret keeps signing this long.
	WebhookPreviousSecretTTL = 24 * time.Hour
	MaxWebhookURLLen         = 2000
	MaxWebhookDescription    = 500
	webhookSecretPurpose     = "webhook"
	webhookExcerptLen        = 500
)

// WebhookEndpoint is a URL that receives events.
type WebhookEndpoint struct {
	ID                   string `gorm:"primaryKey"`
	URL                  string `gorm:"column:url"`
	Description          string
	EventTypes           string // space-separated; empty: every type
	Enabled              bool
	SecretSealed         string
	PreviousSecretSealed string
	PreviousSecretUntil  *time.Time
	FailingSince         *time.Time
	DisabledReason       string
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// Types is the endpoint's filter; empty means every type.
func (e *WebhookEndpoint) Types() []string { return strings.Fields(e.EventTypes) }

// Wants reports whether the endpoint subscribes to typ.
func (e *WebhookEndpoint) Wants(typ string) bool {
	return e.EventTypes == "" || slices.Contains(e.Types(), typ)
}

// WebhookEvent is one event, as signed and sent.
type WebhookEvent struct {
	ID        string `gorm:"primaryKey"`
	Type      string
	Body      string
	CreatedAt time.Time
}

// MessageID is the webhook-id header of the event's deliveries.
func (e *WebhookEvent) MessageID() string { return "msg_" + e.ID }

// WebhookDelivery is one attempt to deliver an event to an endpoint.
type WebhookDelivery struct {
	ID              string `gorm:"primaryKey"`
	EndpointID      string
	EventID         string
	EventType       string
	Attempt         int
	StatusCode      int
	DurationMS      int64 `gorm:"column:duration_ms"`
	Error           string
	ResponseExcerpt string
	CreatedAt       time.Time
}

// OK reports whether the attempt was answered with a 2xx.
func (d *WebhookDelivery) OK() bool {
	return d.StatusCode >= 200 && d.StatusCode < 300 && d.Error == ""
}

// WebhookInput is what an admin types for an endpoint.
type WebhookInput struct {
	URL         string
	Description string
	EventTypes  []string
}

// normalize checks in and returns the endpoint's stored fields.
func (in WebhookInput) normalize() (u, description, types string, err error) {
	raw := strings.TrimSpace(in.URL)
	if raw == "" || len(raw) > MaxWebhookURLLen || !utf8.ValidString(raw) {
		return "", "", "", ErrWebhookURL
	}
	parsed, perr := url.Parse(raw)
	if perr != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Hostname() == "" || parsed.User != nil {
		return "", "", "", ErrWebhookURL
	}
	if len(in.Description) > 4*MaxWebhookDescription || !utf8.ValidString(in.Description) ||
		utf8.RuneCountInString(in.Description) > MaxWebhookDescription {
		return "", "", "", ErrWebhookDescription
	}
	var ts []string
	for _, t := range in.EventTypes {
		if !slices.ContainsFunc(WebhookEventTypes, func(w WebhookEventType) bool { return w.Name == t }) {
			return "", "", "", ErrWebhookEventType
		}
		if !slices.Contains(ts, t) {
			ts = append(ts, t)
		}
	}
	return parsed.String(), StoredText(strings.TrimSpace(in.Description), 4*MaxWebhookDescription), strings.Join(ts, " "), nil
}

// NewWebhookSecret returns a new signing secret: whsec_ and the base64 of
// 32 random bytes.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

func sealWebhookSecret(key []byte, id, secret string) (string, error) {
	gcm, err := sealer(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.StdEncoding.EncodeToString(gcm.Seal(nonce, nonce, []byte(secret), []byte(webhookSecretPurpose+"|"+id))), nil
}

func openWebhookSecret(key []byte, id, sealed string) (string, error) {
	gcm, err := sealer(key)
	if err != nil {
		return "", err
	}
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < gcm.NonceSize() {
		return "", fmt.Errorf("webhook %s: bad sealed secret", id)
	}
	s, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], []byte(webhookSecretPurpose+"|"+id))
	if err != nil {
		return "", fmt.Errorf("webhook %s: secret cannot be opened with HEARTH_SECRET_KEY", id)
	}
	return string(s), nil
}

// WebhookSecrets returns the secrets that sign deliveries to e at now: the
// current one first, then the previous one during its 24 hours.
func WebhookSecrets(key []byte, e *WebhookEndpoint, now time.Time) ([]string, error) {
	cur, err := openWebhookSecret(key, e.ID, e.SecretSealed)
	if err != nil {
		return nil, err
	}
	out := []string{cur}
	if e.PreviousSecretSealed != "" && e.PreviousSecretUntil != nil && now.Before(*e.PreviousSecretUntil) {
		prev, err := openWebhookSecret(key, e.ID, e.PreviousSecretSealed)
		if err != nil {
			return nil, err
		}
		out = append(out, prev)
	}
	return out, nil
}

// CreateWebhookEndpoint registers an enabled endpoint with a new secret,
// audited in the same transaction.
func CreateWebhookEndpoint(ctx context.Context, db *DB, key []byte, now time.Time, by AuditEvent, in WebhookInput) (*WebhookEndpoint, error) {
	u, desc, types, err := in.normalize()
	if err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	sealed, err := sealWebhookSecret(key, id.String(), NewWebhookSecret())
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	e := &WebhookEndpoint{ID: id.String(), URL: u, Description: desc, EventTypes: types, Enabled: true, SecretSealed: sealed, CreatedAt: now, UpdatedAt: now}
	by.Action, by.Detail = AuditWebhookCreate, u
	err = db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		return recordEventTx(tx, by)
	})
	if err != nil {
		return nil, fmt.Errorf("create webhook: %w", err)
	}
	return e, nil
}

// webhookChange runs change on endpoint id in a transaction with its audit
// row (by, whose Action the caller set).
func webhookChange(ctx context.Context, db *DB, id string, by AuditEvent, change func(tx *gorm.DB, e *WebhookEndpoint) error) (*WebhookEndpoint, error) {
	var e WebhookEndpoint
	err := db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&e).Error; err != nil {
			return err
		}
		if err := change(tx, &e); err != nil {
			return err
		}
		if by.Detail == "" {
			by.Detail = e.URL
		} else {
			by.Detail = e.URL + ": " + by.Detail
		}
		return recordEventTx(tx, by)
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// UpdateWebhookEndpoint changes an endpoint's URL, description and filter.
func UpdateWebhookEndpoint(ctx context.Context, db *DB, now time.Time, by AuditEvent, id string, in WebhookInput) (*WebhookEndpoint, error) {
	u, desc, types, err := in.normalize()
	if err != nil {
		return nil, err
	}
	by.Action = AuditWebhookUpdate
	return webhookChange(ctx, db, id, by, func(tx *gorm.DB, e *WebhookEndpoint) error {
		e.URL, e.Description, e.EventTypes, e.UpdatedAt = u, desc, types, now.UTC()
		return tx.Model(e).Select("url", "description", "event_types", "updated_at").Updates(e).Error
	})
}

// SetWebhookEnabled enables or disables an endpoint. Enabling clears its
// run of failures.
func SetWebhookEnabled(ctx context.Context, db *DB, now time.Time, by AuditEvent, id string, enabled bool) (*WebhookEndpoint, error) {
	by.Action = AuditWebhookDisable
	if enabled {
		by.Action = AuditWebhookEnable
	}
	return webhookChange(ctx, db, id, by, func(tx *gorm.DB, e *WebhookEndpoint) error {
		e.Enabled, e.UpdatedAt, e.DisabledReason = enabled, now.UTC(), ""
		if enabled {
			e.FailingSince = nil
		} else {
			e.DisabledReason = "disabled by an admin"
		}
		return tx.Model(e).Select("enabled", "updated_at", "disabled_reason", "failing_since").Updates(e).Error
	})
}

// DeleteWebhookEndpoint deletes an endpoint and its delivery log; its
// queued deliveries find it gone and stop.
func DeleteWebhookEndpoint(ctx context.Context, db *DB, by AuditEvent, id string) (*WebhookEndpoint, error) {
	by.Action = AuditWebhookDelete
	return webhookChange(ctx, db, id, by, func(tx *gorm.DB, e *WebhookEndpoint) error {
		return tx.Delete(e).Error
	})
}

// RotateWebhookSecret gives an endpoint a new secret; the old one keeps
// signing (a second signature) for WebhookPreviousSecretTTL.
func RotateWebhookSecret(ctx context.Context, db *DB, key []byte, now time.Time, by AuditEvent, id string) (*WebhookEndpoint, error) {
	by.Action = AuditWebhookRotate
	return webhookChange(ctx, db, id, by, func(tx *gorm.DB, e *WebhookEndpoint) error {
		sealed, err := sealWebhookSecret(key, e.ID, NewWebhookSecret())
		if err != nil {
			return err
		}
		until := now.UTC().Add(WebhookPreviousSecretTTL)
		e.PreviousSecretSealed, e.PreviousSecretUntil, e.SecretSealed, e.UpdatedAt = e.SecretSealed, &until, sealed, now.UTC()
		return tx.Model(e).Select("previous_secret_sealed", "previous_secret_until", "secret_sealed", "updated_at").Updates(e).Error
	})
}

// SendWebhookTest queues a webhook.test event to endpoint id alone.
func SendWebhookTest(ctx context.Context, db *DB, now time.Time, by AuditEvent, id string) (*WebhookEndpoint, error) {
	by.Action = AuditWebhookTest
	return webhookChange(ctx, db, id, by, func(tx *gorm.DB, e *WebhookEndpoint) error {
		ev, err := newWebhookEventTx(tx, now, WebhookTestEvent, map[string]any{"endpoint_id": e.ID, "message": "a test event from Hearth"})
		if err != nil {
			return err
		}
		return insertJobTx(tx, WebhookJob{EventID: ev.ID, EndpointID: e.ID})
	})
}

// ResendWebhook queues event eventID to endpoint id again (same webhook-id).
func ResendWebhook(ctx context.Context, db *DB, by AuditEvent, id, eventID string) (*WebhookEndpoint, error) {
	by.Action, by.Detail = AuditWebhookResend, "event msg_"+StoredText(eventID, 100)
	return webhookChange(ctx, db, id, by, func(tx *gorm.DB, e *WebhookEndpoint) error {
		var n int64
		if err := tx.Model(&WebhookEvent{}).Where("id = ?", eventID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return gorm.ErrRecordNotFound
		}
		return insertJobTx(tx, WebhookJob{EventID: eventID, EndpointID: e.ID})
	})
}

// WebhookEndpoints lists every endpoint, oldest first.
func WebhookEndpoints(ctx context.Context, db *DB) ([]WebhookEndpoint, error) {
	var es []WebhookEndpoint
	err := db.Read.WithContext(ctx).Order("created_at, id").Find(&es).Error
	return es, err
}

// WebhookEndpointByID loads one endpoint.
func WebhookEndpointByID(ctx context.Context, db *DB, id string) (*WebhookEndpoint, error) {
	var e WebhookEndpoint
	if err := db.Read.WithContext(ctx).Where("id = ?", id).Take(&e).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return &e, nil
}

// WebhookDeliveries lists the latest attempts to endpoint id, newest first.
func WebhookDeliveries(ctx context.Context, db *DB, id string, limit int) ([]WebhookDelivery, error) {
	var ds []WebhookDelivery
	err := db.Read.WithContext(ctx).Where("endpoint_id = ?", id).Order("created_at DESC, id DESC").Limit(limit).Find(&ds).Error
	return ds, err
}

// WebhookDeliveryFor loads what a WebhookJob delivers, from the writer
// (the job may run right after its transaction committed). ErrNotFound:
// the endpoint or the event is gone.
func WebhookDeliveryFor(ctx context.Context, db *DB, job WebhookJob) (*WebhookEndpoint, *WebhookEvent, error) {
	var e WebhookEndpoint
	var ev WebhookEvent
	w := db.Write.WithContext(ctx)
	if err := w.Where("id = ?", job.EndpointID).Take(&e).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, ErrNotFound
		}
		return nil, nil, err
	}
	if err := w.Where("id = ?", job.EventID).Take(&ev).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, ErrNotFound
		}
		return nil, nil, err
	}
	return &e, &ev, nil
}

// WebhookDisabled is what an endpoint's automatic disabling tells the
// admins (their mail is composed from it).
type WebhookDisabled struct {
	Endpoint *WebhookEndpoint
	Admins   []User
}

// RecordWebhookAttempt logs an attempt. A success ends the endpoint's run
// of failures; a failure starts one, and one that has lasted
// WebhookFailingLimit disables the endpoint (audited, and mail tells the
// admins, in the same transaction). It reports whether it disabled it.
func RecordWebhookAttempt(ctx context.Context, db *DB, now time.Time, d WebhookDelivery, mail *Announce[WebhookDisabled]) (bool, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return false, err
	}
	now = now.UTC()
	d.ID, d.CreatedAt = id.String(), now
	d.Error = StoredText(d.Error, webhookExcerptLen)
	d.ResponseExcerpt = StoredText(d.ResponseExcerpt, webhookExcerptLen)
	disabled := false
	err = mail.settle(db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&d).Error; err != nil {
			return err
		}
		if d.OK() {
			return tx.Model(&WebhookEndpoint{}).Where("id = ? AND failing_since IS NOT NULL", d.EndpointID).Update("failing_since", nil).Error
		}
		var e WebhookEndpoint
		if err := tx.Where("id = ?", d.EndpointID).Take(&e).Error; err != nil {
			return err
		}
		if e.FailingSince == nil {
			return tx.Model(&e).Update("failing_since", now).Error
		}
		if !e.Enabled || now.Sub(*e.FailingSince) < WebhookFailingLimit {
			return nil
		}
		disabled = true
		e.Enabled, e.DisabledReason, e.UpdatedAt = false, "failing for 5 days", now
		if err := tx.Model(&e).Select("enabled", "disabled_reason", "updated_at").Updates(&e).Error; err != nil {
			return err
		}
		if err := recordEventTx(tx, AuditEvent{Action: AuditWebhookDisable, CreatedAt: now, Detail: e.URL + ": failing for 5 days"}); err != nil {
			return err
		}
		var admins []User
		if err := tx.Where("role = ? AND banned_at IS NULL", RoleAdmin).Order("created_at").Find(&admins).Error; err != nil {
			return err
		}
		return mail.queue(tx, now, WebhookDisabled{Endpoint: &e, Admins: admins})
	}))
	return disabled, err
}

// webhookTypesFor returns the event types an audit action raises.
func webhookTypesFor(action string) []string {
	var ts []string
	for _, t := range WebhookEventTypes {
		if slices.Contains(t.Audit, action) {
			ts = append(ts, t.Name)
		}
	}
	return ts
}

// WebhookUser is the public part of a user that events carry: never a
// hash, token or secret.
type WebhookUser struct {
	ID            string     `json:"id"`
	Email         string     `json:"email"`
	Name          string     `json:"name,omitempty"`
	EmailVerified bool       `json:"email_verified"`
	Role          string     `json:"role,omitempty"`
	Banned        bool       `json:"banned"`
	CreatedAt     *time.Time `json:"created_at,omitempty"`
}

// webhookUser is the public part of u.
func webhookUser(u *User) WebhookUser {
	created := u.CreatedAt.UTC()
	return WebhookUser{ID: u.ID, Email: u.Email, Name: u.Name, EmailVerified: u.EmailVerifiedAt != nil,
		Role: u.Role, Banned: u.BannedAt != nil, CreatedAt: &created}
}

// enabledEndpoints are the endpoints events go to, with their filters.
func enabledEndpoints(tx *gorm.DB) ([]WebhookEndpoint, error) {
	var endpoints []WebhookEndpoint
	if err := tx.Select("id", "event_types").Where("enabled = ?", true).Find(&endpoints).Error; err != nil {
		return nil, fmt.Errorf("webhook endpoints: %w", err)
	}
	return endpoints, nil
}

// wanting is the ids of the endpoints that want events of type typ.
func wanting(endpoints []WebhookEndpoint, typ string) []string {
	var ids []string
	for _, ep := range endpoints {
		if ep.Wants(typ) {
			ids = append(ids, ep.ID)
		}
	}
	return ids
}

// endedSession is a session endSessions is ending.
type endedSession struct {
	TokenHash string
	UserID    string
}

// WebhookSession is the session a session.ended event is about: its
// public id (as on the sessions pages) and why it ended.
type WebhookSession struct {
	ID     string    `json:"id"`
	Reason EndReason `json:"reason"`
}

// queueSessionsEndedTx records a session.ended event for each ended
// session, for the endpoints that want them.
func queueSessionsEndedTx(tx *gorm.DB, now time.Time, endpoints []WebhookEndpoint, ended []endedSession, why EndReason) error {
	wanted := wanting(endpoints, eventSessionEnded)
	if len(wanted) == 0 || len(ended) == 0 {
		return nil
	}
	ids := make([]string, 0, len(ended))
	for _, s := range ended {
		ids = append(ids, s.UserID)
	}
	var users []User
	if err := tx.Where("id IN ?", ids).Find(&users).Error; err != nil {
		return fmt.Errorf("session.ended users: %w", err)
	}
	byID := make(map[string]*User, len(users))
	for i := range users {
		byID[users[i].ID] = &users[i]
	}
	var jobs []river.JobArgs
	for _, s := range ended {
		user := WebhookUser{ID: s.UserID}
		if u := byID[s.UserID]; u != nil {
			user = webhookUser(u)
		}
		ev, err := newWebhookEventTx(tx, now, eventSessionEnded, map[string]any{
			"user": user, "session": WebhookSession{ID: SessionInfo{TokenHash: s.TokenHash}.PublicID(), Reason: why}})
		if err != nil {
			return err
		}
		for _, id := range wanted {
			jobs = append(jobs, WebhookJob{EventID: ev.ID, EndpointID: id})
		}
	}
	return insertJobTx(tx, jobs...)
}

// queueWebhooksTx records, in tx, the webhook events the audit row e
// raises, with a delivery job for each enabled endpoint that wants it.
func queueWebhooksTx(tx *gorm.DB, e AuditEvent) error {
	types := webhookTypesFor(e.Action)
	if len(types) == 0 {
		return nil
	}
	endpoints, err := enabledEndpoints(tx)
	if err != nil || len(endpoints) == 0 {
		return err
	}
	var data map[string]any
	var jobs []river.JobArgs
	for _, typ := range types {
		wanted := wanting(endpoints, typ)
		if len(wanted) == 0 {
			continue
		}
		if data == nil {
			var err error
			if data, err = webhookDataTx(tx, e); err != nil {
				return err
			}
		}
		ev, err := newWebhookEventTx(tx, e.CreatedAt, typ, data)
		if err != nil {
			return err
		}
		for _, id := range wanted {
			jobs = append(jobs, WebhookJob{EventID: ev.ID, EndpointID: id})
		}
	}
	return insertJobTx(tx, jobs...)
}

// WebhookOrganization is the organization an event concerns (only its id
// once deleted).
type WebhookOrganization struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Slug string `json:"slug,omitempty"`
}

// webhookDataTx is an event's data: the user it is about (public fields;
// only id and email once deleted), the organization for the events of
// one, and who acted.
func webhookDataTx(tx *gorm.DB, e AuditEvent) (map[string]any, error) {
	data := map[string]any{}
	if e.TargetID != nil {
		var u User
		err := tx.Where("id = ?", *e.TargetID).Take(&u).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			data["user"] = WebhookUser{ID: *e.TargetID, Email: e.Email}
		case err != nil:
			return nil, err
		default:
			data["user"] = webhookUser(&u)
		}
	}
	if e.OrgID != nil {
		var org Organization
		err := tx.Where("id = ?", *e.OrgID).Take(&org).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound): // deleted in this transaction
			data["organization"] = WebhookOrganization{ID: *e.OrgID}
		case err != nil:
			return nil, err
		default:
			data["organization"] = WebhookOrganization{ID: org.ID, Name: org.Name, Slug: org.Slug}
		}
	}
	if e.ActorID != nil && (e.TargetID == nil || *e.ActorID != *e.TargetID) {
		data["actor_id"] = *e.ActorID
	}
	return data, nil
}

// newWebhookEventTx stores an event with its body.
func newWebhookEventTx(tx *gorm.DB, now time.Time, typ string, data any) (*WebhookEvent, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	body, err := json.Marshal(struct {
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
		Data      any    `json:"data"`
	}{typ, now.Format(time.RFC3339), data})
	if err != nil {
		return nil, err
	}
	ev := &WebhookEvent{ID: id.String(), Type: typ, Body: string(body), CreatedAt: now}
	if err := tx.Create(ev).Error; err != nil {
		return nil, fmt.Errorf("record webhook event: %w", err)
	}
	return ev, nil
}
