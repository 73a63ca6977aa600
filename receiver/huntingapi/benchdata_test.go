package huntingapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
)

// The benchmark responses imitate a DeviceProcessEvents page: its ~70 columns (paths, command lines,
// hashes, SIDs, accounts), the .NET type names the service reports, nulls and empty strings where
// Defender leaves them, plus columns of every other Schema type (timespan, guid, decimal, real,
// int, SByte bool, dynamic both nested and as JSON text) so that each conversion rule is on the
// measured path. Values are drawn from a fixed seed: every run measures the same bytes.

// benchColumn is one generated column: its Schema entry and the JSON text of its value in row i.
type benchColumn struct {
	name, typ string
	value     func(g *rowGen) string
}

// rowGen draws the values of one row.
type rowGen struct {
	rng                      *rand.Rand
	row                      int
	time                     time.Time
	proc, parent, initiating image
}

// image is an executable as the rows show it.
type image struct {
	fileName, folder, company, product, version, description, signer string
	size                                                             int64
	commandLines                                                     []string
}

var images = []image{
	{"powershell.exe", `C:\Windows\System32\WindowsPowerShell\v1.0`, "Microsoft Corporation", "Microsoft® Windows® Operating System", "10.0.22621.3527", "Windows PowerShell", "OsVendor", 450560, []string{
		`"{path}" -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand {b64}`,
		`powershell.exe -Command "Get-ChildItem -Path 'C:\Users\Jürgen\Documents' -Recurse | Where-Object { $_.Length -gt 1MB } | Select-Object FullName, Length"`,
		"powershell.exe -Command \"$s = Get-Service\n$s | Where-Object Status -eq 'Running' |\n  Export-Csv -Path C:\\Temp\\svc-{num}.csv\"",
	}},
	{"cmd.exe", `C:\Windows\System32`, "Microsoft Corporation", "Microsoft® Windows® Operating System", "10.0.22621.3672", "Windows Command Processor", "OsVendor", 323584, []string{
		`cmd.exe /c "echo %USERNAME% > C:\Users\Public\whoami-{num}.txt && type C:\Users\Public\whoami-{num}.txt"`,
		`C:\Windows\system32\cmd.exe /d /c "C:\Program Files\Contoso Agent\bin\collect.bat" --since {num} --output "\\fileserver\logs\{hex}"`,
	}},
	{"conhost.exe", `C:\Windows\System32`, "Microsoft Corporation", "Microsoft® Windows® Operating System", "10.0.22621.3527", "Console Window Host", "OsVendor", 869376, []string{
		`\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`,
	}},
	{"svchost.exe", `C:\Windows\System32`, "Microsoft Corporation", "Microsoft® Windows® Operating System", "10.0.22621.3527", "Host Process for Windows Services", "OsVendor", 57360, []string{
		`C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`,
		`C:\Windows\System32\svchost.exe -k LocalServiceNetworkRestricted -p`,
	}},
	{"chrome.exe", `C:\Program Files\Google\Chrome\Application`, "Google LLC", "Google Chrome", "126.0.6478.127", "Google Chrome", "ThirdParty", 3146240, []string{
		`"{path}" --type=renderer --lang=de --field-trial-handle={num},i,{hex} --renderer-client-id={num} --mojo-platform-channel-handle={num} /prefetch:1`,
	}},
	{"WINWORD.EXE", `C:\Program Files\Microsoft Office\root\Office16`, "Microsoft Corporation", "Microsoft Office", "16.0.17628.20144", "Microsoft Word", "OsVendor", 1639848, []string{
		`"{path}" /n "C:\Users\jürgen.müller\Downloads\Rechnung_{num}.docm" /o ""`,
	}},
	{"collect.exe", `C:\Users\Public\Tools`, "", "", "", "", "Unsigned", 81920, []string{
		`"{path}" --upload https://files.contoso.example/drop/{hex}?sig={b64}`,
	}},
}

