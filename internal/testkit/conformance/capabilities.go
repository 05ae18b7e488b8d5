package conformance

import (
	"bytes"
	"encoding/pem"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/emulator"
	"github.com/hookctl/hookctl/internal/testkit/providertest"
	"github.com/hookctl/hookctl/pkg/providers/provider"
	"github.com/hookctl/hookctl/pkg/signature"
	"github.com/hookctl/hookctl/pkg/webhook"
)

// capability is one interface of pkg/webhook/capabilities.go: how to tell
// a client has it, and a check that it works against the emulator.
type capability struct {
	name  string
	has   func(webhook.Provider) bool
	check func(*env)
}

func is[T any](p webhook.Provider) bool { _, ok := p.(T); return ok }

// capabilities are all of them (TestEveryCapabilityChecked keeps the list
// whole), in the order capabilities.go declares them.
var capabilities = []capability{
	{"SecretRotator", is[webhook.SecretRotator], checkSecretRotator},
	{"EventLister", is[webhook.EventLister], checkEventLister},
	{"RequestChecker", is[webhook.RequestChecker], checkRequestChecker},
	{"RotationChecker", is[webhook.RotationChecker], checkRotationChecker},
	{"EventChecker", is[webhook.EventChecker], checkEventChecker},
	{"Tester", is[webhook.Tester], checkTester},
	{"PenaltyBox", is[webhook.PenaltyBox], checkPenaltyBox},
	{"Authenticator", is[webhook.Authenticator], checkAuthenticator},
	{"Reconciler", is[webhook.Reconciler], checkReconciler},
	{"KeyManager", is[webhook.KeyManager], checkKeyManager},
	{"KeyUploader", is[webhook.KeyUploader], checkKeyUploader},
	{"KeyRemover", is[webhook.KeyRemover], checkKeyRemover},
	{"VerificationKeySource", is[webhook.VerificationKeySource], checkVerificationKeySource},
	{"RotateSecretHinter", is[webhook.RotateSecretHinter], checkRotateSecretHinter},
	{"Doctor", is[webhook.Doctor], checkDoctor},
	{"CredentialsProber", is[webhook.CredentialsProber], checkCredentialsProber},
	{"ConnectionTester", is[webhook.ConnectionTester], checkConnectionTester},
	{"PreviousSecretRevoker", is[webhook.PreviousSecretRevoker], checkPreviousSecretRevoker},
	{"CurrentSecretProver", is[webhook.CurrentSecretProver], checkCurrentSecretProver},
	{"DeliveryLog", is[webhook.DeliveryLog], checkDeliveryLog},
	{"DeliveryResender", is[webhook.DeliveryResender], checkDeliveryResender},
	{"DeliveryHinter", is[webhook.DeliveryHinter], checkDeliveryHinter},
	{"SampleDeliverer", is[webhook.SampleDeliverer], checkSampleDeliverer},
}

func known(name string) bool {
	return slices.ContainsFunc(capabilities, func(c capability) bool { return c.name == name })
}

