package handlers

import "testing"

// go test -run '^$' -bench SafeNext -benchmem ./handlers/
func BenchmarkSafeNext(b *testing.B) {
	inputs := []string{"/account?tab=sessions", "//evil.example", "https://evil.example/x", "/\\evil", ""}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		safeNext(inputs[i%len(inputs)], "/account")
		i++
	}
}
