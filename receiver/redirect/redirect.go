// Package redirect keeps the receiver's credentials on the hosts they were configured for. Every
// request the receiver makes carries one: the bearer token of an API call (added below the HTTP
// client, so it would be added again on each hop), an auth extension's header, or the client secret
// of a token request, which a 307 or 308 has the client post again.
package redirect

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ErrRefused marks a redirect that the receiver did not follow.
var ErrRefused = errors.New("redirect refused")

// maxHops is net/http's own limit on the redirects of one request.
const maxHops = 10

// SameHostHTTPS is an http.Client CheckRedirect that follows a redirect only to the host of the
// request it started from, and never from https to http.
func SameHostHTTPS(req *http.Request, via []*http.Request) error {
	from, to := via[0].URL, req.URL
	switch {
	case len(via) >= maxHops:
		return fmt.Errorf("%w: stopped after %d redirects", ErrRefused, maxHops)
	case !strings.EqualFold(to.Host, from.Host):
		return fmt.Errorf("%w: %s redirects to another host (%s); requests carry credentials and go only to the configured host: "+
			"set endpoint (or credentials.authority) to where the service is", ErrRefused, withoutQuery(from), withoutQuery(to))
	case from.Scheme == "https" && to.Scheme != "https":
		return fmt.Errorf("%w: %s redirects to %s, which is not https", ErrRefused, withoutQuery(from), withoutQuery(to))
	}
	return nil
}

// withoutQuery is u without its user information, query and fragment, which may hold secrets of
// their own.
func withoutQuery(u *url.URL) string {
	shown := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return shown.String()
}