// declared are the capabilities a provider declares, each with where:
// those the rest of its registry lines imply, then Spec.Capabilities.
func (s *suite) declared(t *testing.T, box emulator.Emulator) map[string]string {
	spec, demo := s.h.Spec, s.h.Entry.Demo
	d := map[string]string{}
	if demo.Rotate {
		d["SecretRotator"] = "Demo.Rotate (the tour rotates a secret)"
	}
	if slices.ContainsFunc(spec.Credentials, func(c provider.Credential) bool { return c.Generated }) {
		d["KeyManager"] = "a Generated credential (`keys generate` makes it)"
	}
	if slices.ContainsFunc(demo.Setup, func(s []string) bool { return slices.Equal(s, []string{"keys", "upload"}) }) {
		d["KeyUploader"] = "Demo.Setup runs `keys upload`"
	}
	if slices.ContainsFunc(spec.Fields, func(f provider.Field) bool { return f.Name == provider.FieldStrictEvents }) {
		d["EventChecker"] = "the strict-events field (there is a catalogue to be strict against)"
	}
	if len(spec.DoctorChecks) > 0 {
		d["Doctor"] = "Spec.DoctorChecks"
	}
	if slices.ContainsFunc(spec.Credentials, func(c provider.Credential) bool { return c.Cache }) {
		d["Authenticator"] = "a Cache credential (an access token hookctl trades the login for)"
	}
	if _, ok := box.(emulator.Sender); ok {
		d["DeliveryLog"] = "the emulator is an emulator.Sender (the provider keeps a delivery log)"
	}
	for _, c := range spec.Capabilities {
		if !known(c) {
			t.Errorf("Spec.Capabilities names %q, which pkg/webhook/capabilities.go does not declare", c)
		}
		if why, ok := d[c]; ok {
			t.Errorf("Spec.Capabilities names %s, which the registry already declares (%s): drop it from the list", c, why)
		}
		d[c] = "Spec.Capabilities"
	}
	// The hinters stand in for what is missing.
	if d["SecretRotator"] == "" {
		d["RotateSecretHinter"] = "no SecretRotator (the hint says what to rotate instead)"
	}
	if d["DeliveryLog"] == "" || d["DeliveryResender"] == "" {
		d["DeliveryHinter"] = "no DeliveryLog or no DeliveryResender (the hint names what is missing)"
	}
	return d
}

// testDeclared: the client has exactly the capabilities the registries
// declare, so commands, help and docs that read the registries tell the
// truth about it.
func (s *suite) testDeclared(t *testing.T) {
	e := s.newEnv(t)
	d := s.declared(t, e.box)
	for _, c := range capabilities {
		why, decl := d[c.name]
		switch has := c.has(e.prov); {
		case decl && !has:
			t.Errorf("%s is declared by %s, but the client is no webhook.%s", c.name, why, c.name)
		case has && !decl:
			t.Errorf("the client is a webhook.%s, but neither the registry nor Spec.Capabilities declares it", c.name)
		}
	}
	if _, ok := e.prov.(webhook.DeliveryResender); ok && !is[webhook.DeliveryLog](e.prov) {
		t.Errorf("a DeliveryResender without a DeliveryLog: nothing names a delivery to resend")
	}
}

// testCapabilities runs the check of each capability the client has.
func (s *suite) testCapabilities(t *testing.T) {
	probe := s.newEnv(t)
	for _, c := range capabilities {
		if !c.has(probe.prov) {
			continue
		}
		t.Run(c.name, func(t *testing.T) { c.check(s.newEnv(t)) })
	}
}

// checkSecretRotator: rotations one after another each land, the last
// secret signing.
func checkSecretRotator(e *env) {
	sr := e.prov.(webhook.SecretRotator)
	reg, rot := e.rotate(sr)
	rr := webhook.RotateRequest{}
	if sr.RotationPolicy().ClientChoosesSecret {
		rr = webhook.RotateRequest{CurrentSecret: rot.NewSecret, NewSecret: randomSecret()}
	}
	again, err := sr.RotateSecret(ctx, reg.ID, rr)
	if err != nil {
		e.t.Fatalf("second RotateSecret %s: %v", reg.ID, err)
	}
	if again.NewSecret == "" || again.NewSecret == rot.NewSecret {
		e.t.Errorf("second RotateSecret: new secret %q, was %q", again.NewSecret, rot.NewSecret)
	}
	e.checkSigned(reg, again.NewSecret)
}

// checkEventChecker: the catalogue to check against knows the Demo's
// events and no made-up one.
func checkEventChecker(e *env) {
	req := e.request(0)
	bogus := "CONFORMANCE.NO_SUCH_EVENT"
	cat, err := e.prov.(webhook.EventChecker).EventsToCheck(ctx, append(slices.Clone(req.Events), bogus))
	if err != nil {
		e.t.Fatalf("EventsToCheck: %v", err)
	}
	names := cat.Names()
	if !subset(req.Events, names) || slices.Contains(names, bogus) {
		e.t.Errorf("EventsToCheck: catalogue %q, want one with %q and without %s", names, req.Events, bogus)
	}
	if !slices.Contains([]string{webhook.SourceLive, webhook.SourceBuiltIn, webhook.SourceSubscriptions}, cat.Source) {
		e.t.Errorf("EventsToCheck: source %q", cat.Source)
	}
}

