// Package smtptest is a minimal SMTP server for tests: it accepts every
// message and keeps it, and can misbehave the way real servers do.
package smtptest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
)

// Server listens on 127.0.0.1 until the test ends.
type Server struct {
	// Addr is host:port, for an smtp:// URL.
	Addr string

	mu   sync.Mutex
	msgs []Message
	drop bool
}

// Message is one accepted message: its raw DATA and its decoded parts.
type Message struct {
	Raw  string
	Text string // the text/plain part, decoded
	HTML string // the text/html part, decoded
}

// Start runs a server until t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String()}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *Server) serve(conn net.Conn) {
	defer conn.Close()
	tp := textproto.NewConn(conn)
	_ = tp.PrintfLine("220 localhost ESMTP test")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		switch strings.ToUpper(strings.Fields(line + " x")[0]) {
		case "EHLO", "HELO":
			_ = tp.PrintfLine("250-localhost greets you")
			_ = tp.PrintfLine("250-8BITMIME")
			_ = tp.PrintfLine("250 SMTPUTF8")
		case "MAIL", "RCPT", "RSET", "NOOP":
			_ = tp.PrintfLine("250 OK")
		case "DATA":
			_ = tp.PrintfLine("354 go ahead")
			b, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, decode(string(b)))
			drop := s.drop
			s.mu.Unlock()
			_ = tp.PrintfLine("250 queued")
			if drop {
				return
			}
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("502 not implemented")
		}
	}
}

// DropAfterData makes the server answer 250 to a message's DATA and then
// close the connection, before RSET or QUIT: the message was accepted, the
// session ends badly.
func (s *Server) DropAfterData() {
	s.mu.Lock()
	s.drop = true
	s.mu.Unlock()
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// decode finds the text and HTML parts of a raw message; what it cannot
// parse stays only in Raw.
func decode(raw string) Message {
	m := Message{Raw: raw}
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		return m
	}
	m.addPart(textproto.MIMEHeader(msg.Header), msg.Body)
	return m
}

func (m *Message) addPart(h textproto.MIMEHeader, body io.Reader) {
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mediaType = "text/plain"
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			m.addPart(p.Header, p)
		}
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	var b bytes.Buffer
	if _, err := io.Copy(&b, body); err != nil {
		return
	}
	switch mediaType {
	case "text/plain":
		m.Text += b.String()
	case "text/html":
		m.HTML += b.String()
	}
}
