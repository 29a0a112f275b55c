package handlers_test

import (
	"strings"
	"testing"

	"github.com/hearth-app/hearth/models"
)

// The "mail queued" line names the user by id (it printed a pointer).
func TestMailQueuedLogNamesTheUser(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ta.client(t).signUp("logged@example.com", goodPassword)
	id := userID(t, ta, "logged@example.com")
	for _, line := range strings.Split(ta.Logs.String(), "\n") {
		if strings.Contains(line, `msg="mail queued"`) && strings.Contains(line, "template="+models.TokenVerifyEmail) {
			if !strings.Contains(line, "user_id="+id) {
				t.Fatalf("the mail log does not name user %s: %s", id, line)
			}
			return
		}
	}
	t.Fatalf("no mail queued line in the log:\n%s", ta.Logs.String())
}
