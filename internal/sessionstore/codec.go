package sessionstore

import (
	"encoding/json"
	"maps"
	"sync"
	"time"
)

// JSONCodec encodes scs session data as JSON. Unlike gob it needs no type
// registration and lets the store read the user id cheaply. Session values
// must be strings, bools or numbers (numbers come back as float64).
type JSONCodec struct{}

type codecData struct {
	Deadline time.Time      `json:"d"`
	Values   map[string]any `json:"v"`
}

// Encode implements scs.Codec.
func (JSONCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	return json.Marshal(codecData{Deadline: deadline, Values: values})
}

// Decode implements scs.Codec.
func (JSONCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	var d codecData
	if err := json.Unmarshal(b, &d); err != nil {
		return time.Time{}, nil, err
	}
	if d.Values == nil {
		d.Values = map[string]any{}
	}
	return d.Deadline, d.Values, nil
}

// Codec is JSONCodec with decoding remembered by content: a signed-in
// request decodes the same few bytes its session had on the last request,
// and a copy of a small map costs a twentieth of decoding JSON again. Equal
// bytes decode to equal values, so nothing here can go stale; the memo
// starts afresh when it holds max entries.
type Codec struct {
	JSONCodec
	max  int
	mu   sync.RWMutex
	memo map[string]decoded
}

type decoded struct {
	deadline time.Time
	values   map[string]any
}

// NewCodec returns a codec remembering up to max decodings.
func NewCodec(max int) *Codec {
	return &Codec{max: max, memo: make(map[string]decoded)}
}

// Decode implements scs.Codec. The map it returns is the caller's own.
func (c *Codec) Decode(b []byte) (time.Time, map[string]any, error) {
	c.mu.RLock()
	d, ok := c.memo[string(b)]
	c.mu.RUnlock()
	if !ok {
		deadline, values, err := c.JSONCodec.Decode(b)
		if err != nil {
			return deadline, values, err
		}
		d = decoded{deadline: deadline, values: values}
		c.mu.Lock()
		if len(c.memo) >= c.max {
			clear(c.memo)
		}
		c.memo[string(b)] = d
		c.mu.Unlock()
	}
	return d.deadline, maps.Clone(d.values), nil
}