// checkTester: a test delivery reaches the endpoint, signed with the
// registration's secret.
func checkTester(e *env) {
	reg := e.registerAt("/send-test")
	msg, err := e.prov.(webhook.Tester).SendTest(ctx, reg.ID)
	if err != nil || msg == "" {
		e.t.Fatalf("SendTest %s: %q, %v", reg.ID, msg, err)
	}
	e.checkReceived(1, reg.Secret)
}

// checkPenaltyBox: a registration the provider parked after a failed
// delivery is resent and comes out of the box.
func checkPenaltyBox(e *env) {
	send := e.sender()
	reg := e.registerAt("/penalty-box")
	e.rc.SetStatus(500)
	if sent, err := send.Send(ctx, reg.ID, e.s.h.Entry.Demo.Event, ""); err != nil || sent.Error == "" {
		e.t.Fatalf("emulator Send to a failing endpoint: %+v, %v", sent, err)
	}
	if st := e.get(reg.ID).Status; st != webhook.StatusPenaltyBox {
		e.t.Fatalf("after a failed delivery: status %q, want %q", st, webhook.StatusPenaltyBox)
	}
	e.rc.SetStatus(200)
	failed := len(e.rc.Deliveries())
	if msg, err := e.prov.(webhook.PenaltyBox).ResendPenaltyBox(ctx, reg.ID); err != nil {
		e.t.Fatalf("ResendPenaltyBox %s: %q, %v", reg.ID, msg, err)
	}
	e.checkReceived(failed+1, reg.Secret)
	if st := e.get(reg.ID).Status; st != webhook.StatusOK {
		e.t.Errorf("after the resend: status %q, want %q", st, webhook.StatusOK)
	}
}

// checkAuthenticator: each Authenticate logs in afresh (a cached token
// says nothing about today's credentials).
func checkAuthenticator(e *env) {
	a := e.prov.(webhook.Authenticator)
	for i := range 2 {
		before := e.requests.Load()
		if err := a.Authenticate(ctx); err != nil {
			e.t.Fatalf("Authenticate: %v", err)
		}
		if e.requests.Load() == before {
			e.t.Errorf("Authenticate #%d sent no request: it used a cached token", i+1)
		}
	}
}

// checkReconciler: after a rotation, the new secret is confirmed and
// another is not.
func checkReconciler(e *env) {
	sr, ok := e.prov.(webhook.SecretRotator)
	if !ok || !sr.RotationPolicy().ClientChoosesSecret {
		e.t.Fatalf("a Reconciler reconciles client-chosen secrets; the client chooses none")
	}
	reg, rot := e.rotate(sr)
	rc := e.prov.(webhook.Reconciler)
	if got, ok, err := rc.Reconcile(ctx, reg.ID, rot.NewSecret); err != nil || !ok || got != rot.NewSecret {
		e.t.Errorf("Reconcile with the new secret: %q, %v, %v", got, ok, err)
	}
	if _, ok, err := rc.Reconcile(ctx, reg.ID, randomSecret()); err != nil || ok {
		e.t.Errorf("Reconcile with a secret never sent: confirmed %v, %v", ok, err)
	}
}

