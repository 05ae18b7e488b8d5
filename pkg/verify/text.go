package verify

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/pkg/output"
)

// The tab-separated lines `verify --batch` and `verify listen` print
// without -o json, provider text sanitised for a terminal.

// appendBatchText appends bl as one tab-separated line: line, valid,
// scheme, key, failed step, id and the failed step's detail (or the
// entry's error), "-" for none.
func appendBatchText(dst []byte, bl *BatchLine) []byte {
	detail := bl.Error
	for _, s := range bl.Steps {
		if !s.OK && s.Name == bl.FailedStep {
			detail = s.Detail
			break
		}
	}
	valid := "invalid"
	if bl.Valid {
		valid = "valid"
	}
	return fmt.Appendf(dst, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", bl.Line, valid, dash(bl.Scheme), dash(bl.Key), dash(bl.FailedStep),
		output.Sanitize(dash(bl.ID)), output.Sanitize(dash(detail)))
}

// Text is d as one tab-separated line, without the newline: time, HTTP
// status, scheme, valid, key, failed step, delivery id, forward status.
func (d Delivery) Text() string {
	fwd := "-"
	if d.ForwardStatus != nil {
		fwd = strconv.Itoa(*d.ForwardStatus)
	} else if d.ForwardError != "" {
		fwd = "error: " + d.ForwardError
	}
	cells := []string{d.Time.Format(time.RFC3339), strconv.Itoa(d.Status), dash(d.Scheme),
		strconv.FormatBool(d.Valid), dash(d.Key), dash(d.FailedStep), dash(d.ID), fwd}
	for i := range cells {
		cells[i] = output.Sanitize(cells[i])
	}
	return strings.Join(cells, "\t")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
