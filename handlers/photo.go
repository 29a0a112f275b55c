package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-app/hearth/internal/photo"
	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/account"
	"github.com/hearth-app/hearth/views/layout"
	"github.com/hearth-app/hearth/webhook"
)

// Profile photos (internal/photo makes them, models/photo.go keeps them).
const (
	photoUploadPath = "/account/photo"
	avatarPrefix    = "/avatars/"
	// MaxPhotoBodyBytes bounds the upload's body instead of MaxBodyBytes:
	// a file somewhat over photo.MaxBytes is still read to its end, so the
	// page can say it is too large; a larger body gets the 413 page.
	MaxPhotoBodyBytes = 3 * photo.MaxBytes
)

// newPictureClient fetches providers' pictures: https to public addresses
// only (the webhook guard, strict whatever the environment), every
// redirect checked again.
func newPictureClient() *http.Client {
	guard := webhook.Guard{Strict: true}
	return photo.Client(guard.DialContext)
}

// errNoFile: the form came without a chosen file.
var errNoFile = errors.New("no file chosen")

// PhotoSubmit replaces the user's profile photo with the uploaded picture
// (multipart field "photo"), re-encoded by Hearth. A refused file
// re-renders the account page with the reason beside the input.
func (a *App) PhotoSubmit(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	data, err := readUpload(c.Request(), "photo")
	if err == nil {
		data, err = photo.Normalize(ctx, data)
	}
	if msg, status := photoRefusal(err); msg != "" {
		return a.renderAccount(c, status, account.ProfilePageData{Name: u.Name, PhotoError: msg})
	} else if err != nil {
		return err
	}
	e := a.auditBy(c)
	e.Action, e.Detail = models.AuditProfileUpdate, "photo changed"
	if _, err := models.SetPhoto(ctx, a.DB, a.Now(), models.NewPhoto{UserID: u.ID, Data: data, Source: models.PhotoUploaded, Replace: true, Audit: &e}); err != nil {
		return err
	}
	a.flash(c, layout.FlashSuccess, "Your photo was saved.")
	return redirect(c, "/account#photo")
}

// PhotoDeleteSubmit removes the user's photo: the initials come back.
func (a *App) PhotoDeleteSubmit(c echo.Context) error {
	u := currentUser(c)
	e := a.auditBy(c)
	e.Action, e.Detail = models.AuditProfileUpdate, "photo removed"
	removed, err := models.RemovePhoto(c.Request().Context(), a.DB, a.Now(), u.ID, &e)
	if err != nil {
		return err
	}
	if removed {
		a.flash(c, layout.FlashSuccess, "Your photo was removed.")
	} else {
		a.flash(c, layout.FlashInfo, "You have no photo to remove.")
	}
	return redirect(c, "/account#photo")
}

// readUpload returns the file sent in the multipart form's field, at most
// photo.MaxBytes of it. A larger file is read to the end of the body (so
// the browser, still sending, gets the answer) and refused.
func readUpload(req *http.Request, field string) ([]byte, error) {
	mr, err := req.MultipartReader()
	if err != nil {
		return nil, errNoFile
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, errNoFile
		} else if err != nil {
			return nil, uploadReadError(err)
		}
		if part.FormName() != field {
			part.Close()
			continue
		}
		if part.FileName() == "" { // the browser sends the field empty when no file was chosen
			if n, _ := io.Copy(io.Discard, io.LimitReader(part, 1)); n == 0 {
				return nil, errNoFile
			}
			return nil, photo.ErrFormat // text in a file field: not from our form
		}
		data, err := photo.Read(part)
		switch {
		case errors.Is(err, photo.ErrTooLarge):
			_, _ = io.Copy(io.Discard, req.Body)
		case err != nil && !errors.Is(err, photo.ErrEmpty):
			err = uploadReadError(err)
		}
		return data, err
	}
}

// uploadReadError is a broken body: too large for the route's limit, or
// not the multipart form it says it is.
func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return photo.ErrTooLarge
	}
	return errBrokenUpload
}

var errBrokenUpload = errors.New("broken multipart body")

