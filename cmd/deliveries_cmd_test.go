package cmd

import (
	"testing"
	"time"
)

func TestDeliveriesListArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdDeliveriesList, []argvCase[DeliveriesOptions]{
		{args: []string{"list", "whk_1"}, want: DeliveriesOptions{ID: "whk_1"}},
		{args: []string{"list", "whk_1", "--status", "failed", "--since", "24h"}, want: DeliveriesOptions{ID: "whk_1", Status: "failed", Since: 24 * time.Hour}},
		{args: []string{"list", "whk_1", "--since", "2d"}, want: DeliveriesOptions{ID: "whk_1", Since: 48 * time.Hour}},
		{args: []string{"list"}, wantErr: true},
		{args: []string{"list", "whk_1", "--status", "lost"}, wantErr: true},
		{args: []string{"list", "whk_1", "--since", "soon"}, wantErr: true},
	})
}

func TestDeliveriesResendArgvToOptions(t *testing.T) {
	one := func(o ResendOptions) ResendOptions { o.Rate = defaultRate; return o }
	checkArgv(t, NewCmdDeliveriesResend, []argvCase[ResendOptions]{
		{args: []string{"resend", "whe_1"}, want: one(ResendOptions{DeliveriesOptions: DeliveriesOptions{ID: "whe_1"}})},
		{args: []string{"resend", "--status", "failed", "--since", "24h", "--id", "whk_1", "--dry-run", "--concurrency", "2", "--rate", "5/s"},
			want: ResendOptions{DeliveriesOptions: DeliveriesOptions{Status: "failed", Since: 24 * time.Hour}, Registration: "whk_1", DryRun: true, Concurrency: 2, Rate: "5/s"}},
		{args: []string{"resend"}, wantErr: true},
		{args: []string{"resend", "whe_1", "--status", "failed"}, wantErr: true},
		{args: []string{"resend", "whe_1", "whe_2"}, wantErr: true},
		{args: []string{"resend", "whe_1", "--id", "whk_1"}, wantErr: true},
		{args: []string{"resend", "--status", "failed", "--concurrency", "-1"}, wantErr: true},
		{args: []string{"resend", "--status", "failed", "--rate", "fast"}, wantErr: true},
	})
}

func TestSendTestArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdSendTest, []argvCase[SendTestOptions]{
		{args: []string{"send-test", "whk_1"}, want: SendTestOptions{ID: "whk_1"}},
		{args: []string{"send-test"}, wantErr: true},
		{args: []string{"send-test", "a", "b"}, wantErr: true},
	})
}

func TestPenaltyBoxArgvToOptions(t *testing.T) {
	checkArgv(t, NewCmdPenaltyBoxList, []argvCase[PenaltyBoxListOptions]{
		{args: []string{"list"}, want: PenaltyBoxListOptions{}},
		{args: []string{"list", "whk_1"}, wantErr: true},
	})
	checkArgv(t, NewCmdPenaltyBoxResend, []argvCase[PenaltyBoxResendOptions]{
		{args: []string{"resend", "whk_1"}, want: PenaltyBoxResendOptions{ID: "whk_1"}},
		{args: []string{"resend"}, wantErr: true},
	})
}
