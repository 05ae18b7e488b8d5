package pexa

import (
	"slices"
	"strings"

	"github.com/hookctl/hookctl/pkg/webhook"
)

// MandatoryEvent must be in every registration's eventTypes, in both
// regions (PEXA's OpenAPI: GA.NOTIF.400020 "Mandatory event types are
// missing"; the AU guide's mandatory_event_types).
const MandatoryEvent = "SECRET_EXPIRY"

// secretExpiryTrigger is PEXA's own description of SECRET_EXPIRY.
const secretExpiryTrigger = "Sent 7 days prior to expiry and subsequently every day until the sharedSecret key is rotated by the customer"

// ukEvents are the UK v1 "preferred" events (developer.pexa.co.uk,
// notifications v1, CreateNotificationRegistrationRequest). hookctl
// registers through v1 in the UK, so v2's additions (TITLE_DATA_RECEIVED,
// ...) are not offered. The UK portal gives names only.
var ukEvents = []string{
	"WORKSPACE_PARTICIPANT_ADDED",
	"FINANCIAL_SETTLEMENT_SCHEDULE_PREPARED",
	"LODGEMENT_CASE_PREPARED",
	"WORKSPACE_PREPARED",
	"WORKSPACE_FUNDS_AUTHORISED",
	"WORKSPACE_FUNDS_EXCHANGED",
	"WORKSPACE_LODGED",
	"WORKSPACE_CLOSED",
	"WORKSPACE_REQUISITIONED",
	"WORKSPACE_CANCELLED",
}

