package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// ErrURLRefused is an endpoint URL that the guard will not deliver to.
var ErrURLRefused = errors.New("webhook URL refused")

// Resolver looks up a host's addresses (*net.Resolver does; tests fake it).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Guard decides where deliveries may go. In production (Strict) only https
// URLs are accepted, and addresses that are loopback, private, link-local,
// shared (CGNAT), unspecified, multicast or a cloud metadata service are
// refused, unless AllowPrivate (HEARTH_WEBHOOK_ALLOW_PRIVATE=true). In
// development anything goes but the metadata addresses. The check runs
// when an endpoint is saved and again when each delivery connects: the
// dialer resolves the name itself, dials only an address it checked, and
// checks the connected address once more (so a name that resolves to a
// public address at save time and to 127.0.0.1 later — DNS rebinding — is
// refused at send time).
type Guard struct {
	Strict       bool
	AllowPrivate bool
	Resolver     Resolver // nil: net.DefaultResolver
}

func (g Guard) resolver() Resolver {
	if g.Resolver == nil {
		return net.DefaultResolver
	}
	return g.Resolver
}

// metadata are the cloud instance-metadata services (AWS, GCP, Azure,
// Oracle, Alibaba, AWS over IPv6).
var metadata = []netip.Addr{netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("100.100.100.200"), netip.MustParseAddr("fd00:ec2::254")}

// nonPublic are ranges that are neither loopback nor RFC 1918 but still
// not the public internet.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("240.0.0.0/4"), netip.MustParsePrefix("64:ff9b:1::/48"),
}

// CheckAddr refuses an address deliveries may not reach.
func (g Guard) CheckAddr(a netip.Addr) error {
	a = a.Unmap()
	if g.AllowPrivate {
		return nil
	}
	for _, m := range metadata {
		if a == m {
			return fmt.Errorf("%w: %s is a cloud metadata address", ErrURLRefused, a)
		}
	}
	if !g.Strict {
		return nil
	}
	bad := a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() || !a.IsValid()
	for _, p := range nonPublic {
		bad = bad || p.Contains(a)
	}
	if bad {
		return fmt.Errorf("%w: %s is a loopback, private or link-local address (HEARTH_WEBHOOK_ALLOW_PRIVATE=true allows it)", ErrURLRefused, a)
	}
	return nil
}

// CheckURL checks an endpoint URL when it is saved: its scheme, and every
// address its host resolves to now.
func (g Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return fmt.Errorf("%w: not an absolute URL", ErrURLRefused)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && (!g.Strict || g.AllowPrivate):
	default:
		return fmt.Errorf("%w: in production a webhook URL is https", ErrURLRefused)
	}
	_, err = g.resolve(ctx, u.Hostname())
	return err
}

// resolve returns host's addresses that pass, refusing the host if any
// fails (a name with one private address is not worth the risk).
func (g Guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, g.CheckAddr(a)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := g.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("%w: %s does not resolve", ErrURLRefused, host)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%w: %s has no address", ErrURLRefused, host)
	}
	for _, a := range addrs {
		if err := g.CheckAddr(a); err != nil {
			return nil, fmt.Errorf("%s: %w", host, err)
		}
	}
	return addrs, nil
}

// DialContext dials addr ("host:port") at an address that passes the
// guard, for an http.Transport.
func (g Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: 5 * time.Second, Control: g.control}
	var firstErr error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// control checks the address a socket is about to connect to.
func (g Guard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrURLRefused, address)
	}
	return g.CheckAddr(ap.Addr())
}
