package cmd

import "testing"

func TestAuthLoginArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdAuthLogin, []argvCase[AuthLoginOptions]{
		{args: []string{"login"}, want: AuthLoginOptions{}},
		{args: []string{"login", "--stdin", "--credential", "token"}, want: AuthLoginOptions{Stdin: true, Credential: "token"}},
		{args: []string{"login", "--no-verify"}, want: AuthLoginOptions{NoVerify: true}},
		{args: []string{"login", "billing"}, wantErr: true},
		{args: []string{"login", "--password", "x"}, wantErr: true},
	})
}

func TestAuthLogoutArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdAuthLogout, []argvCase[AuthLogoutOptions]{
		{args: []string{"logout"}, want: AuthLogoutOptions{}},
		{args: []string{"logout", "billing"}, wantErr: true},
	})
	f, got, err := parseArgv(t, NewCmdAuthLogout, []string{"logout", "-p", "billing", "--yes"})
	if err != nil || got == nil || got.F != f || f.Global.Profile != "billing" || !f.Global.Yes {
		t.Errorf("logout -p billing --yes: err %v, globals %+v; want profile billing and --yes on the factory", err, f.Global)
	}
}

func TestAuthStatusArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdAuthStatus, []argvCase[AuthStatusOptions]{
		{args: []string{"status"}, want: AuthStatusOptions{}},
		{args: []string{"status", "--offline"}, want: AuthStatusOptions{Offline: true}},
		{args: []string{"status", "billing"}, wantErr: true},
	})
}
