package cmd

import (
	"reflect"
	"testing"

	"github.com/spf13/cobra"
)

// argvCase is one argv and the options it should give, or wantErr.
type argvCase[O any] struct {
	args    []string
	want    O
	wantErr bool
}

// checkArgv runs each case through parseArgv: a bad argv must fail before
// runF; a good one must reach it with the options want (their F, when
// they have one, the factory the command was built with).
func checkArgv[O any](t *testing.T, build func(*Factory, func(*O) error) *cobra.Command, cases []argvCase[O]) {
	t.Helper()
	for _, tc := range cases {
		f, got, err := parseArgv(t, build, tc.args)
		if tc.wantErr {
			if err == nil || got != nil {
				t.Errorf("%v: err %v, ran %v; want an error", tc.args, err, got != nil)
			}
			continue
		}
		if err != nil || got == nil {
			t.Errorf("%v: err %v, ran %v", tc.args, err, got != nil)
			continue
		}
		want := tc.want
		if fv := reflect.ValueOf(&want).Elem().FieldByName("F"); fv.IsValid() {
			fv.Set(reflect.ValueOf(f))
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%v: %+v, want %+v", tc.args, *got, want)
		}
	}
}