// photoRefusal is what the page says about a refused upload, with its
// status; "" for an error that is not the file's fault.
func photoRefusal(err error) (string, int) {
	switch {
	case err == nil:
		return "", 0
	case errors.Is(err, errNoFile):
		return "Choose a picture to upload.", http.StatusUnprocessableEntity
	case errors.Is(err, photo.ErrEmpty):
		return "That file is empty. Choose a picture.", http.StatusUnprocessableEntity
	case errors.Is(err, photo.ErrTooLarge):
		return "That file is larger than " + strconv.Itoa(photo.MaxBytes>>20) + " MB. Choose a smaller picture.", http.StatusRequestEntityTooLarge
	case errors.Is(err, photo.ErrFormat):
		return "That file is not a picture we can use. Upload a PNG, JPEG, GIF or WebP image.", http.StatusUnprocessableEntity
	case errors.Is(err, photo.ErrTooManyPixels):
		return "That picture has too many pixels (more than " + strconv.Itoa(photo.MaxPixels/1_000_000) + " megapixels). Choose a smaller one.", http.StatusUnprocessableEntity
	case errors.Is(err, photo.ErrDamaged):
		return "That picture is damaged or incomplete. Try another file.", http.StatusUnprocessableEntity
	case errors.Is(err, errBrokenUpload):
		return "The upload did not arrive whole. Please try again.", http.StatusBadRequest
	}
	return "", 0
}

// AvatarImage serves a profile photo at /avatars/{user id}/{version}.jpg.
// The version is random and new with every photo: the address can be
// cached for good, and only someone shown it (a page with the avatar)
// knows it. Anything else is a 404.
func (a *App) AvatarImage(c echo.Context) error {
	version, ok := strings.CutSuffix(c.Param("file"), ".jpg")
	if !ok || !plainToken(version) || !plainToken(c.Param("id")) {
		return echo.ErrNotFound
	}
	p, err := models.PhotoOf(c.Request().Context(), a.DB, c.Param("id"), version)
	if errors.Is(err, models.ErrNotFound) {
		return echo.ErrNotFound
	} else if err != nil {
		return err
	}
	h := c.Response().Header()
	// private: shared caches (a CDN) do not keep it once it is removed.
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("Content-Disposition", "inline")
	return c.Blob(http.StatusOK, p.ContentType, p.Data)
}

// plainToken is an id or a version as Hearth makes them: letters, digits
// and dashes, not too long.
func plainToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// adoptPicture imports the provider's picture when an account is created
// or connected to the provider and has no photo yet (the initials): the
// account takes the face it has there. A photo the user has is kept.
func (a *App) adoptPicture(c echo.Context, u *models.User, provider, pictureURL string) {
	if pictureURL != "" && u.AvatarVersion == "" {
		a.importPicture(c, u.ID, provider, pictureURL)
	}
}

// importPicture makes the provider's picture the account's photo, in
// the background: a picture that cannot be fetched or used is logged and
// forgotten, and never replaces a photo the user chose meanwhile.
func (a *App) importPicture(c echo.Context, userID, provider, pictureURL string) {
	e := a.auditBy(c)
	e.ActorID, e.Action, e.Detail = &userID, models.AuditProfileUpdate, "photo from "+provider
	requestID := c.Get(ctxRequestID)
	err := a.inBackground(c, "provider picture", func(ctx context.Context) error {
		data, err := photo.Fetch(ctx, a.PictureClient, pictureURL)
		if err == nil {
			data, err = photo.Normalize(ctx, data)
		}
		if err != nil {
			a.Logger.Warn("provider picture not imported", "provider", provider, "request_id", requestID, "err", err)
			return nil
		}
		_, err = models.SetPhoto(ctx, a.DB, a.Now(), models.NewPhoto{UserID: userID, Data: data, Source: provider, Audit: &e})
		if errors.Is(err, models.ErrPhotoExists) || errors.Is(err, models.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil { // the request ended while waiting for a slot: no picture
		a.Logger.Warn("provider picture not imported", "provider", provider, "request_id", requestID, "err", err)
	}
}
