package cmd

import "testing"

func TestUpdateArgvToOptions(t *testing.T) {
	off := false
	checkArgv(t, NewCmdUpdate, []argvCase[UpdateOptions]{
		{args: []string{"update", "whk_1", "--url", "https://h.example/v2"},
			want: UpdateOptions{ID: "whk_1", URL: "https://h.example/v2", Active: true, Params: map[string]string{}, setURL: true}},
		{args: []string{"update", "whk_1", "--add-event", "A", "--remove-event", "B,C", "--strict-events=false"},
			want: UpdateOptions{ID: "whk_1", AddEvents: []string{"A"}, RemoveEvents: []string{"B", "C"}, Active: true, StrictEvents: &off, Params: map[string]string{}}},
		{args: []string{"update", "whk_1", "--inactive", "--name", "n", "--current-secret-file", "-"},
			want: UpdateOptions{ID: "whk_1", Name: "n", CurrentSecretFile: "-", Params: map[string]string{}, setName: true, setActive: true}},
		{args: []string{"update", "whk_1", "-e", "A", "--reference", "r2"},
			want: UpdateOptions{ID: "whk_1", Events: []string{"A"}, Active: true, Params: map[string]string{"reference": "r2"}, setEvents: true}},
		{args: []string{"update", "whk_1", "--all-events"}, want: UpdateOptions{ID: "whk_1", AllEvents: true, Active: true, Params: map[string]string{}}},
		{args: []string{"update", "whk_1"}, wantErr: true},
		{args: []string{"update", "--url", "https://h.example/v2"}, wantErr: true},
		{args: []string{"update", "whk_1", "-e", "A", "--add-event", "B"}, wantErr: true},
		{args: []string{"update", "whk_1", "--all-events", "--remove-event", "B"}, wantErr: true},
	})
}
