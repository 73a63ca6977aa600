package simulator

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// cloudApp is an application users sign in to.
type cloudApp struct{ name, id, resource, resourceID string }

var cloudApps = []cloudApp{
	{"Microsoft Teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams Services", "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe"},
	{"Office 365 Exchange Online", "00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online", "00000002-0000-0ff1-ce00-000000000000"},
	{"Azure Portal", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Windows Azure Service Management API", "797f4846-ba00-4fd7-ba43-dac1f8f63013"},
	{"Contoso Gehaltsabrechnung", "3d5c1e2a-9b8f-4c7d-a6e5-f4d3c2b1a098", "Contoso Payroll API", "5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716"},
	{"東京 Expense", "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d", "東京 Expense API", "2b3c4d5e-6f70-4819-a2b3-c4d5e6f70819"},
}

// signInPlace is where a sign-in came from.
type signInPlace struct {
	country, city       string
	latitude, longitude float64
	ip                  string
}

var signInPlaces = []signInPlace{
	{"DE", "München", 48.1374, 11.5755, "93.184.216.34"},
	{"JP", "東京", 35.6764, 139.65, "2001:db8:85a3::8a2e:370:7334"},
	{"FR", "Saint-Étienne", 45.4397, 4.3872, "198.51.100.23"},
	{"US", "Redmond", 47.674, -122.1215, "20.190.128.5"},
}

var (
	appChoice        = newSalt("signin.app")
	placeChoice      = newSalt("signin.place")
	errorChoice      = newSalt("signin.error")
	riskChoice       = newSalt("signin.risk")
	guestChoice      = newSalt("signin.guest")
	managedChoice    = newSalt("signin.managed")
	signInDevice     = newSalt("signin.device")
	durationChoice   = newSalt("signin.duration")
	lifetimeChoice   = newSalt("signin.lifetime")
	correlationGUIDs = newSalt("signin.correlation")
	sessionGUIDs     = newSalt("signin.session")
	userAgentChoice  = newSalt("signin.userAgent")
)

var signInErrorCodes = []int64{0, 0, 0, 0, 0, 0, 0, 50126, 50074, 53003}

// riskLevels are Entra ID's: none, low, medium, high.
var riskLevels = []int64{0, 0, 0, 10, 50, 100}

var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
	`Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17628; Pro) "quoted\build"`,
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Teams/6.11.1",
}