var accounts = []struct{ domain, name, sid, upn, objectID string }{
	{"nt authority", "system", "S-1-5-18", "", ""},
	{"nt authority", "local service", "S-1-5-19", "", ""},
	{"contoso", "jürgen.müller", "S-1-5-21-1004336348-1177238915-682003330-1107", "juergen.mueller@contoso.example", "6f0c2b5e-47a1-4d8e-9b0f-2f3c1d9e7a41"},
	{"contoso", "adm-ops", "S-1-5-21-1004336348-1177238915-682003330-512", "adm-ops@contoso.example", "0b7e5c2a-93d4-4e61-8a2f-5d1c0e9b3f77"},
}

func (g *rowGen) pick(n int) int { return g.rng.IntN(n) }

func (g *rowGen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

func (g *rowGen) guid() string {
	h := g.hex(32)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// commandLine expands one of the image's templates.
func (g *rowGen) commandLine(im image) string {
	tpl := im.commandLines[g.pick(len(im.commandLines))]
	r := strings.NewReplacer(
		"{path}", im.folder+`\`+im.fileName,
		"{num}", strconv.Itoa(1000+g.pick(90000)),
		"{hex}", g.hex(16),
		"{b64}", strings.Repeat("SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA", 1+g.pick(3)),
	)
	return r.Replace(tpl)
}

func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the service keeps <, > and & as they are
	if err := enc.Encode(s); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func datetime(t time.Time) string { return quote(t.UTC().Format("2006-01-02T15:04:05.0000000Z")) }

func str(f func(g *rowGen) string) func(g *rowGen) string {
	return func(g *rowGen) string { return quote(f(g)) }
}

// orNull makes a column null in percent of the rows.
func orNull(percent int, f func(g *rowGen) string) func(g *rowGen) string {
	return func(g *rowGen) string {
		if g.pick(100) < percent {
			return "null"
		}
		return f(g)
	}
}

func imageColumns(prefix string, im func(g *rowGen) image) []benchColumn {
	return []benchColumn{
		{prefix + "SHA1", "String", str(func(g *rowGen) string { return g.hex(40) })},
		{prefix + "SHA256", "String", str(func(g *rowGen) string { return g.hex(64) })},
		{prefix + "MD5", "String", str(func(g *rowGen) string { return g.hex(32) })},
		{prefix + "FileName", "String", str(func(g *rowGen) string { return im(g).fileName })},
		{prefix + "FileSize", "Int64", func(g *rowGen) string { return strconv.FormatInt(im(g).size, 10) }},
		{prefix + "VersionInfoCompanyName", "String", str(func(g *rowGen) string { return im(g).company })},
		{prefix + "VersionInfoProductName", "String", str(func(g *rowGen) string { return im(g).product })},
		{prefix + "VersionInfoProductVersion", "String", str(func(g *rowGen) string { return im(g).version })},
		{prefix + "VersionInfoInternalFileName", "String", str(func(g *rowGen) string { return strings.TrimSuffix(im(g).fileName, ".exe") })},
		{prefix + "VersionInfoOriginalFileName", "String", str(func(g *rowGen) string { return im(g).fileName })},
		{prefix + "VersionInfoFileDescription", "String", str(func(g *rowGen) string { return im(g).description })},
		{prefix + "FolderPath", "String", str(func(g *rowGen) string { return im(g).folder + `\` + im(g).fileName })},
		{prefix + "CommandLine", "String", str(func(g *rowGen) string { return g.commandLine(im(g)) })},
	}
}

func accountColumns(prefix string) []benchColumn {
	account := func(g *rowGen) int { return g.row % len(accounts) }
	return []benchColumn{
		{prefix + "AccountDomain", "String", str(func(g *rowGen) string { return accounts[account(g)].domain })},
		{prefix + "AccountName", "String", str(func(g *rowGen) string { return accounts[account(g)].name })},
		{prefix + "AccountSid", "String", str(func(g *rowGen) string { return accounts[account(g)].sid })},
		{prefix + "AccountUpn", "String", orNull(40, str(func(g *rowGen) string { return accounts[account(g)].upn }))},
		{prefix + "AccountObjectId", "String", str(func(g *rowGen) string { return accounts[account(g)].objectID })},
		{prefix + "LogonId", "Int64", func(g *rowGen) string { return strconv.Itoa(100000 + g.pick(1<<30)) }},
		{prefix + "IntegrityLevel", "String", str(func(g *rowGen) string { return []string{"System", "High", "Medium", "Low"}[g.pick(4)] })},
		{prefix + "TokenElevation", "String", str(func(g *rowGen) string {
			return []string{"TokenElevationTypeDefault", "TokenElevationTypeFull"}[g.pick(2)]
		})},
	}
}

// benchColumns is the generated table: 71 columns.
var benchColumns = func() []benchColumn {
	proc := func(g *rowGen) image { return g.proc }
	initiating := func(g *rowGen) image { return g.initiating }
	cols := []benchColumn{
		{"Timestamp", "DateTime", func(g *rowGen) string { return datetime(g.time) }},
		{"DeviceId", "String", str(func(g *rowGen) string { return fmt.Sprintf("%040x", g.row%500) })},
		{"DeviceName", "String", str(func(g *rowGen) string { return fmt.Sprintf("ws-%04d.corp.contoso.example", g.row%500) })},
		{"ActionType", "String", str(func(*rowGen) string { return "ProcessCreated" })},
		{"ProcessId", "Int64", func(g *rowGen) string { return strconv.Itoa(4 + g.pick(60000)) }},
		{"ProcessCreationTime", "DateTime", func(g *rowGen) string { return datetime(g.time.Add(-time.Duration(g.pick(1000)) * time.Microsecond)) }},
	}
	cols = append(cols, imageColumns("", proc)...)
	cols = append(cols, accountColumns("")...)
	cols = append(cols, imageColumns("InitiatingProcess", initiating)...)
	cols = append(cols, accountColumns("InitiatingProcess")...)
	cols = append(cols, []benchColumn{
		{"InitiatingProcessId", "Int64", func(g *rowGen) string { return strconv.Itoa(4 + g.pick(60000)) }},
		{"InitiatingProcessCreationTime", "DateTime", func(g *rowGen) string { return datetime(g.time.Add(-time.Duration(g.pick(1e6)) * time.Millisecond)) }},
		{"InitiatingProcessParentId", "Int64", func(g *rowGen) string { return strconv.Itoa(4 + g.pick(60000)) }},
		{"InitiatingProcessParentFileName", "String", str(func(g *rowGen) string { return g.parent.fileName })},
		{"InitiatingProcessParentCreationTime", "DateTime", orNull(15, func(g *rowGen) string { return datetime(g.time.Add(-48 * time.Hour)) })},
		{"InitiatingProcessSignerType", "String", str(func(g *rowGen) string { return g.initiating.signer })},
		{"InitiatingProcessSignatureStatus", "String", str(func(*rowGen) string { return "Valid" })},
		{"InitiatingProcessSessionId", "Int64", func(g *rowGen) string { return strconv.Itoa(g.pick(4)) }},
		{"IsInitiatingProcessRemoteSession", "Boolean", func(g *rowGen) string { return strconv.FormatBool(g.pick(10) == 0) }},
		{"InitiatingProcessRemoteSessionDeviceName", "String", str(func(*rowGen) string { return "" })},
		{"InitiatingProcessRemoteSessionIP", "String", str(func(*rowGen) string { return "" })},
		{"CreatedProcessSessionId", "Int32", func(g *rowGen) string { return strconv.Itoa(g.pick(4)) }},
		{"IsProcessRemoteSession", "SByte", func(g *rowGen) string { return strconv.Itoa(g.pick(2)) }},
		{"ProcessRemoteSessionDeviceName", "String", orNull(90, str(func(*rowGen) string { return "jump-01.corp.contoso.example" }))},
		{"ProcessRemoteSessionIP", "String", orNull(90, str(func(*rowGen) string { return "10.20.30.40" }))},
		{"ReportId", "Int64", func(g *rowGen) string { return strconv.FormatInt(9007199254740993+int64(g.row), 10) }},
		{"AppGuardContainerId", "String", str(func(*rowGen) string { return "" })},
		{"ProcessUptime", "TimeSpan", str(func(g *rowGen) string { return fmt.Sprintf("00:%02d:%02d.%07d", g.pick(60), g.pick(60), g.pick(1e7)) })},
		{"MachineGroupId", "Guid", str(func(g *rowGen) string { return g.guid() })},
		{"RiskScore", "Decimal", func(g *rowGen) string { return fmt.Sprintf("%d.%04d", g.pick(100), g.pick(10000)) }},
		{"CpuPercent", "Double", func(g *rowGen) string { return strconv.FormatFloat(g.rng.Float64()*100, 'g', -1, 64) }},
		{"AdditionalFields", "Object", additionalFields},
		{"IngestionTime", "DateTime", func(g *rowGen) string { return datetime(g.time.Add(90 * time.Second)) }},
	}...)
	return cols
}()

// additionalFields is mostly null, as in real data, else a nested object or the same kind of object
// sent as JSON text: the two forms dynamic values arrive in.
func additionalFields(g *rowGen) string {
	switch n := g.pick(20); {
	case n < 14:
		return "null"
	case n < 17:
		return fmt.Sprintf(`{"ProcessStartKey":%d,"Flags":["Elevated","Interactive"],"Parent":{"FileName":%s,"Signed":true},"Score":0.%d}`,
			g.rng.Int64N(1<<52), quote(g.parent.fileName), g.pick(1000))
	default:
		return quote(fmt.Sprintf(`{"ProcessStartKey":%d,"Source":"Kernel"}`, g.rng.Int64N(1<<52)))
	}
}

// benchSchema is the Schema of the generated responses.
func benchSchema() []huntingapi.Column {
	schema := make([]huntingapi.Column, len(benchColumns))
	for i, c := range benchColumns {
		schema[i] = huntingapi.Column{Name: c.name, Type: c.typ}
	}
	return schema
}

// benchResponse generates a response of n rows as the service writes it: Stats, Schema, then Results,
// rows sorted by Timestamp with several rows per timestamp.
func benchResponse(n int) []byte {
	var b bytes.Buffer
	schema, err := json.Marshal(benchSchema())
	if err != nil {
		panic(err)
	}
	fmt.Fprintf(&b, `{"Stats":{"ExecutionTime":4.62,"resource_usage":{"cache":{"memory":{"hits":773461,"misses":4481,"total":777942}},"cpu":{"user":"00:00:19.0625000","kernel":"00:00:00","total cpu":"00:00:19.0625000"}},"dataset_statistics":[{"table_row_count":%d,"table_size":%d}]},"Schema":%s,"Results":[`, n, n*3000, schema)
	g := &rowGen{rng: rand.New(rand.NewPCG(5, 100000)), time: time.Date(2026, 11, 26, 11, 0, 0, 0, time.UTC)}
	for i := range n {
		g.row = i
		if i%4 == 0 {
			g.time = g.time.Add(time.Duration(1+g.pick(20000)) * 100 * time.Microsecond)
		}
		g.proc, g.parent, g.initiating = images[g.pick(len(images))], images[g.pick(len(images))], images[g.pick(len(images))]
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		for j, c := range benchColumns {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quote(c.name))
			b.WriteByte(':')
			b.WriteString(c.value(g))
		}
		b.WriteByte('}')
	}
	b.WriteString("]}")
	return b.Bytes()
}
