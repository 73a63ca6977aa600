package simulator

import (
	"crypto/md5"  //nolint:gosec // only to make realistic-looking file hashes
	"crypto/sha1" //nolint:gosec // only to make realistic-looking file hashes
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// processImage is an executable that appears in process and network events.
type processImage struct {
	fileName, folderPath                   string
	company, product, version, description string // empty for unsigned tools
	size                                   int64
	signer                                 string
	// commandLines are templates; see expandCommandLine.
	commandLines []string
	// spawnWeight and parentWeight set how often the image appears as the
	// created process and as the one that created it. PowerShell is a common
	// parent on purpose: the documented sample query looks for it.
	spawnWeight, parentWeight int
	sha1, sha256, md5         string
}

var processImages = withHashes([]processImage{
	{
		fileName: "powershell.exe", folderPath: `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		company: "Microsoft Corporation", product: "Microsoft® Windows® Operating System", version: "10.0.22621.3527",
		description: "Windows PowerShell", size: 450560, signer: "OsVendor", spawnWeight: 6, parentWeight: 22,
		commandLines: []string{
			`"{path}" -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand {b64}`,
			`powershell.exe -Command "Get-ChildItem -Path 'C:\Users\Jürgen\Documents' -Recurse | Where-Object { $_.Length -gt 1MB } | Select-Object FullName, Length"`,
			"powershell.exe -Command \"$s = Get-Service\n$s | Where-Object Status -eq 'Running' |\n  Export-Csv -Path C:\\Temp\\svc-{num}.csv\"",
		},
	},
	{
		fileName: "cmd.exe", folderPath: `C:\Windows\System32\cmd.exe`,
		company: "Microsoft Corporation", product: "Microsoft® Windows® Operating System", version: "10.0.22621.3672",
		description: "Windows Command Processor", size: 323584, signer: "OsVendor", spawnWeight: 12, parentWeight: 14,
		commandLines: []string{
			`cmd.exe /c "echo %USERNAME% > C:\Users\Public\whoami-{num}.txt && type C:\Users\Public\whoami-{num}.txt"`,
			`C:\Windows\system32\cmd.exe /d /c "C:\Program Files\Contoso Agent\bin\collect.bat" --since {num} --output "\\fileserver\logs\{hex}"`,
		},
	},
	{
		fileName: "conhost.exe", folderPath: `C:\Windows\System32\conhost.exe`,
		company: "Microsoft Corporation", product: "Microsoft® Windows® Operating System", version: "10.0.22621.3527",
		description: "Console Window Host", size: 869376, signer: "OsVendor", spawnWeight: 18, parentWeight: 1,
		commandLines: []string{`\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`},
	},
	{
		fileName: "svchost.exe", folderPath: `C:\Windows\System32\svchost.exe`,
		company: "Microsoft Corporation", product: "Microsoft® Windows® Operating System", version: "10.0.22621.3527",
		description: "Host Process for Windows Services", size: 57360, signer: "OsVendor", spawnWeight: 8, parentWeight: 12,
		commandLines: []string{`C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, `C:\Windows\System32\svchost.exe -k LocalServiceNetworkRestricted -p`},
	},
	{
		fileName: "explorer.exe", folderPath: `C:\Windows\explorer.exe`,
		company: "Microsoft Corporation", product: "Microsoft® Windows® Operating System", version: "10.0.22621.3672",
		description: "Windows Explorer", size: 5537872, signer: "OsVendor", spawnWeight: 1, parentWeight: 14,
		commandLines: []string{`C:\Windows\explorer.exe /factory,{75dff2b7-6936-4c06-a8bb-676a7b00b24b} -Embedding`},
	},
	{
		fileName: "chrome.exe", folderPath: `C:\Program Files\Google\Chrome\Application\chrome.exe`,
		company: "Google LLC", product: "Google Chrome", version: "126.0.6478.127",
		description: "Google Chrome", size: 3146240, signer: "ThirdParty", spawnWeight: 10, parentWeight: 6,
		commandLines: []string{
			`"{path}" --type=renderer --lang=de --field-trial-handle={num},i,{hex} --renderer-client-id={num} --mojo-platform-channel-handle={num} /prefetch:1`,
		},
	},
	{
		fileName: "WINWORD.EXE", folderPath: `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`,
		company: "Microsoft Corporation", product: "Microsoft Office", version: "16.0.17628.20144",
		description: "Microsoft Word", size: 1639848, signer: "OsVendor", spawnWeight: 3, parentWeight: 4,
		commandLines: []string{`"{path}" /n "C:\Users\jürgen.müller\Downloads\Rechnung_{num}.docm" /o ""`},
	},
	{
		fileName: "rundll32.exe", folderPath: `C:\Windows\System32\rundll32.exe`,
		company: "Microsoft Corporation", product: "Microsoft® Windows® Operating System", version: "10.0.22621.1",
		description: "Windows host process (Rundll32)", size: 71680, signer: "OsVendor", spawnWeight: 4, parentWeight: 2,
		commandLines: []string{`rundll32.exe C:\Users\田中太郎\AppData\Local\Temp\{hex}.dll,DllRegisterServer`},
	},
	{
		fileName: "schtasks.exe", folderPath: `C:\Windows\System32\schtasks.exe`,
		company: "Microsoft Corporation", product: "Microsoft® Windows® Operating System", version: "10.0.22621.1",
		description: "Task Scheduler Configuration Tool", size: 235520, signer: "OsVendor", spawnWeight: 3, parentWeight: 0,
		commandLines: []string{`schtasks.exe /Create /SC MINUTE /MO 15 /TN "\Microsoft\Windows\{hex}" /TR "powershell.exe -w hidden -enc {b64}" /F`},
	},
	{
		fileName: "whoami.exe", folderPath: `C:\Windows\System32\whoami.exe`,
		company: "Microsoft Corporation", product: "Microsoft® Windows® Operating System", version: "10.0.22621.1",
		description: "whoami - displays logged on user information", size: 73728, signer: "OsVendor", spawnWeight: 4, parentWeight: 0,
		commandLines: []string{`"C:\Windows\system32\whoami.exe" /user /groups /priv /fo list`},
	},
	{
		fileName: "net.exe", folderPath: `C:\Windows\System32\net.exe`,
		company: "Microsoft Corporation", product: "Microsoft® Windows® Operating System", version: "10.0.22621.1",
		description: "Net Command", size: 57344, signer: "OsVendor", spawnWeight: 3, parentWeight: 0,
		commandLines: []string{`C:\Windows\system32\net.exe user "Seán O'Brien" /domain /add /passwordreq:yes /comment:"ticket {num}"`},
	},
	{
		fileName: "python.exe", folderPath: `C:\Users\田中太郎\AppData\Local\Programs\Python\Python312\python.exe`,
		company: "Python Software Foundation", product: "Python", version: "3.12.4",
		description: "Python", size: 103192, signer: "ThirdParty", spawnWeight: 2, parentWeight: 3,
		commandLines: []string{`"{path}" -c "import sys; print(sys.argv)" "東京" "Jürgen's \"quoted\" arg" C:\Temp\{hex}\`},
	},
	{
		fileName: "updater.exe", folderPath: `C:\ProgramData\7f3a9c\updater.exe`,
		size: 1204224, signer: "Unknown", spawnWeight: 1, parentWeight: 1,
		commandLines: []string{`"{path}" --silent --server=https://203.0.113.66:4444/{hex} --token={b64}`},
	},
})

func withHashes(images []processImage) []processImage {
	for i := range images {
		content := []byte(images[i].folderPath)
		sum1, sum256, sum5 := sha1.Sum(content), sha256.Sum256(content), md5.Sum(content) //nolint:gosec // not a security use
		images[i].sha1, images[i].sha256, images[i].md5 = hex.EncodeToString(sum1[:]), hex.EncodeToString(sum256[:]), hex.EncodeToString(sum5[:])
	}
	return images
}

// expandCommandLine fills a template's placeholders with values drawn from
// next: {path} is the image's full path, {b64} an encoded payload of 20-200
// bytes (making command lines 50-400 characters long), {hex} eight hex digits
// and {num} a number.
func expandCommandLine(template string, image *processImage, next func() uint64) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(template, '{')
		length := strings.IndexByte(template[max(open, 0):], '}')
		if open < 0 || length < 0 {
			b.WriteString(template)
			return b.String()
		}
		placeholder := template[open : open+length+1]
		b.WriteString(template[:open])
		switch placeholder {
		case "{path}":
			b.WriteString(image.folderPath)
		case "{b64}":
			payload := make([]byte, 20+next()%181)
			for i := range payload {
				payload[i] = byte(next())
			}
			b.WriteString(base64.StdEncoding.EncodeToString(payload))
		case "{hex}":
			fmt.Fprintf(&b, "%08x", uint32(next()))
		case "{num}":
			fmt.Fprintf(&b, "%d", next()%100000)
		default: // a literal brace, such as a GUID in a command line
			b.WriteString(placeholder)
		}
		template = template[open+len(placeholder):]
	}
}
