package mail

import (
	"mime"

	"github.com/emersion/go-message/charset"
)

// wordDecoder decodes RFC 2047 words in any charset go-message knows.
var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}
