package admin

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-app/hearth/models"
)

// WebhooksPageData is the list of endpoints and the form adding one.
type WebhooksPageData struct {
	Endpoints []models.WebhookEndpoint
	Form      WebhookForm
	NoKey     bool // HEARTH_SECRET_KEY is unset: secrets cannot be sealed
}

// WebhookPageData is one endpoint: its secret, settings, actions and
// delivery log.
type WebhookPageData struct {
	Endpoint      *models.WebhookEndpoint
	Secret        string
	PreviousUntil *time.Time // the rotated-out secret signs too until then
	Deliveries    []models.WebhookDelivery
	Form          WebhookForm
	Delete        DeleteForm
	FormError     string
}

// WebhookForm is the endpoint form: values and the error of each field.
type WebhookForm struct {
	URL         string
	Description string
	Types       []string
	URLError    string
	DescError   string
	TypesError  string
}

// Wants reports whether the form has typ ticked.
func (f WebhookForm) Wants(typ string) bool { return slices.Contains(f.Types, typ) }

// WebhookFormOf is the form filled with e's settings.
func WebhookFormOf(e *models.WebhookEndpoint) WebhookForm {
	return WebhookForm{URL: e.URL, Description: e.Description, Types: e.Types()}
}

// WebhookURL is the admin page of an endpoint.
func WebhookURL(id string) string { return "/admin/webhooks/" + url.PathEscape(id) }

func webhookActionURL(id, action string) string { return WebhookURL(id) + "/" + action }

func typesLabel(e models.WebhookEndpoint) string {
	if e.EventTypes == "" {
		return "All events"
	}
	return e.EventTypes
}

func statusLabel(d models.WebhookDelivery) string {
	if d.StatusCode == 0 {
		return "no answer"
	}
	return strconv.Itoa(d.StatusCode)
}

func deliveryAnswer(d models.WebhookDelivery) string {
	return orDash(strings.TrimSpace(d.Error + " " + d.ResponseExcerpt))
}
