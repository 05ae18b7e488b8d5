package offblocks

import "github.com/hookctl/hookctl/pkg/webhook"

var _ webhook.DeliveryHinter = (*Client)(nil)

// DeliveryHint says what OffBlocks lacks: its webhook API has no delivery
// log and no resend; it retries failed deliveries itself for up to 24 h
// (docs/providers/offblocks.md 3.4, 3.5).
func (c *Client) DeliveryHint(bool) string {
	return "OffBlocks' webhook API has no delivery log or resend call; it retries failed deliveries itself for up to 24 h"
}
