package verify

import (
	"strconv"
	"unicode/utf8"

	"github.com/hookctl/hookctl/pkg/signature"
)

// appendBatchLine appends bl as `verify --batch -o json` prints it: the
// bytes output.WriteJSONLine writes for a BatchLine ("" as null),
// newline included, without reflection. TestAppendBatchLine holds the two
// equal, and fails when BatchLine, signature.Result or signature.Step gain
// a field this function does not write.
//
// Why: encoding/json's reflection was about a fifth of a batch check with
// a 1 KiB body (pprof of a 100,000-line whole-process run).
func appendBatchLine(dst []byte, bl *BatchLine) []byte {
	dst = append(dst, `{"line":`...)
	dst = strconv.AppendInt(dst, int64(bl.Line), 10)
	dst = append(dst, `,"error":`...)
	dst = appendJSONText(dst, bl.Error)
	dst = append(dst, `,"valid":`...)
	dst = strconv.AppendBool(dst, bl.Valid)
	dst = append(dst, `,"scheme":`...)
	dst = appendJSONText(dst, bl.Scheme)
	dst = append(dst, `,"key":`...)
	dst = appendJSONText(dst, bl.Key)
	dst = append(dst, `,"steps":`...)
	dst = appendSteps(dst, bl.Steps)
	dst = append(dst, `,"failed_step":`...)
	dst = appendJSONText(dst, bl.FailedStep)
	dst = append(dst, `,"id":`...)
	dst = appendJSONText(dst, bl.ID)
	return append(dst, "}\n"...)
}

// appendJSONText is appendJSONString, with "" written as null: the rule
// every structured output follows (`hookctl help formatting`).
func appendJSONText(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, "null"...)
	}
	return appendJSONString(dst, s)
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
		dst = appendJSONText(dst, s.Name)
		dst = append(dst, `,"ok":`...)
		dst = strconv.AppendBool(dst, s.OK)
		dst = append(dst, `,"detail":`...)
		dst = appendJSONText(dst, s.Detail)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

const hexDigits = "0123456789abcdef"

// le64 is the first 8 bytes of s as a little-endian word (one load).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// appendJSONString appends s quoted as encoding/json does with HTML
// escaping off: short escapes for \ " \b \f \n \r \t, \u00XX for other
// control characters, U+FFFD (raw) for each invalid UTF-8 byte, and U+2028 and
// U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && !special8(le64(s[i:])) {
			i += 8 // nothing to escape, all ASCII
			continue
		}
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
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...) // the character itself, as output.WriteJSONLine writes it
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