// checkKeyManager: the stored pair is not replaced by accident, is by
// force, and the client works with the new one.
func checkKeyManager(e *env) {
	km := e.prov.(webhook.KeyManager)
	old := e.publicKey(km)
	if _, err := km.GenerateKey(ctx, false); err == nil {
		e.t.Errorf("GenerateKey without force replaced the stored key")
	}
	if e.publicKey(km).PEM != old.PEM {
		e.t.Errorf("a refused GenerateKey changed the public key")
	}
	info, err := km.GenerateKey(ctx, true)
	if err != nil {
		e.t.Fatalf("GenerateKey force: %v", err)
	}
	if info.PEM == old.PEM || e.publicKey(km).PEM != info.PEM {
		e.t.Errorf("GenerateKey force: the public key did not change to the one it reported")
	}
	if ku, ok := e.prov.(webhook.KeyUploader); ok {
		if _, err := ku.UploadKey(ctx); err != nil {
			e.t.Fatalf("UploadKey of the new key: %v", err)
		}
	}
	reg := e.registerAt("/new-key")
	e.get(reg.ID)
}

func (e *env) publicKey(km webhook.KeyManager) *webhook.PublicKeyInfo {
	e.t.Helper()
	info, err := km.PublicKey(ctx)
	if err != nil {
		e.t.Fatalf("PublicKey: %v", err)
	}
	if b, _ := pem.Decode([]byte(info.PEM)); b == nil || info.Algorithm == "" {
		e.t.Fatalf("PublicKey: algorithm %q, PEM %q", info.Algorithm, info.PEM)
	}
	return info
}

// checkKeyUploader: an upload names the uploaded key, the stored one.
func checkKeyUploader(e *env) {
	info, err := e.prov.(webhook.KeyUploader).UploadKey(ctx)
	if err != nil {
		e.t.Fatalf("UploadKey: %v", err)
	}
	if info.KeyID == "" {
		e.t.Errorf("UploadKey reported no key id")
	}
	if km, ok := e.prov.(webhook.KeyManager); !ok || e.publicKey(km).PEM != info.PEM {
		e.t.Errorf("UploadKey uploaded a key other than the stored one (or there is no KeyManager to store one)")
	}
}

// checkVerificationKeySource: the current key, by its id too, verifies
// the emulator's deliveries.
func checkVerificationKeySource(e *env) {
	vks := e.prov.(webhook.VerificationKeySource)
	cur, err := vks.VerificationKey(ctx, "")
	if err != nil || cur.Public == nil || cur.KeyID == "" {
		e.t.Fatalf("VerificationKey current: %+v, %v", cur, err)
	}
	byID, err := vks.VerificationKey(ctx, cur.KeyID)
	if err != nil || byID.KeyID != cur.KeyID {
		e.t.Errorf("VerificationKey %s: %+v, %v", cur.KeyID, byID, err)
	}
	_, reg := e.registerOne()
	if reg.Secret != "" {
		e.t.Errorf("registration %s hands out a secret, but deliveries are checked with verification keys", reg.ID)
	}
	e.checkSigned(reg, "")
}

func checkRotateSecretHinter(e *env) {
	if h := e.prov.(webhook.RotateSecretHinter).RotateSecretHint(); strings.TrimSpace(h) == "" {
		e.t.Errorf("RotateSecretHint is empty")
	}
}

// checkDoctor: against the sandbox, a healthy account, the provider's
// checks pass (or warn), each under a name the spec declares.
func checkDoctor(e *env) {
	_, reg := e.registerOne()
	checks := e.prov.(webhook.Doctor).Checks(ctx, webhook.DoctorEnv{Registrations: []webhook.Registration{reg}})
	if len(checks) == 0 {
		e.t.Fatalf("Doctor ran no check")
	}
	seen := map[string]bool{}
	for _, c := range checks {
		if !slices.Contains(e.s.h.Spec.DoctorChecks, c.Name) || seen[c.Name] {
			e.t.Errorf("check %q: not in Spec.DoctorChecks %q, or repeated", c.Name, e.s.h.Spec.DoctorChecks)
		}
		seen[c.Name] = true
		if c.Status == webhook.CheckFail || c.Status == webhook.CheckSkipped {
			e.t.Errorf("check %s against the sandbox: %s: %s (%s)", c.Name, c.Status, c.Detail, c.Fix)
		}
	}
}

