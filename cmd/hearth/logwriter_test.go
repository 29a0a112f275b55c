package main

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-app/hearth/internal/syncbuf"
)

// TestBatchedWriterFlushesOnItsOwnAndOnClose: lines show up within a few
// flush periods without anyone asking, and all of them on Close.
func TestBatchedWriterFlushesOnItsOwnAndOnClose(t *testing.T) {
	t.Parallel()
	out := &syncbuf.Buffer{}
	w := newBatchedWriter(out)
	w.Write([]byte("first line\n"))
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(out.String(), "first line"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a line was never flushed without Close")
		}
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.Write([]byte(strings.Repeat("x", i) + "\n"))
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 51 {
		t.Fatalf("%d lines written, want 51", n)
	}
}
