package rotation

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/pkg/bulkrun"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// TestReadsJournalOfEarlierVersion: a journal a killed run of an earlier
// version left behind, as it wrote the lines (one record type then held
// rotation's and apply's fields), is finished by a rerun: an intent whose
// rotation took effect, a stored secret that was not delivered yet, an
// entry already done, and a torn last line.
func TestReadsJournalOfEarlierVersion(t *testing.T) {
	f := newFake(3)
	o, store := setup(t, f)
	for id, s := range f.secrets {
		if err := store.StoreCurrent("p", id, s, time.Hour, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	old0 := f.secrets["wh_0"]
	f.RotateSecret(t.Context(), "wh_0", webhook.RotateRequest{}) // the call happened for wh_0
	// wh_1's new secret is stored; its delivery was cut off.
	cur1 := f.secrets["wh_1"]
	runID := "20260101T000000.000000000Z-0a1b2c3d"
	lines := []string{
		fmt.Sprintf(`{"entry":"%s/000001","op":"intent","at":"2026-01-01T00:00:00Z","id":"wh_0","provider":"fake","profile":"p","salt":"s0","old_fp":%q,"sinks":["file:/gone"]}`, runID, fingerprint("s0", old0)),
		fmt.Sprintf(`{"entry":"%s/000002","op":"intent","at":"2026-01-01T00:00:00Z","id":"wh_1","provider":"fake","profile":"p","salt":"s1","old_fp":"00","sinks":["file:/gone"]}`, runID),
		fmt.Sprintf(`{"entry":"%s/000002","op":"stored","at":"2026-01-01T00:00:01Z","id":"wh_1","new_fp":%q,"rotated_at":"2026-01-01T00:00:01Z","old_valid_until":"2026-01-02T00:00:01Z"}`, runID, fingerprint("s1", cur1)),
		fmt.Sprintf(`{"entry":"%s/000003","op":"intent","at":"2026-01-01T00:00:00Z","id":"wh_2","provider":"fake","profile":"p","salt":"s2","old_fp":"00"}`, runID),
		fmt.Sprintf(`{"entry":"%s/000003","op":"done","at":"2026-01-01T00:00:02Z","status":"ok"}`, runID),
		fmt.Sprintf(`{"entry":"%s/000004","op":"intent","at":"2026-01-01T00:00:0`, runID), // torn
	}
	dir := journalDir(o.StateDir, "p")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, runID+".jsonl")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.jsonl")
	o.Sinks = []Sink{bulkrun.NewFileSink(out)}
	o.Select = Selector{IDs: []string{}}
	rep := run(t, o)
	got := map[string]Result{}
	for _, r := range rep.Results {
		got[r.ID] = r
	}
	if len(rep.Results) != 2 || got["wh_0"].Status != StatusOK || !got["wh_0"].Recovered || got["wh_1"].Status != StatusOK || !got["wh_1"].Recovered {
		t.Fatalf("results %+v", rep.Results)
	}
	if got["wh_1"].OldSecretValidUntil == nil || !got["wh_1"].OldSecretValidUntil.Equal(time.Date(2026, 1, 2, 0, 0, 1, 0, time.UTC)) {
		t.Errorf("wh_1's overlap from the stored record: %v", got["wh_1"].OldSecretValidUntil)
	}
	if f.rotated["wh_0"] != 1 || f.rotated["wh_1"] != 0 || f.rotated["wh_2"] != 0 {
		t.Errorf("rotations %v", f.rotated)
	}
	b, _ := os.ReadFile(out)
	var delivered []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var d Delivery
		if json.Unmarshal([]byte(line), &d) == nil {
			delivered = append(delivered, d.ID+"="+d.Secret)
		}
	}
	if want := []string{"wh_0=" + f.secrets["wh_0"], "wh_1=" + cur1}; strings.Join(delivered, " ") != strings.Join(want, " ") {
		t.Errorf("delivered %v, want %v", delivered, want)
	}
	assertKnown(t, f, store)
	assertNoOpen(t, o)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("the earlier run's journal file is still there: %v", err)
	}
}
