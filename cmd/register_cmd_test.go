package cmd

import "testing"

func TestRegisterArgvToOptions(t *testing.T) {
	on := true
	checkArgv(t, NewCmdRegister, []argvCase[RegisterOptions]{
		{args: []string{"register", "--url", "https://h.example/s", "--event", "INVOICE.CREATED"},
			want: RegisterOptions{URL: "https://h.example/s", Events: []string{"INVOICE.CREATED"}, Params: map[string]string{}}},
		{args: []string{"register", "--url", "https://h.example/s", "-e", "A,B", "-e", "C", "--name", "billing", "--reference", "billing-1", "--show-secret", "--test-first"},
			want: RegisterOptions{URL: "https://h.example/s", Events: []string{"A", "B", "C"}, Name: "billing", Params: map[string]string{"reference": "billing-1"}, ShowSecret: true, TestFirst: true}},
		{args: []string{"register", "--url", "https://h.example/o", "--all-events", "--inactive", "--strict-events"},
			want: RegisterOptions{URL: "https://h.example/o", AllEvents: true, Inactive: true, StrictEvents: &on, Params: map[string]string{}}},
		{args: []string{"register", "--url", "https://h.example/o", "--all-events", "--active=false"},
			want: RegisterOptions{URL: "https://h.example/o", AllEvents: true, Inactive: true, Params: map[string]string{}}},
		{args: []string{"register", "--event", "A"}, wantErr: true},
		{args: []string{"register", "--url", "https://h.example/s", "--event", "A", "--all-events"}, wantErr: true},
		{args: []string{"register", "--url", "https://h.example/s", "--active", "--inactive"}, wantErr: true},
		{args: []string{"register", "https://h.example/s"}, wantErr: true},
	})
}