// checkCredentialsProber: a login the emulator refuses for a wire fact
// (Entry.CredentialsQuirk) is probed to a setting that works; a wrong
// credential is not mistaken for one.
func checkCredentialsProber(e *env) {
	quirk := e.s.h.Entry.CredentialsQuirk
	q, ok := e.box.(emulator.Quirker)
	if len(quirk) == 0 || !ok {
		e.t.Fatalf("a CredentialsProber needs Entry.CredentialsQuirk and an emulator.Quirker to show it finds something")
	}
	if err := q.SetQuirks(quirk); err != nil {
		e.t.Fatal(err)
	}
	c := e.client(e.newStore(e.s.h.Entry.Demo.Env))
	err := e.login(c)
	if err == nil {
		e.t.Fatalf("login under quirks %v succeeded: the quirk breaks nothing", quirk)
	}
	got := c.(webhook.CredentialsProber).ProbeCredentials(ctx, webhook.Failed(webhook.CheckCredentials, err, ""), err)
	if len(got.Found) == 0 || got.Probes == 0 {
		e.t.Fatalf("ProbeCredentials found nothing under quirks %v: %+v", quirk, got)
	}
	p := e.profile
	p.Settings = maps.Clone(p.Settings)
	maps.Copy(p.Settings, got.Found)
	if err := e.login(e.clientFor(p, e.newStore(e.s.h.Entry.Demo.Env))); err != nil {
		e.t.Errorf("login with the settings found (%v): %v", got.Found, err)
	}

	if err := q.SetQuirks(map[string]string{}); err != nil {
		e.t.Fatal(err)
	}
	wrong := maps.Clone(e.s.h.Entry.Demo.Env)
	for k, v := range wrong {
		wrong[k] = alter(v)
	}
	c = e.client(e.newStore(wrong))
	if err = e.login(c); err == nil {
		e.t.Fatalf("login with wrong credentials succeeded")
	}
	if got := c.(webhook.CredentialsProber).ProbeCredentials(ctx, webhook.Failed(webhook.CheckCredentials, err, ""), err); len(got.Found) > 0 {
		e.t.Errorf("ProbeCredentials found %v for wrong credentials", got.Found)
	}
}

// login is what doctor's credentials check does: Authenticate where the
// provider has tokens, else an authenticated list.
func (e *env) login(p webhook.Provider) error {
	if a, ok := p.(webhook.Authenticator); ok {
		return a.Authenticate(ctx)
	}
	_, err := p.List(ctx, webhook.ListOptions{Limit: 1})
	return err
}

// checkConnectionTester: a test of a working endpoint passes, of a
// failing one fails, and neither registers anything.
func checkConnectionTester(e *env) {
	ct := e.prov.(webhook.ConnectionTester)
	req := e.request(1)
	req.URL = e.rc.URL + "/test-connection"
	if msg, err := ct.TestConnection(ctx, req); err != nil {
		e.t.Fatalf("TestConnection to a working endpoint: %q, %v", msg, err)
	}
	if n := len(e.rc.Deliveries()); n != 1 {
		e.t.Errorf("TestConnection: the endpoint got %d requests, want 1", n)
	}
	e.rc.SetStatus(500)
	if _, err := ct.TestConnection(ctx, req); err == nil {
		e.t.Errorf("TestConnection to an endpoint answering 500 passed")
	}
	got, _, _ := e.list(webhook.ListOptions{})
	e.sameIDs("List after TestConnection", got, map[string]bool{})
}

