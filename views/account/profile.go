package account

import "fmt"

func sessionsText(n int64) string {
	if n == 1 {
		return "1 (this one)"
	}
	return fmt.Sprintf("%d, including this one", n)
}
