package simulator

import (
	"crypto/sha1" //nolint:gosec // only to make realistic-looking device ids
	"encoding/hex"
)

// The vocabulary shared by the device tables. Names deliberately include
// non-ASCII letters, apostrophes and quotes: clients must carry them intact.

type device struct {
	id   string // 40 hex digits, like Defender's device ids
	name string
	ip   string
}

type account struct {
	domain, name, sid string
	upn, objectID     any // nil for built-in accounts, which have neither
	displayName       string
	privileged        bool
}

var devices = func() []device {
	hosts := []struct{ name, ip string }{
		{"ws-ber-0042.contoso.local", "10.20.1.42"},
		{"東京-laptop-07.contoso.local", "10.40.7.7"},
		{"srv-sql-01.contoso.local", "10.20.0.31"},
		{"ws-muc-0113.contoso.local", "10.30.1.113"},
		{"dc01.contoso.local", "10.20.0.10"},
		{"macbook-jürgen", "192.168.178.23"},
		{"build-agent-12", "10.50.0.12"},
		{"kiosk-o'hare-lobby", "10.60.0.5"},
	}
	out := make([]device, len(hosts))
	for i, h := range hosts {
		sum := sha1.Sum([]byte(h.name)) //nolint:gosec // not a security use
		out[i] = device{id: hex.EncodeToString(sum[:]), name: h.name, ip: h.ip}
	}
	return out
}()

var accounts = []account{
	{domain: "nt authority", name: "system", sid: "S-1-5-18", displayName: "SYSTEM", privileged: true},
	{domain: "nt authority", name: "network service", sid: "S-1-5-20", displayName: "NETWORK SERVICE"},
	{
		domain: "contoso", name: "jürgen.müller", sid: "S-1-5-21-1004336348-1177238915-682003330-1104",
		upn: "jürgen.müller@contoso.com", objectID: "6f1c2d3e-4b5a-4c6d-8e7f-90a1b2c3d4e5", displayName: "Jürgen Müller",
	},
	{
		domain: "contoso", name: "田中太郎", sid: "S-1-5-21-1004336348-1177238915-682003330-1187",
		upn: "tanaka.taro@contoso.co.jp", objectID: "0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b", displayName: "田中 太郎",
	},
	{
		domain: "contoso", name: "sean.o'brien", sid: "S-1-5-21-1004336348-1177238915-682003330-1250",
		upn: "sean.o'brien@contoso.com", objectID: "c4d5e6f7-0819-4a2b-b3c4-d5e6f708192a", displayName: "Seán O'Brien",
	},
	{
		domain: "contoso", name: "adm-ops", sid: "S-1-5-21-1004336348-1177238915-682003330-500",
		upn: "adm-ops@contoso.com", objectID: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", displayName: "Ops \"Break Glass\" Admin", privileged: true,
	},
}