// checkPreviousSecretRevoker: after a rotation, revoking the previous
// secret leaves the current one signing and the previous one not.
func checkPreviousSecretRevoker(e *env) {
	sr, ok := e.prov.(webhook.SecretRotator)
	if !ok {
		e.t.Fatalf("a PreviousSecretRevoker with no SecretRotator: there is never a previous secret")
	}
	reg, rot := e.rotate(sr)
	got, err := e.prov.(webhook.PreviousSecretRevoker).RevokePreviousSecret(ctx, reg.ID)
	if err != nil {
		e.t.Fatalf("RevokePreviousSecret %s: %v", reg.ID, err)
	}
	if got.ID != reg.ID || got.Secret == "" || got.PreviousSecret != "" {
		e.t.Fatalf("RevokePreviousSecret: registration %s, secret %q, previous %q; want %s with a secret and no previous", got.ID, got.Secret, got.PreviousSecret, reg.ID)
	}
	e.checkSigned(reg, got.Secret)
	if old := rot.PreviousSecret; old != "" && old != got.Secret {
		e.checkNotSigned(reg, old)
	}
}

// checkCurrentSecretProver: with the secret gone from the store, a change
// needs it given, and giving it does not store it.
func checkCurrentSecretProver(e *env) {
	_, reg := e.registerOne()
	if reg.Secret == "" {
		e.t.Fatalf("registration %s hands out no secret to prove ownership with", reg.ID)
	}
	if err := e.store.DeleteWebhookSecrets(profileName, reg.ID); err != nil {
		e.t.Fatal(err)
	}
	to := e.s.h.Entry.Demo.UpdateURL
	if _, err := e.client(e.store).Update(ctx, reg.ID, webhook.UpdateRequest{URL: &to}); err == nil {
		e.t.Errorf("Update without the current secret succeeded: nothing proved ownership")
	}
	c := e.client(e.store)
	c.(webhook.CurrentSecretProver).UseCurrentSecret(reg.ID, reg.Secret)
	got, err := c.Update(ctx, reg.ID, webhook.UpdateRequest{URL: &to})
	if err != nil || got.URL != to {
		e.t.Fatalf("Update with UseCurrentSecret: %+v, %v", got, err)
	}
	if ws, err := e.store.WebhookSecrets(profileName, reg.ID); err != nil || ws.Current != nil {
		e.t.Errorf("UseCurrentSecret stored the secret: %+v, %v", ws, err)
	}
}

// checkDeliveryLog: the provider's log shows what the emulator sent, as it
// went, and filters by status.
func checkDeliveryLog(e *env) {
	ok, failed, reg := e.sendTwice()
	dl := e.prov.(webhook.DeliveryLog)
	all, err := dl.Deliveries(ctx, reg.ID, webhook.DeliveryQuery{})
	if err != nil {
		e.t.Fatalf("Deliveries %s: %v", reg.ID, err)
	}
	byID := map[string]webhook.Delivery{}
	for _, d := range all {
		byID[d.ID] = d
	}
	for id, want := range map[string]string{ok: webhook.DeliverySucceeded, failed: webhook.DeliveryFailed} {
		d, found := byID[id]
		if !found || d.Status != want || d.RegistrationID != reg.ID {
			e.t.Errorf("delivery %s: %+v (found %v), want %s for %s", id, d, found, want, reg.ID)
		}
	}
	only, err := dl.Deliveries(ctx, reg.ID, webhook.DeliveryQuery{Status: webhook.DeliveryFailed})
	if err != nil || len(only) != 1 || only[0].ID != failed {
		e.t.Errorf("Deliveries status failed: %+v, %v; want only %s", only, err, failed)
	}
	// The whole profile's log, where the provider reads one.
	whole, err := dl.Deliveries(ctx, "", webhook.DeliveryQuery{})
	switch {
	case webhook.KindOf(err) == webhook.KindUsage:
	case err != nil:
		e.t.Errorf("Deliveries of the profile: %v, want them or KindUsage", err)
	case !slices.ContainsFunc(whole, func(d webhook.Delivery) bool { return d.ID == ok }):
		e.t.Errorf("Deliveries of the profile lack %s", ok)
	}
}

