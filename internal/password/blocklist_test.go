package password

import (
	"strings"
	"testing"
)

// TestTheBlocklistHoldsTheCommonPasswords: the embedded list is the size its
// comment says, and what it holds is refused whatever the case.
func TestTheBlocklistHoldsTheCommonPasswords(t *testing.T) {
	t.Parallel()
	list := commonPasswords()
	if n := len(list); n < 100_000 {
		t.Fatalf("the blocklist holds %d passwords, want at least 100,000", n)
	}
	for i := 0; i < len(list); i += 997 {
		if !IsCommon(strings.ToUpper(list[i])) {
			t.Errorf("%q is on the list but not refused in capitals", list[i])
		}
	}
	if IsCommon("a passphrase nobody else has chosen") {
		t.Error("a long unusual passphrase is refused as common")
	}
}