// auEvents is PEXA's AU event catalogue, extracted verbatim (name and
// trigger, "#N/A" triggers left empty) from the webhooks guide as captured in
// internal/testkit/spectest/specs/pexa-notification-webhooks.asyncapi.yml; a test keeps the two equal.
var auEvents = []struct{ name, trigger string }{
	{"LODGEMENT_REGISTERED", "Lodgement request succeeds and Document is now registered by the Land Registry"},
	{"SETTLEMENT_COMPLETED_BETWEEN_ESA", "A workspace has successfully completed the settlement of funds between ESAs"},
	{"SECRET_EXPIRY", "Sent 7 days prior to expiry and subsequently every day until the sharedSecret key is rotated by the customer"},
	{"PPN_LODGEMENT_RESPONSE_RECEIVED", "Receive Purchaser Payment Notification Lodgement Response with no errors"},
	{"PPN_LODGEMENT_RESPONSE_BUSINESS_ERRORS", "Receive Purchaser Payment Notification Lodgement Response with errors (business errors)"},
	{"PPN_LODGEMENT_RESPONSE_TECH_ERRORS", "Receive Purchaser Payment Notification Lodgement Response with errors (technical errors not including timeout)"},
	{"PPN_VERIFICATION_RESPONSE_RECEIVED", "Receive Purchaser Payment Notification Verification Response with no errors."},
	{"PPN_VERIFICATION_RESPONSE_TECH_ERRORS", "Receive Purchaser Payment Notification Verification Response with errors (technical errors not including timeout)"},
	{"PEXA_KEY_TRUST_ACCOUNT_SENT", "PEXA Key Trust Account details request sent."},
	{"PEXA_KEY_TRUST_ACCOUNT_SENT_FAILED", "PEXA Key Trust Account details request failed."},
	{"PEXA_KEY_PEXA_SOURCE_ACCOUNT_SENT", "PEXA Key Source Account details request sent."},
	{"GST_FORM1_LODGEMENT_RESPONSE_SUCCESSFUL", "GST Form 1 receives successful lodgement response."},
	{"GST_FORM2_LODGEMENT_RESPONSE_SUCCESSFUL", "GST Form 2 receives successful lodgement response."},
	{"GST_FORM1_REMOVAL", "GST Form 1 removal."},
	{"MESSAGE_RECEIVED", "Message Received"},
	{"DOCUMENT_STATUS_UPDATED", "Document Status Updated"},
	{"DOCUMENT_UNSIGNED", "Document Unsigned"},
	{"DOCUMENT_DELETED", "Document Deleted"},
	{"DOCUMENT_SIGNED", "Document Signed"},
	{"DOCUMENT_CREATED", "Document Created"},
	{"DOCUMENT_EDITED", "A document in a workspace is edited and saved"},
	{"DOCHUB_FILE_UPLOADED", "New file uploaded to DocHub"},
	{"DOCHUB_FILE_DELETED", "DocHub file deleted"},
	{"DISCHARGE_AUTHORITY_UPLOADED", "Discharge Authority has been uploaded"},
	{"LODGEMENT_REQUEST_FAILED", "Lodgement Request Failed"},
	{"LODGEMENT_VERIFICATION_WITH_ERRORS", "Lodgement Verification With Errors"},
	{"LODGEMENT_VERIFICATION_WITH_WARNINGS", "Lodgement Verification With Warnings"},
	{"LODGEMENT_LODGED", "Lodgement lodged"},
	{"NUMBER_RECEIVED_AFTER_LODGEMENT", "Dealing Number received for Document - After Lodgement"},
	{"PARTY_ADDED_TO_WORKSPACE", "Party Added To The Workspace"},
	{"PARTY_DELETED", "Party Deleted"},
	{"PARTY_DETAILS_UPDATED", "Party Details Updated"},
	{"PARTY_REMOVED_FROM_WORKSPACE", "Party Deleted From The Workspace"},
	{"PARTY_CREATED", "Party Created"},
	{"PARTY_UPDATED", "Party Updated"},
	{"AUTO_BALANCING_AMOUNT_BREACH", "The auto-balancing source line item cannot auto-balance as the maximum amount has been reached"},
	{"FINANCIAL_LINE_ITEM_TOTAL_UPDATED", "Financial Line Item Destination changed"},
	{"LOAN_PAYOUT_LINE_ITEM_CREATED", "Destination Source Line Item is created with category of Loan Payout"},
	{"LOAN_PAYOUT_LINE_ITEM_REMOVED", "Existing Destination Line item with category of Loan Payout has been removed from financial settlement schedule"},
	{"LOAN_PAYOUT_LINE_ITEM_UPDATED", "Existing Destination Line item with category of Loan Payout has been edited"},
	{"READY_FOR_SHORTFALL_UPDATE", "Financial line item entries marked as 'Ready for shortfall' by user."},
	{"READY_FOR_SURPLUS", "Financial line item entries marked as 'Ready for surplus' by user."},
	{"READY_TO_BOOK_NO_LONGER_APPLICABLE", "Workspace is no longer following the Ready to Book process"},
	{"READY_TO_BOOK_SETTLEMENT_BOOKED", "PEXA has booked a settlement date and time for the Workspace"},
	{"SETTLEMENT_ACCEPTED_BY_PARTICIPANT", "Settlement date and time has been accepted by the participant"},
	{"SETTLEMENT_DATETIME_UPDATED", "Settlement Date/Time Updated"},
	{"SETTLEMENT_FAILED_NOT_READY_FI", "Settlement Failed Due To Not Ready"},
	{"SETTLEMENT_REMOVED", "Financial Settlement has been removed"},
	{"SETTLEMENT_STATEMENT_SIGNED", "Settlement Statement Signed"},
	{"SETTLEMENT_STATEMENT_UNSIGNED", "Settlement Statement Unsigned"},
	{"SETTLEMENT_SUCCEEDED", "Settlement Succeeded"},
	{"SETTLEMENT_STATUS_CHANGED", "Settlement Status Changed"},
	{"FINANCIAL_LINE_ITEM_UPDATED", "Financial Line Item Updated"},
	{"FINANCIAL_LINE_ITEM_DELETED", "Financial Line Item Deleted"},
	{"FINANCIAL_LINE_ITEM_UNVERIFIED", "Generated when manual or auto verification of a line item is undone. Applies to both PEXA Source Account and Trust Account Source Line Items."},
	{"FINANCIAL_LINE_ITEM_VERIFIED", "Generated when manual verification of line items happens at PEXA. Applies only to Trust Account Source Line Items."},
	{"FINANCIAL_LINE_ITEM_VERIFIED_BY_PEXA", "Generated when PEXA Ops team verifies the funds via dashboard or auto by system. Applies only to PEXA Source Account Line Items."},
	{"SETTLEMENT_FAILED", "Settlement Failed"},
	{"TAC_WORKSPACE_NOT_READY", "Workspace is not in 'Ready' status even though settlement is due to occur within an hour"},
	{"LINKED_LODGEMENT_REMOVE", "Linked lodgement has been removed from the workspace"},
	{"SETTLEMENT_FRS_AMOUNT_CHANGED", "Total Funds Required to Settle Changed"},
	{"SETTLEMENT_HAS_COMMENCED", "A workspace has initiated and workspace status is updated to Settling"},
	{"READY_FOR_SHORTFALL", "Financial line item entries marked as 'Ready for shortfall' by user."},
	{"STAMPDUTY_VERIFIED", "Stamp Duty Verification result is received with no errors or warnings."},
	{"STAMPDUTY_VERIFICATION_ERROR", "Stamp Duty Verification result is received with errors."},
	{"STAMPDUTY_VERIFICATION_WARNING", "Stamp Duty Verification result is received with warnings."},
	{"TAC_HOURPRIOR_FAILED", "TAC batch not been able to be completed for a workspace prior to settlement due to a technical error"},
	{"TAC_HOURPRIOR_FAILED_FOR_LINKED", "TAC batch not been able to be completed for a workspace prior to settlement due to a technical error. The workspace participants of the linked workspace are notified that a technical error has occurred for TAC."},
	{"LODGEMENT_VERIFICATION_FAILED", "Lodgement Verification Failed For Positive TAC"},
	{"CHECKLIST_CHECKED", "Checklist checked"},
	{"CHECKLIST_UNCHECKED", "Checklist unchecked"},
	{"LANDTITLE_ADDED", "Land Title Reference Added To Workspace"},
	{"LANDTITLE_REMOVED", "Land Title Reference Removed from Workspace"},
	{"SUBSCRIBER_WITHDRAWN", "Subscriber Withdrawn From Workspace By Self"},
	{"INVITATION_ACCEPTED", "Workspace Invitation Accepted"},
	{"INVITATION_DECLINED", "Workspace Invitation Declined"},
	{"PARTICIPANT_INVITED", "Workspace Participant Invited"},
	{"INVITATION_CREATED", "Workspace Invitation Sent"},
	{"WORKSPACE_MOVED_TO_READY", "Workspace Moved to Ready Status"},
	{"WORKSPACE_REVERTED_FROM_READY", "Workspace Reverted from Ready Status"},
	{"INVITE_ACCEPTED_NON_PANEL_MEMBER", "Workspace Invitation Accepted by Non Panel Member"},
	{"INVITE_ACCEPTED_PANEL_MEMBER", "Workspace Invitation Accepted by Panel Member"},
	{"RESPONSIBLE_SUBSCRIBER_CHANGED", "Responsible subscriber changed"},
	{"JOINED_EXISTING_WORKSPACE", "Successfully joined Workspace via the Existing Workspace screen"},
	{"TAC_SUCCEEDED", "Positive Title Activity Check Response Received"},
	{"WORKSPACE_STATUS_CHANGED", "Worspace Status Change"},
	{"WORKSPACE_UPDATED", "Workspace Updated due to the Re-supply of RIS"},
	{"LODGEMENT_CASE_CREATED", "Lodgement Case Created"},
	{"LODGEMENT_CASE_STATUS_UPDATED", "Lodgement Case Status Updated"},
	{"LODGEMENT_VERIFICATION_REQUESTED", "Lodgement Verification Requested"},
	{"LODGEMENT_VERIFIED", "Lodgement Verification Without Error and Warning"},
	{"LODGEMENT_REQUESTED", "Lodgement Requested"},
	{"LODGEMENT_RECEIVED_BY_LR", "Lodgement Documents have been received by Land Registry"},
	{"SETTLEMENT_DATETIME_UPDATED_BY_USER", "Settlement date and time is added to the workspace by the user on the Accept or Propose New Settlement Date and Time screen."},
	{"WORKSPACE_ROLE_ADDED", "Role Added to Workspace"},
	{"WORKSPACE_ROLE_REMOVED", "Role Removed from Workspace"},
	{"DOCUMENT_SIGNED_VIA_COGITO", ""},
	{"SETTLEMENT_SIGNED_VIA_COGITO", ""},
	{"INVITATION_FORWARDED", "Subscriber has forwarded an invitation to another Subscriber"},
	{"INVITATION_WITHDRAWN", "Workspace Invitation Withdrawn"},
	{"AUTO_CALCULATE_AMOUNT_BREACH", "Vendor’s surplus auto-calculation amount has exceeded 99,999,999.99"},
	{"SOURCE_FUNDS_DEPOSIT_RECEIVED", "Source funds deposit received for the workspace"},
	{"LINKED_SIM_LODGEMENT_CREATE", "Linked simultaneous lodgement created"},
	{"LINKED_SETTLEMENT_CREATE", "Subscriber creates a linked financial line item between two workspaces"},
	{"LINKED_SETTLEMENT_CREATE_FOR_RECEIVING_SUBSCRIBER", "Linked financial line item created, from the receiving workspace’s perspective"},
	{"LINKED_SETTLEMENT_ACCEPT", "Receiving subscriber accepts the link request"},
	{"LINKED_SETTLEMENT_ACCEPT_FOR_RECEIVING_SUBSCRIBER", "Link request accepted, from the accepting subscriber’s perspective"},
	{"LINKED_SETTLEMENT_UPDATE", "Linked financial line item updated by either workspace"},
	{"LINKED_SETTLEMENT_DECLINE", "Receiving subscriber declines the link request"},
	{"LINKED_SETTLEMENT_DELETE", "Either workspace removes the linked financial line item"},
}

