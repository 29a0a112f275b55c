package account

import (
	"strconv"

	"github.com/hearth-app/hearth/internal/photo"
)

// photoLimitText is the upload limit in words ("5 MB").
var photoLimitText = strconv.Itoa(photo.MaxBytes>>20) + " MB"