// aadSignInEventsBetaColumns models AADSignInEventsBeta (Entra ID sign-ins).
// It carries the types the device tables lack (real, decimal, bool, SByte,
// timespan, guid), with type names in mixed spellings and letter cases.
func aadSignInEventsBetaColumns() []column {
	app := func(e event) *cloudApp { return &cloudApps[e.seed.intn(appChoice, len(cloudApps))] }
	place := func(e event) *signInPlace { return &signInPlaces[e.seed.intn(placeChoice, len(signInPlaces))] }
	return []column{
		col("Timestamp", "DateTime", func(e event) any { return e.time }),
		col("Application", "string", func(e event) any { return app(e).name }),
		col("ApplicationId", "Guid", func(e event) any { return app(e).id }),
		col("LogonType", "String", func(event) any { return `["interactiveUser"]` }),
		col("ErrorCode", "Int32", func(e event) any { return pick(e.seed, errorChoice, signInErrorCodes) }),
		col("CorrelationId", "guid", func(e event) any { return randomGUID(e, correlationGUIDs) }),
		col("SessionId", "string", func(e event) any { return randomGUID(e, sessionGUIDs) }),
		col("AccountDisplayName", "String", func(e event) any { return signInAccountOf(e).displayName }),
		col("AccountObjectId", "Guid", func(e event) any { return signInAccountOf(e).objectID }),
		col("AccountUpn", "String", func(e event) any { return signInAccountOf(e).upn }),
		col("IsExternalUser", "boolean", func(e event) any { return isGuest(e) }),
		col("IsGuestUser", "Boolean", func(e event) any { return isGuest(e) }),
		col("ResourceDisplayName", "string", func(e event) any { return app(e).resource }),
		col("ResourceId", "guid", func(e event) any { return app(e).resourceID }),
		col("ResourceTenantId", "Guid", func(event) any { return "4d3c2b1a-0f9e-4d8c-b7a6-95f4e3d2c1b0" }),
		col("DeviceName", "string", func(e event) any { return signInDeviceOf(e, func(d *device) any { return d.name }) }),
		col("AadDeviceId", "guid", func(e event) any { return signInDeviceOf(e, func(d *device) any { return guidFromHex(d.id) }) }),
		col("OSPlatform", "string", func(e event) any { return signInDeviceOf(e, func(*device) any { return "Windows10" }) }),
		col("IsManaged", "SByte", func(e event) any { return e.seed.percent(managedChoice, 70) }),
		col("IsCompliant", "bool", func(e event) any { return e.seed.percent(managedChoice, 60) }),
		col("RiskLevelDuringSignIn", "Int32", func(e event) any { return pick(e.seed, riskChoice, riskLevels) }),
		col("RiskScore", "Decimal", func(e event) any {
			return json.Number(fmt.Sprintf("0.%04d", e.seed.draw(riskChoice)%10000))
		}),
		col("Latitude", "real", func(e event) any { return place(e).latitude }),
		col("Longitude", "Double", func(e event) any { return place(e).longitude }),
		col("Country", "string", func(e event) any { return place(e).country }),
		col("City", "String", func(e event) any { return place(e).city }),
		col("IPAddress", "string", func(e event) any { return place(e).ip }),
		col("UserAgent", "string", func(e event) any { return pick(e.seed, userAgentChoice, userAgents) }),
		col("SignInDuration", "TIMESPAN", func(e event) any { return time.Duration(1+e.seed.draw(durationChoice)%30_000_000) * tick }),
		col("SessionLifetime", "TimeSpan", sessionLifetime),
		col("ConditionalAccessPolicies", "dynamic", conditionalAccessPolicies),
		col("NetworkLocationDetails", "Object", func(e event) any {
			return `[{"networkType":"trustedNamedLocation","networkNames":["Büro München","東京 Office"]}]`
		}),
		col("ReportId", "long", func(e event) any { return e.reportID }),
		col("EndpointCall", "String", func(event) any { return nil }),
	}
}

// signInAccounts are the accounts that can sign in: not the built-in ones.
var signInAccounts = slices.DeleteFunc(slices.Clone(accounts), func(a account) bool { return a.upn == nil })

func signInAccountOf(e event) *account {
	return &signInAccounts[e.seed.intn(accountChoice, len(signInAccounts))]
}

func isGuest(e event) bool { return e.seed.percent(guestChoice, 5) }

// signInDeviceOf returns a property of the device signed in from, or null
// for the third of sign-ins made from unregistered devices.
func signInDeviceOf(e event, property func(*device) any) any {
	if e.seed.percent(signInDevice, 33) {
		return nil
	}
	return property(deviceOf(e))
}

// sessionLifetime spans days so that the timespan form with a day part
// ("1.02:03:04.5670000") appears; it is null for failed sign-ins.
func sessionLifetime(e event) any {
	if pick(e.seed, errorChoice, signInErrorCodes) != 0 {
		return nil
	}
	return time.Duration(e.seed.draw(lifetimeChoice)%uint64(3*24*time.Hour/tick)) * tick
}

func conditionalAccessPolicies(e event) any {
	result := "success"
	if pick(e.seed, errorChoice, signInErrorCodes) == 53003 {
		result = "failure"
	}
	return []any{
		map[string]any{"id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "displayName": "Require MFA for admins", "result": result},
		map[string]any{"id": "5f6e7d8c-9b0a-4f1e-8d2c-3b4a5f6e7d8c", "displayName": "Block legacy auth (Österreich)", "result": "notApplied", "conditions": nil},
	}
}

func randomGUID(e event, s salt) string {
	next := e.seed.stream(s)
	return guidFromHex(fmt.Sprintf("%016x%016x", next(), next()))
}

// guidFromHex formats the first 32 hex digits of h as a GUID.
func guidFromHex(h string) string {
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