// Where each region's built-in list was read. The AU guide's capture is
// dated (internal/testkit/spectest/specs/pexa-notification-webhooks.asyncapi.yml, "generated");
// docs/providers/pexa.md gives the UK list no date, so it carries the day it entered
// hookctl [INF].
const (
	ukOrigin = "PEXA's UK notifications v1 reference, as of 2026-11-23; hookctl registers through v1, so v2-only events such as TITLE_DATA_RECEIVED are not in it"
	auOrigin = "PEXA's webhooks guide, captured 2026-07-26"
)

// builtInCatalogue is a region's list as `hookctl events` shows it and
// register checks names against.
func builtInCatalogue(region string) *webhook.EventCatalogue {
	origin := ukOrigin
	if region == RegionAU {
		origin = auOrigin
	}
	return webhook.BuiltInCatalogue("PEXA's "+describeRegion(region)+" events", origin, Catalogue(region))
}

// auSpecExampleEvents are AU names PEXA's own OpenAPI document uses in its
// v3 registration examples though the webhooks guide lacks them: PEXA
// accepts them, so hookctl neither warns about them nor refuses them.
var auSpecExampleEvents = []string{"WORKSPACE_PARTICIPANT_ADDED"}

const specExampleNote = "used in PEXA's OpenAPI v3 examples; not in the webhooks guide"

