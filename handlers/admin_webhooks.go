package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/admin"
	"github.com/hearth-app/hearth/views/layout"
	"github.com/hearth-app/hearth/webhook"
)

// deliveriesShown is the length of an endpoint's delivery log on its page.
const deliveriesShown = 50

// AdminWebhooks lists the endpoints, with the form adding one.
func (a *App) AdminWebhooks(c echo.Context) error {
	return a.renderWebhooks(c, http.StatusOK, admin.WebhookForm{})
}

func (a *App) renderWebhooks(c echo.Context, status int, f admin.WebhookForm) error {
	es, err := models.WebhookEndpoints(c.Request().Context(), a.DB)
	if err != nil {
		return err
	}
	d := admin.WebhooksPageData{Endpoints: es, Form: f, NoKey: len(a.Config.SecretKey) == 0}
	return a.render(c, status, admin.WebhooksPage(a.page(c, "Webhooks"), d))
}

// AdminCreateWebhook adds an endpoint and opens its page, which shows the
// secret.
func (a *App) AdminCreateWebhook(c echo.Context) error {
	f, in, err := webhookForm(c)
	if err != nil {
		return err
	}
	if len(a.Config.SecretKey) == 0 {
		f.URLError = "Set HEARTH_SECRET_KEY first: it encrypts the endpoints' secrets."
		return a.renderWebhooks(c, http.StatusUnprocessableEntity, f)
	}
	if a.checkWebhookURL(c, &f, in.URL) {
		e, err := models.CreateWebhookEndpoint(c.Request().Context(), a.DB, a.Config.SecretKey, a.Now(), a.auditBy(c), in)
		if err == nil {
			a.flash(c, layout.FlashSuccess, "Endpoint added. Give its signing secret to the receiver.")
			return redirect(c, admin.WebhookURL(e.ID))
		}
		if !webhookFormErrors(&f, err) {
			return err
		}
	}
	return a.renderWebhooks(c, http.StatusUnprocessableEntity, f)
}

// AdminWebhook shows an endpoint.
func (a *App) AdminWebhook(c echo.Context) error {
	e, err := a.webhookTarget(c)
	if err != nil {
		return err
	}
	return a.renderWebhook(c, http.StatusOK, admin.WebhookPageData{Endpoint: e, Form: admin.WebhookFormOf(e)})
}

func (a *App) renderWebhook(c echo.Context, status int, d admin.WebhookPageData) error {
	ctx := c.Request().Context()
	secrets, err := models.WebhookSecrets(a.Config.SecretKey, d.Endpoint, a.Now())
	if err != nil {
		d.Secret = "(cannot be opened: HEARTH_SECRET_KEY changed? Rotate the secret)"
	} else {
		d.Secret = secrets[0]
		if len(secrets) > 1 {
			d.PreviousUntil = d.Endpoint.PreviousSecretUntil
		}
	}
	if d.Deliveries, err = models.WebhookDeliveries(ctx, a.DB, d.Endpoint.ID, deliveriesShown); err != nil {
		return err
	}
	return a.render(c, status, admin.WebhookPage(a.page(c, "Webhook"), d))
}

// AdminUpdateWebhook saves an endpoint's URL, description and events.
func (a *App) AdminUpdateWebhook(c echo.Context) error {
	e, err := a.webhookTarget(c)
	if err != nil {
		return err
	}
	f, in, err := webhookForm(c)
	if err != nil {
		return err
	}
	if a.checkWebhookURL(c, &f, in.URL) {
		_, err := models.UpdateWebhookEndpoint(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), e.ID, in)
		if err == nil {
			a.flash(c, layout.FlashSuccess, "Endpoint saved.")
			return redirect(c, admin.WebhookURL(e.ID))
		}
		if !webhookFormErrors(&f, err) {
			return a.webhookFailed(err)
		}
	}
	return a.renderWebhook(c, http.StatusUnprocessableEntity, admin.WebhookPageData{Endpoint: e, Form: f})
}

// AdminEnableWebhook and AdminDisableWebhook switch deliveries on and off.
func (a *App) AdminEnableWebhook(c echo.Context) error  { return a.setWebhookEnabled(c, true) }
func (a *App) AdminDisableWebhook(c echo.Context) error { return a.setWebhookEnabled(c, false) }

func (a *App) setWebhookEnabled(c echo.Context, on bool) error {
	e, err := models.SetWebhookEnabled(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), c.Param("id"), on)
	if err != nil {
		return a.webhookFailed(err)
	}
	msg := "Endpoint disabled."
	if on {
		msg = "Endpoint enabled."
	}
	a.flash(c, layout.FlashSuccess, msg)
	return redirect(c, admin.WebhookURL(e.ID))
}

