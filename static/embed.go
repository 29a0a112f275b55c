// Package static holds the CSS, images and the little JavaScript (copy
// buttons), embedded into the binary.
package static

import "embed"

// FS holds every asset (CSS, images, the small progressive-enhancement scripts), served under /static/.
//
//go:embed css img js
var FS embed.FS
