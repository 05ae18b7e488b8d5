package cmd

import (
	"strconv"
	"unicode/utf8"

	"github.com/hookctl/hookctl/pkg/signature"
)

// appendBatchLine appends bl as `verify --batch -o json` prints it: the
// bytes json.Encoder with SetEscapeHTML(false) writes for a batchLine,
// newline included, without reflection. TestAppendBatchLine holds the two
// equal, and fails when batchLine, signature.Result or signature.Step gain
// a field this function does not write.
//
// Why: encoding/json's reflection was about a fifth of a batch check with
// a 1 KiB body (pprof of a 100,000-line whole-process run).
func appendBatchLine(dst []byte, bl *batchLine) []byte {
	dst = append(dst, `{"line":`...)
	dst = strconv.AppendInt(dst, int64(bl.Line), 10)
	if bl.Error != "" {
		dst = append(dst, `,"error":`...)
		dst = appendJSONString(dst, bl.Error)
	}
	dst = append(dst, `,"valid":`...)
	dst = strconv.AppendBool(dst, bl.Valid)
	dst = append(dst, `,"scheme":`...)
	dst = appendJSONString(dst, bl.Scheme)
	dst = append(dst, `,"key":`...)
	dst = appendJSONString(dst, bl.Key)
	dst = append(dst, `,"steps":`...)
	dst = appendSteps(dst, bl.Steps)
	if bl.FailedStep != "" {
		dst = append(dst, `,"failed_step":`...)
		dst = appendJSONString(dst, bl.FailedStep)
	}
	if bl.ID != "" {
		dst = append(dst, `,"id":`...)
		dst = appendJSONString(dst, bl.ID)
	}
	return append(dst, "}\n"...)
}

func appendSteps(dst []byte, steps []signature.Step) []byte {
	if steps == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range steps {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = appendJSONString(dst, s.Name)
		dst = append(dst, `,"ok":`...)
		dst = strconv.AppendBool(dst, s.OK)
		dst = append(dst, `,"detail":`...)
		dst = appendJSONString(dst, s.Detail)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

const lowerHex = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json does with HTML
// escaping off: short escapes for \ " \b \f \n \r \t, \u00XX for other
// control characters, \ufffd for each invalid UTF-8 byte, and U+2028 and
// U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', lowerHex[b>>4], lowerHex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', lowerHex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
