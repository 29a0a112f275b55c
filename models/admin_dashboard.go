package models

import (
	"context"
	"fmt"
	"time"
)

// DashboardDays is how many days the dashboard's chart covers.
const DashboardDays = 30

// Dashboard holds the figures on the admin dashboard.
type Dashboard struct {
	TotalUsers     int64
	NewThisWeek    int64
	ActiveSessions int64 // live sessions of signed-in users
	Admins         int64
	Banned         int64
	Unverified     int64
	// WithSecondFactor counts the users with a second factor or a passkey
	// (HasMultiFactor), for the share of TotalUsers.
	WithSecondFactor int64
	Days             []DayCount // DashboardDays entries, oldest first, the last is today (UTC)
}

// DayCount is one day of activity.
type DayCount struct {
	Day     time.Time
	SignUps int64
	SignIns int64
}

// LoadDashboard computes the dashboard at now. Sessions idle for longer than
// idle are not counted as active.
func LoadDashboard(ctx context.Context, db *DB, now time.Time, idle time.Duration) (*Dashboard, error) {
	now = now.UTC()
	today := now.Truncate(24 * time.Hour)
	since := today.AddDate(0, 0, -(DashboardDays - 1))
	r := db.Read.WithContext(ctx)
	d := &Dashboard{}
	err := r.Raw(`
SELECT (SELECT count(*) FROM users),
       (SELECT count(*) FROM users WHERE created_at >= ?),
       (SELECT count(*) FROM users WHERE role = ?),
       (SELECT count(*) FROM users WHERE banned_at IS NOT NULL),
       (SELECT count(*) FROM users WHERE email_verified_at IS NULL AND banned_at IS NULL),
       (SELECT count(*) FROM sessions WHERE revoked_at IS NULL AND user_id IS NOT NULL AND expiry > ? AND last_seen_at > ?),
       (SELECT count(DISTINCT user_id) FROM (`+multiFactorUsers+`) f)`,
		now.AddDate(0, 0, -7), RoleAdmin, now, now.Add(-idle)).
		Row().Scan(&d.TotalUsers, &d.NewThisWeek, &d.Admins, &d.Banned, &d.Unverified, &d.ActiveSessions, &d.WithSecondFactor)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}

	type row struct {
		Day string
		N   int64
	}
	var signUps, signIns []row
	if err := r.Raw("SELECT "+db.Dialect.Pick(sqliteDay, postgresDay)+" AS day, count(*) AS n FROM users WHERE created_at >= ? GROUP BY 1", since).Scan(&signUps).Error; err != nil {
		return nil, fmt.Errorf("dashboard sign-ups: %w", err)
	}
	if err := r.Raw("SELECT "+db.Dialect.Pick(sqliteDay, postgresDay)+" AS day, count(*) AS n FROM audit_events WHERE action = ? AND created_at >= ? GROUP BY 1",
		AuditSignIn, since).Scan(&signIns).Error; err != nil {
		return nil, fmt.Errorf("dashboard sign-ins: %w", err)
	}
	byDay := map[string]*DayCount{}
	for i := range DashboardDays {
		t := since.AddDate(0, 0, i)
		d.Days = append(d.Days, DayCount{Day: t})
	}
	for i := range d.Days {
		byDay[d.Days[i].Day.Format(time.DateOnly)] = &d.Days[i]
	}
	for _, s := range signUps {
		if dc := byDay[s.Day]; dc != nil {
			dc.SignUps = s.N
		}
	}
	for _, s := range signIns {
		if dc := byDay[s.Day]; dc != nil {
			dc.SignIns = s.N
		}
	}
	return d, nil
}

// The UTC calendar day of created_at as YYYY-MM-DD text.
const (
	sqliteDay   = "strftime('%Y-%m-%d', created_at)"
	postgresDay = "to_char(created_at, 'YYYY-MM-DD')"
)