// sendTwice has the emulator deliver to the receiver once to a working
// endpoint and once to a failing one, and returns the delivery ids.
func (e *env) sendTwice() (ok, failed string, reg webhook.Registration) {
	e.t.Helper()
	send := e.sender()
	reg = e.registerAt("/log")
	ev := e.s.h.Entry.Demo.Event
	good, err := send.Send(ctx, reg.ID, ev, "")
	if err != nil || good.Error != "" || good.DeliveryID == "" {
		e.t.Fatalf("emulator Send: %+v, %v", good, err)
	}
	e.clock.Add(1e9)
	e.rc.SetStatus(500)
	bad, err := send.Send(ctx, reg.ID, ev, "")
	if err != nil || bad.Error == "" || bad.DeliveryID == "" {
		e.t.Fatalf("emulator Send to a failing endpoint: %+v, %v", bad, err)
	}
	e.rc.SetStatus(200)
	return good.DeliveryID, bad.DeliveryID, reg
}

// checkDeliveryResender: a failed delivery resent to an endpoint that
// works now succeeds, and arrives signed.
func checkDeliveryResender(e *env) {
	_, failed, reg := e.sendTwice()
	before := len(e.rc.Deliveries())
	d, err := e.prov.(webhook.DeliveryResender).ResendDelivery(ctx, failed)
	if err != nil || d.Status != webhook.DeliverySucceeded {
		e.t.Fatalf("ResendDelivery %s: %+v, %v", failed, d, err)
	}
	e.checkReceived(before+1, reg.Secret)
}

// checkDeliveryHinter: each missing piece of a delivery log is explained.
func checkDeliveryHinter(e *env) {
	dh := e.prov.(webhook.DeliveryHinter)
	if !is[webhook.DeliveryLog](e.prov) && strings.TrimSpace(dh.DeliveryHint(false)) == "" {
		e.t.Errorf("no delivery log, and DeliveryHint(false) is empty")
	}
	if !is[webhook.DeliveryResender](e.prov) && strings.TrimSpace(dh.DeliveryHint(true)) == "" {
		e.t.Errorf("no resend, and DeliveryHint(true) is empty")
	}
}

// checkSampleDeliverer: a sample carries the event and no signature, and
// the profile's scheme signs it into one that verifies with the secret.
func checkSampleDeliverer(e *env) {
	_, reg := e.registerOne()
	ev := e.s.h.Entry.Demo.Event
	body, h, err := e.prov.(webhook.SampleDeliverer).SampleDelivery(&reg, ev, e.clock.Now())
	if err != nil {
		e.t.Fatalf("SampleDelivery: %v", err)
	}
	if !bytes.Contains(body, []byte(ev)) {
		e.t.Errorf("sample body does not name %s: %s", ev, body)
	}
	scheme := e.scheme()
	if scheme.Detect(h) {
		e.t.Errorf("the sample carries a signature already: %v", h)
	}
	u, _ := url.Parse(reg.URL)
	req := &signature.Request{Method: "POST", URL: u, Header: h.Clone(), Body: body}
	keys := []signature.Key{{Name: "current", Secret: []byte(reg.Secret)}}
	if err := scheme.Sign(req, keys, e.clock.Now()); err != nil {
		e.t.Fatalf("signing the sample: %v", err)
	}
	if res := scheme.Verify(req, keys, signature.Options{Now: e.clock.Now()}); !res.Valid {
		e.t.Errorf("signed sample does not verify: %s %+v", res.FailedStep, res.Steps)
	}
}

// registerAt registers the Demo's registration with its URL at the
// receiver, path appended.
func (e *env) registerAt(path string) webhook.Registration {
	e.t.Helper()
	req := e.request(0)
	req.URL = e.rc.URL + path
	return e.deliverable(e.create(req))
}

// sender is the emulator as an emulator.Sender, for checks that need it to
// deliver as the provider would.
func (e *env) sender() emulator.Sender {
	e.t.Helper()
	s, ok := e.box.(emulator.Sender)
	if !ok {
		e.t.Fatalf("the emulator is no emulator.Sender: the check cannot have it deliver")
	}
	return s
}

