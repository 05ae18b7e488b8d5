package dbustest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

func TestHungServiceNeverAnswers(t *testing.T) {
	Require(t, "dbus-daemon")
	bus := StartBus(t)
	conn := bus.Conn(t)
	if bus.HasOwner(t, conn, SecretsName) {
		t.Fatalf("a fresh bus already has %s: bus activation is not off", SecretsName)
	}
	bus.ClaimHungService(t, SecretsName)
	if !bus.HasOwner(t, conn, SecretsName) {
		t.Fatalf("%s not owned after ClaimHungService", SecretsName)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := conn.Object(SecretsName, "/org/freedesktop/secrets").
		CallWithContext(ctx, "org.freedesktop.Secret.Service.OpenSession", 0, "plain", dbus.MakeVariant("")).Err
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call to the hung service: %v, want a deadline error", err)
	}
}

func TestGnomeKeyringLock(t *testing.T) {
	Require(t, "dbus-daemon", "gnome-keyring-daemon")
	k := StartGnomeKeyring(t, StartBus(t), "pw")
	if k.Locked(t, LoginCollection) {
		t.Fatal("login collection locked right after start")
	}
	k.Lock(t, LoginCollection)
	if !k.Locked(t, LoginCollection) {
		t.Fatal("login collection not locked after Lock")
	}
}
