package cmd

// The answer of a one-shot provider action (send-test, penalty-box resend,
// secrets revoke-previous).

import "github.com/hookctl/hookctl/pkg/output"

// actionResult is the JSON of a one-shot provider action.
type actionResult struct {
	ID      string `json:"id"`
	Message string `json:"message"`
}

// printResult prints the provider's answer msg about id.
func printResult(f *Factory, id, msg string) error {
	printer, err := f.Printer()
	if err != nil {
		return err
	}
	t := &output.Table{Headers: []string{"ID", "RESULT"}}
	t.AddRow(id, msg)
	return printer.Print(actionResult{ID: id, Message: msg}, t)
}
