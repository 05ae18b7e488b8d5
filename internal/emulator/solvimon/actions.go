package solvimon

import (
	"slices"
	"strings"
	"sync"
)

// catalogue is the emulator's one list of actions: GET /v1/webhooks/actions
// serves it, and create, patch and deliveries accept exactly what it holds
// ("valid values from GET /webhooks/actions" [docs/providers/solvimon.md §2.4]). Every
// resource of Solvimon's webhook guide with its actions CREATED, UPDATED
// and DELETE [internal/testkit/spectest/specs/solvimon-webhooks.yml,
// "resources" × "actions"], and the finer actions the API reference names
// as valid values, INVOICE.STATUS_TO_FINAL and INVOICE.PAID [docs/providers/solvimon.md
// §2.4].
var catalogue = sync.OnceValue(func() []actionGroup {
	guide := `CUSTOMER PLATFORM PRICING_PLAN PRICING_PLAN_VERSION PRICING_PLAN_SUBSCRIPTION
		PRICING_PLAN_SCHEDULE QUOTE QUOTE_VERSION CONTACT ALERT_RULE METER METER_PROPERTY
		METER_VALUE METER_VALUE_CALCULATION BILLABLE_METRIC PRODUCT PRODUCT_ITEM
		PRODUCT_CATEGORY BILLING_ENTITY FEATURE PAYMENT_ACCEPTOR INVOICE
		FILE_PROCESSING_SETTINGS WEBHOOK FILE`
	finer := map[string][]string{"INVOICE": {"STATUS_TO_FINAL", "PAID"}}
	var out []actionGroup
	for _, resource := range strings.Fields(guide) {
		out = append(out, actionGroup{ObjectType: resource,
			Actions: append([]string{"CREATED", "UPDATED", "DELETE"}, finer[resource]...)})
	}
	return out
})

// Actions lists every RESOURCE.ACTION the emulator serves, in the order of
// GET /v1/webhooks/actions (a test hook).
func Actions() []string {
	var out []string
	for _, g := range catalogue() {
		for _, a := range g.Actions {
			out = append(out, g.ObjectType+"."+a)
		}
	}
	return out
}

// serves reports whether RESOURCE.ACTION is in the catalogue.
func serves(event string) bool { return slices.Contains(Actions(), event) }
