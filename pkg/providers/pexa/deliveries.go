package pexa

import "github.com/hookctl/hookctl/pkg/webhook"

var _ webhook.DeliveryHinter = (*Client)(nil)

// DeliveryHint says what PEXA lacks: the UK portal documents the scopes
// view:notifications and create:notification_retry and the
// NotificationEvent schema, but not the paths (docs/providers/pexa.md 1.4).
func (c *Client) DeliveryHint(resend bool) string {
	if resend {
		return "PEXA UK's \"retry a notification\" (scope create:notification_retry) has no published path or body"
	}
	return "PEXA UK's \"view notifications\" (scope view:notifications, schema NotificationEvent) has no published path"
}
