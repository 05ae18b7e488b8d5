package cmd

import "testing"

func TestEventsArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdEvents, []argvCase[EventsOptions]{
		{args: []string{"events"}, want: EventsOptions{}},
		{args: []string{"events", "INVOICE.CREATED"}, wantErr: true},
	})
	f, got, err := parseArgv(t, NewCmdEvents, []string{"events", "-p", "pexa-uk", "-o", "json"})
	if err != nil || got == nil || got.F != f || f.Global.Profile != "pexa-uk" || f.Global.Output != "json" {
		t.Errorf("events -p pexa-uk -o json: err %v, globals %+v; want profile pexa-uk, output json on the factory", err, f.Global)
	}
}
