package output

import (
	"strings"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// SGR sequences of the colours gh gives status words: green for what
// went well, red for what failed, yellow for what waits or only warns.
const (
	sgrGreen  = "\x1b[32m"
	sgrRed    = "\x1b[31m"
	sgrYellow = "\x1b[33m"
	sgrReset  = "\x1b[0m"
)

// statusColor is the colour of each word of hookctl's status vocabulary
// (a word not here, such as inactive or skipped, stays plain).
var statusColor = map[string]string{
	// A registration's STATUS (list, get).
	webhook.StatusOK:            sgrGreen,
	webhook.StatusPenaltyBox:    sgrYellow,
	webhook.StatusSecretExpired: sgrRed,
	// A bulk run's results (rotate-secret, apply, delete, resend) and
	// deliveries.
	"failed":                  sgrRed,
	webhook.DeliverySucceeded: sgrGreen,
	webhook.DeliveryPending:   sgrYellow,
	// doctor's checks and verify's steps.
	webhook.CheckFail.Label(): sgrRed,
	string(webhook.CheckWarn): sgrYellow,
}

// statusColumns are the headers whose cells hold status words.
var statusColumns = map[string]bool{"STATUS": true, "OK": true}

// colorStatus colours the status words of a fitted table in place: the
// cells under statusColumns whose first word has a colour. It runs after
// Sanitize, so the only escape sequences in a cell are its own.
func colorStatus(headers []string, rows [][]string) {
	for j, h := range headers {
		if !statusColumns[h] {
			continue
		}
		for _, r := range rows {
			if j >= len(r) {
				continue
			}
			word, _, _ := strings.Cut(r[j], " ")
			if c := statusColor[word]; c != "" {
				r[j] = c + r[j] + sgrReset
			}
		}
	}
}