// Catalogue is the event list of a region, mandatory event first.
func Catalogue(region string) []webhook.EventType {
	out := []webhook.EventType{{Name: MandatoryEvent, Mandatory: true, Description: secretExpiryTrigger}}
	switch region {
	case RegionUK:
		for _, e := range ukEvents {
			out = append(out, webhook.EventType{Name: e})
		}
	case RegionAU:
		for _, e := range auEvents {
			if e.name != MandatoryEvent {
				out = append(out, webhook.EventType{Name: e.name, Description: e.trigger})
			}
		}
		for _, e := range auSpecExampleEvents {
			out = append(out, webhook.EventType{Name: e, Description: specExampleNote})
		}
	}
	return out
}

// checkEvents applies PEXA's event rules before anything is sent: no empty
// names, duplicates dropped (PEXA answers them with GA.NOTIF.400016),
// SECRET_EXPIRY present (400020) and at least one other event (400021).
// Names missing from the region's catalogue are not refused here: the
// catalogues are incomplete (PEXA's own v3 examples use an AU event its
// guide lacks), so the command warns about them (webhook.EventChecker) and
// PEXA decides (400015). It returns the cleaned list and the duplicates it
// dropped.
func checkEvents(events []string) ([]string, []string, error) {
	var out, dups []string
	for _, e := range events {
		e = strings.TrimSpace(e)
		if e == "" {
			return nil, nil, webhook.Invalid("pexa: an empty event name was given")
		}
		if slices.Contains(out, e) {
			if !slices.Contains(dups, e) {
				dups = append(dups, e)
			}
			continue
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, nil, webhook.Invalid("pexa: at least one --event is required, and %s is mandatory", MandatoryEvent)
	}
	if !slices.Contains(out, MandatoryEvent) {
		return nil, nil, webhook.Invalid("pexa: %s is a mandatory event: add --event %s (PEXA warns of the shared secret's expiry with it)", MandatoryEvent, MandatoryEvent)
	}
	if len(out) == 1 {
		return nil, nil, webhook.Invalid("pexa: PEXA needs at least one event besides %s: add another --event (see `hookctl events`)", MandatoryEvent)
	}
	return out, dups, nil
}
