package handlers

import (
	"encoding/csv"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/admin"
)

// AdminAudit shows the audit log, filterable by user and action.
func (a *App) AdminAudit(c echo.Context) error {
	ctx := c.Request().Context()
	list, err := models.ListAuditEvents(ctx, a.DB, auditQuery(c))
	if err != nil {
		return err
	}
	if list.Query.Page > list.Pages() { // past the end: the last page
		return c.Redirect(http.StatusSeeOther, admin.AuditURL(list.Query, list.Pages()))
	}
	people, err := models.UsersByID(ctx, a.DB, eventPeople(list.Events))
	if err != nil {
		return err
	}
	return a.render(c, http.StatusOK, admin.AuditPage(a.page(c, "Audit log"), admin.AuditPageData{List: list, People: people}))
}

// AdminAuditExport streams the filtered audit log as CSV, every page.
func (a *App) AdminAuditExport(c echo.Context) error {
	q := auditQuery(c)
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="hearth-audit-`+a.Now().Format("20060102-150405")+`.csv"`)
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	_ = w.Write([]string{"time", "action", "actor_id", "target_id", "email", "ip", "user_agent", "detail"})
	err := models.EachAuditEvent(c.Request().Context(), a.DB, q, func(e models.AuditEvent) error {
		return w.Write([]string{
			e.CreatedAt.UTC().Format(time.RFC3339), e.Action, deref(e.ActorID), deref(e.TargetID),
			csvSafe(e.Email), csvSafe(e.IP), csvSafe(e.UserAgent), csvSafe(e.Detail),
		})
	})
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	if err != nil {
		// The status is sent: log it; the file ends early.
		a.Logger.Error("audit export", "request_id", c.Get(ctxRequestID), "err", err)
	}
	return nil
}

func auditQuery(c echo.Context) models.AuditQuery {
	return models.AuditQuery{User: c.QueryParam("user"), Action: c.QueryParam("action"), Org: c.QueryParam("org"), Page: pageParam(c)}
}

// csvSafe defuses spreadsheet formulas: a cell a user could fill (an
// address, a user agent) that starts with =, +, -, @, tab or CR is prefixed
// with a quote, as OWASP recommends against CSV injection.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