// AdminRotateWebhook gives an endpoint a new secret.
func (a *App) AdminRotateWebhook(c echo.Context) error {
	e, err := models.RotateWebhookSecret(c.Request().Context(), a.DB, a.Config.SecretKey, a.Now(), a.auditBy(c), c.Param("id"))
	if err != nil {
		return a.webhookFailed(err)
	}
	a.flash(c, layout.FlashSuccess, "New secret made. The previous one keeps signing for 24 hours.")
	return redirect(c, admin.WebhookURL(e.ID))
}

// AdminTestWebhook queues a webhook.test event to the endpoint.
func (a *App) AdminTestWebhook(c echo.Context) error {
	e, err := models.SendWebhookTest(c.Request().Context(), a.DB, a.Now(), a.auditBy(c), c.Param("id"))
	if err != nil {
		return a.webhookFailed(err)
	}
	a.flash(c, layout.FlashSuccess, "Test event queued; it shows in the deliveries below once sent.")
	return redirect(c, admin.WebhookURL(e.ID))
}

// AdminResendWebhook queues an event of the delivery log again.
func (a *App) AdminResendWebhook(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	e, err := a.webhookTarget(c)
	if err != nil {
		return err
	}
	if _, err := models.ResendWebhook(c.Request().Context(), a.DB, a.auditBy(c), e.ID, form.Get("event_id")); errors.Is(err, models.ErrNotFound) {
		a.flash(c, layout.FlashError, "That event is no longer kept; nothing was sent.")
		return redirect(c, admin.WebhookURL(e.ID))
	} else if err != nil {
		return err
	}
	a.flash(c, layout.FlashSuccess, "Event queued again, with the same webhook-id.")
	return redirect(c, admin.WebhookURL(e.ID))
}

// AdminDeleteWebhook removes an endpoint, once "delete" is typed.
func (a *App) AdminDeleteWebhook(c echo.Context) error {
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	e, err := a.webhookTarget(c)
	if err != nil {
		return err
	}
	if confirm := strings.TrimSpace(form.Get("confirm")); !strings.EqualFold(confirm, "delete") {
		d := admin.WebhookPageData{Endpoint: e, Form: admin.WebhookFormOf(e), Delete: admin.DeleteForm{Confirm: confirm, Error: "Type delete to confirm."}}
		return a.renderWebhook(c, http.StatusUnprocessableEntity, d)
	}
	if _, err := models.DeleteWebhookEndpoint(c.Request().Context(), a.DB, a.auditBy(c), e.ID); err != nil {
		return a.webhookFailed(err)
	}
	a.flash(c, layout.FlashSuccess, "Endpoint deleted.")
	return redirect(c, "/admin/webhooks")
}

// webhookTarget is the endpoint the URL names, or 404.
func (a *App) webhookTarget(c echo.Context) (*models.WebhookEndpoint, error) {
	e, err := models.WebhookEndpointByID(c.Request().Context(), a.DB, c.Param("id"))
	if errors.Is(err, models.ErrNotFound) {
		return nil, echo.NewHTTPError(http.StatusNotFound)
	}
	return e, err
}

// webhookFailed maps a model error: a vanished endpoint or event is a 404.
func (a *App) webhookFailed(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	return err
}

// webhookForm reads the endpoint form.
func webhookForm(c echo.Context) (admin.WebhookForm, models.WebhookInput, error) {
	form, err := parseForm(c)
	if err != nil {
		return admin.WebhookForm{}, models.WebhookInput{}, err
	}
	in := models.WebhookInput{URL: form.Get("url"), Description: form.Get("description"), EventTypes: form["event_types"]}
	f := admin.WebhookForm{URL: models.StoredText(strings.TrimSpace(in.URL), models.MaxWebhookURLLen),
		Description: models.StoredText(in.Description, 4*models.MaxWebhookDescription)}
	for _, t := range in.EventTypes {
		f.Types = append(f.Types, models.StoredText(t, 100))
	}
	return f, in, nil
}

// checkWebhookURL runs the address guard on the form's URL (the model
// checks its shape); false, with the field's error, if refused.
func (a *App) checkWebhookURL(c echo.Context, f *admin.WebhookForm, raw string) bool {
	raw = strings.TrimSpace(raw)
	if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || len(raw) > models.MaxWebhookURLLen {
		return true // not a URL: the model's message
	}
	if err := a.WebhookGuard.CheckURL(c.Request().Context(), raw); err != nil {
		f.URLError = strings.TrimPrefix(err.Error(), webhook.ErrURLRefused.Error()+": ")
		f.URLError = "Refused: " + f.URLError + "."
		return false
	}
	return true
}

// webhookFormErrors puts a model's refusal next to its field; false when
// err is not one.
func webhookFormErrors(f *admin.WebhookForm, err error) bool {
	switch {
	case errors.Is(err, models.ErrWebhookURL):
		f.URLError = "Enter an absolute http:// or https:// URL, at most 2000 characters."
	case errors.Is(err, models.ErrWebhookDescription):
		f.DescError = "Keep the description under 500 characters of text."
	case errors.Is(err, models.ErrWebhookEventType):
		f.TypesError = "Pick event types from the list."
	default:
		return false
	}
	return true
}
