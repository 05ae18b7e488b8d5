package cmd

// What rotate-secret prints: a row per registration (JSON and table,
// labelled with its profile) and the summary line of each profile.

import (
	"fmt"

	"github.com/hookctl/hookctl/pkg/output"
	"github.com/hookctl/hookctl/pkg/rotation"
)

// rotateRow is the JSON shape of one result.
type rotateRow struct {
	Profile             string `json:"profile"`
	ID                  string `json:"id"`
	Status              string `json:"status"`
	Reason              string `json:"reason"`
	Plan                string `json:"plan"`
	OldSecretValidUntil string `json:"old_secret_valid_until"`
	OldSecretRevoked    bool   `json:"old_secret_revoked"`
	Recovered           bool   `json:"recovered"`
	Secret              string `json:"secret,omitempty"`
	Error               string `json:"error"`
}

func rotateRows(parts []rotated) []rotateRow {
	rows := []rotateRow{}
	for _, p := range parts {
		for _, r := range p.rep.Results {
			rows = append(rows, rotateRow{Profile: p.profile, ID: r.ID, Status: r.Status, Reason: r.Reason, Plan: r.Plan,
				OldSecretValidUntil: output.Time(r.OldSecretValidUntil), OldSecretRevoked: r.OldSecretRevoked,
				Recovered: r.Recovered, Secret: r.Secret, Error: r.Error})
		}
	}
	return rows
}

// rotateTable is the report as a table, with a PROFILE column when the
// run was over several profiles.
func rotateTable(parts []rotated, several, showSecret bool) *output.Table {
	// A dry run's third column is what would happen to the old secret;
	// a real run's is what did.
	third := "OLD SECRET"
	if len(parts) > 0 && parts[0].rep.DryRun {
		third = "PLAN"
	}
	t := &output.Table{Headers: []string{"ID", "STATUS", third, "REASON", "ERROR"}, Wrap: []string{"REASON", "ERROR"}}
	if showSecret {
		t.Headers = append(t.Headers, "SECRET")
	}
	var profiles []string
	for _, p := range parts {
		for _, r := range p.rep.Results {
			old := ""
			switch {
			case r.Plan != "":
				old = r.Plan
			case r.Status != rotation.StatusOK:
			case r.OldSecretRevoked:
				old = "revoked"
			case r.OldSecretValidUntil != nil:
				old = "valid until " + output.Time(r.OldSecretValidUntil)
			}
			status := r.Status
			if r.Recovered {
				status += " (recovered)"
			}
			row := []string{r.ID, status, old, r.Reason, firstLine(r.Error)}
			if showSecret {
				row = append(row, r.Secret)
			}
			t.AddRow(row...)
			profiles = append(profiles, p.profile)
		}
	}
	labelProfiles(t, several, profiles)
	return t
}

// rotateSummary is the one line a bulk run ends with on stderr.
func rotateSummary(rep *rotation.Report, redeliver bool) string {
	var ok, recovered, skipped, failed, planned, notStarted, unsupported int
	for _, r := range rep.Results {
		switch {
		case r.Status == rotation.StatusNotStarted:
			notStarted++
		case r.Status == rotation.StatusPlanned:
			planned++
		case r.Status == rotation.StatusFailed, r.Status == rotation.StatusWouldFail:
			failed++
		case r.Status == rotation.StatusNotSupported:
			unsupported++
		case r.Status == rotation.StatusSkipped:
			skipped++
		case r.Recovered:
			recovered++
		default:
			ok++
		}
	}
	switch {
	case unsupported > 0:
		return fmt.Sprintf("%d not supported; nothing to rotate", unsupported)
	case rep.DryRun:
		return fmt.Sprintf("dry run: %d planned, %d skipped, %d would fail; nothing was changed", planned, skipped, failed)
	case redeliver:
		return fmt.Sprintf("re-delivered %d, recovered %d, skipped %d, failed %d%s; nothing was rotated", ok, recovered, skipped, failed, notStartedNote(notStarted))
	}
	return fmt.Sprintf("rotated %d, recovered %d, skipped %d, failed %d", ok, recovered, skipped, failed) + notStartedNote(notStarted)
}

// notStartedNote ends a bulk summary with the items an interrupted run
// never began, when there are any.
func notStartedNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", not started %d (interrupted; rerun to do them)", n)
}
