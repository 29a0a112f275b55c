package password

import (
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/match"
)

// Strength is zxcvbn's estimate of how hard a password is to guess: Score
// from 0 (guessed in under a thousand tries) to 4 (beyond 10^10), and, when
// it is weak, the pattern that makes it so, in words.
type Strength struct {
	Score   int    `json:"score"`
	Warning string `json:"warning,omitempty"`
}

// Label names the score for a meter.
func (s Strength) Label() string {
	return [...]string{"Very weak", "Weak", "Fair", "Good", "Strong"}[s.Score]
}

// MinScore is the lowest zxcvbn score Policy.Check accepts: 0 is what NIST
// SP 800-63B calls repetitive or sequential ("aaaaaaaa", "abcdefgh",
// "qwertyuiop"), refused; a higher score is the user's choice, shown by the
// meter.
const MinScore = 1

// estimateLength is how much of a password Estimate reads: zxcvbn's work
// grows fast with the length (1 ms at 28 characters, 60 ms at 120 on the
// development machine), and a password this long is past its scale anyway.
const estimateLength = 40

// Estimate rates password for the account with these user inputs (its
// email, its name: words the password should not lean on). Only its first
// estimateLength characters are read.
func Estimate(password string, userInputs ...string) Strength {
	if !utf8.ValidString(password) {
		return Strength{}
	}
	if r := []rune(password); len(r) > estimateLength {
		password = string(r[:estimateLength])
	}
	var inputs []string
	for _, in := range userInputs {
		in = strings.ToLower(strings.TrimSpace(in))
		if in == "" {
			continue
		}
		inputs = append(inputs, in)
		if local, _, ok := strings.Cut(in, "@"); ok && local != "" {
			inputs = append(inputs, local)
		}
	}
	r := zxcvbn.PasswordStrength(password, inputs)
	s := Strength{Score: min(max(r.Score, 0), 4)}
	if s.Score < 3 {
		s.Warning = warning(r.Sequence)
	}
	return s
}

// warning says, for the weakest part of the password, why it is guessable.
func warning(seq []*match.Match) string {
	var worst *match.Match
	for _, m := range seq {
		if m.Pattern == "bruteforce" {
			continue
		}
		if worst == nil || len(m.Token) > len(worst.Token) {
			worst = m
		}
	}
	if worst == nil {
		return "Add another word or two: uncommon words are better."
	}
	switch worst.Pattern {
	case "repeat":
		return "Repeated characters like \"aaa\" or \"abcabc\" are easy to guess."
	case "sequence":
		return "Sequences like \"abc\" or \"6543\" are easy to guess."
	case "spatial":
		return "Rows of keys like \"qwerty\" are easy to guess."
	case "date":
		return "Dates are often easy to guess."
	case "regex":
		return "Recent years are easy to guess."
	case "dictionary":
		if worst.DictionaryName == "user_inputs" {
			return "Don't build the password from your name or email address."
		}
		if worst.L33t || worst.Reversed {
			return "Predictable substitutions like \"@\" for \"a\" don't help much."
		}
		return "Common words and names are easy to guess: add more words, or less common ones."
	}
	return "Add another word or two: uncommon words are better."
}