// checkReceived: the receiver holds n deliveries, the last one signed
// with secret.
func (e *env) checkReceived(n int, secret string) {
	e.t.Helper()
	got := e.rc.Deliveries()
	if len(got) != n {
		e.t.Fatalf("the endpoint got %d deliveries, want %d", len(got), n)
	}
	e.verify(e.receivedRequest(got[n-1]), secret, true)
}

func (e *env) receivedRequest(d providertest.Delivery) *signature.Request {
	u, err := url.Parse(e.rc.URL + d.Path)
	if err != nil {
		e.t.Fatal(err)
	}
	return &signature.Request{Method: d.Method, URL: u, Header: d.Header, Body: d.Body}
}

// checkEventLister: the provider finds a registration by an event it
// receives, and not by one it does not.
func checkEventLister(e *env) {
	el := e.prov.(webhook.EventLister)
	_, reg := e.registerOne()
	got, err := el.ListEvent(ctx, e.s.h.Entry.Demo.Event)
	if err != nil || !slices.ContainsFunc(got, func(r webhook.Registration) bool { return r.ID == reg.ID }) {
		e.t.Fatalf("ListEvent(%s) = %v, %v; want it to hold %s", e.s.h.Entry.Demo.Event, got, err, reg.ID)
	}
	other := "ConformanceOtherEvent"
	got, err = el.ListEvent(ctx, other)
	if err != nil || slices.ContainsFunc(got, func(r webhook.Registration) bool { return r.ID == reg.ID }) {
		e.t.Errorf("ListEvent(%s) = %v, %v; %s does not receive it", other, got, err, reg.ID)
	}
}

// checkRequestChecker: a request register would send passes the check, a
// relative URL fails it as usage, and no check sends anything.
func checkRequestChecker(e *env) {
	rc := e.prov.(webhook.RequestChecker)
	req, _ := e.register(0)
	before := e.requests.Load()
	if err := rc.CheckCreate(req); err != nil {
		e.t.Errorf("CheckCreate of a request register sent: %v", err)
	}
	bad := req
	bad.URL = "/relative"
	if err := rc.CheckCreate(bad); webhook.KindOf(err) != webhook.KindUsage {
		e.t.Errorf("CheckCreate with a relative URL: %v, want a usage error", err)
	}
	u := req.URL + "/moved"
	if err := rc.CheckUpdate(webhook.UpdateRequest{URL: &u}); err != nil {
		e.t.Errorf("CheckUpdate of a new URL: %v", err)
	}
	if n := e.requests.Load() - before; n != 0 {
		e.t.Errorf("the checks sent %d request(s)", n)
	}
}

// checkRotationChecker: a registration the client made (it holds what
// the rotation needs) passes the check.
func checkRotationChecker(e *env) {
	_, reg := e.registerOne()
	if err := e.prov.(webhook.RotationChecker).CheckRotate(&reg, webhook.RotateRequest{}); err != nil {
		e.t.Errorf("CheckRotate of a registration the client made: %v", err)
	}
}

// checkKeyRemover: after the removal the provider refuses the client's
// requests as unauthenticated; an upload makes them work again.
func checkKeyRemover(e *env) {
	if err := e.prov.(webhook.KeyRemover).RemoveKey(ctx); err != nil {
		e.t.Fatalf("RemoveKey: %v", err)
	}
	if _, err := e.prov.List(ctx, webhook.ListOptions{}); webhook.KindOf(err) != webhook.KindAuth {
		e.t.Fatalf("List after RemoveKey: %v, want an auth error", err)
	}
	ku, ok := e.prov.(webhook.KeyUploader)
	if !ok {
		e.t.Fatalf("a KeyRemover without a KeyUploader cannot register a key again")
	}
	if _, err := ku.UploadKey(ctx); err != nil {
		e.t.Fatalf("UploadKey after RemoveKey: %v", err)
	}
	if _, err := e.prov.List(ctx, webhook.ListOptions{}); err != nil {
		e.t.Errorf("List after a new upload: %v", err)
	}
}
