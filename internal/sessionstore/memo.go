package sessionstore

import (
	"fmt"
	"reflect"
	"time"
)

// Remember returns what load returns for the user, remembered under name
// until something about the user changes (the same changes that drop the
// user's sessions from the cache: their row, sessions, identities, tokens)
// or the cache's ttl passes. Pages call it for the small per-user facts
// they show on every request (the account page's session count and
// providers). Without a live cache it always loads.
//
// Every caller gets a value of its own: copy makes one from the remembered
// value (slices.Clone for a slice of plain structs). copy may be nil only
// for a type that holds no references (no pointers, slices, maps…);
// Remember refuses to remember any other without it.
func Remember[T any](s *Store, userID, name string, load func() (T, error), copy func(T) T) (T, error) {
	if v, ok := s.cache.recall(userID, name); ok {
		if copy != nil {
			return copy(v.(T)), nil
		}
		return v.(T), nil
	}
	seq, readAt := s.cache.version() // before the read, as for sessions
	v, err := load()
	if err != nil {
		return v, err
	}
	if copy == nil && holdsReferences(reflect.TypeFor[T]()) {
		return v, fmt.Errorf("sessionstore: Remember(%q) of %v needs a copy function", name, reflect.TypeFor[T]())
	}
	s.cache.remember(userID, name, memo{value: v, seq: seq, readAt: readAt})
	if copy != nil {
		return copy(v), nil
	}
	return v, nil
}

// holdsReferences reports whether values of t can share memory when copied.
func holdsReferences(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Chan, reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return holdsReferences(t.Elem())
	case reflect.Struct:
		if t == reflect.TypeFor[time.Time]() {
			return false // its *Location is shared by design and never changed
		}
		for i := range t.NumField() {
			if holdsReferences(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}
