// Package static holds the CSS and images, embedded into the binary.
package static

import "embed"

// FS holds every asset, served under /static/.
//
//go:embed css img
var FS embed.FS
