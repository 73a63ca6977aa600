package simulator

import (
	"slices"
	"strconv"
)

// deviceProcessEventsColumns models DeviceProcessEvents (process creation on
// devices). Its Schema reports .NET type names.
func deviceProcessEventsColumns() []column {
	t := dotNetTypes
	p := &createdProcess
	return slices.Concat(
		[]column{col("Timestamp", t.datetime, func(e event) any { return e.time })},
		deviceColumns(t),
		[]column{
			col("ActionType", t.str, func(event) any { return "ProcessCreated" }),
			col("FileName", t.str, func(e event) any { return p.image(e).fileName }),
			col("FolderPath", t.str, func(e event) any { return p.image(e).folderPath }),
			col("SHA1", t.str, func(e event) any { return p.image(e).sha1 }),
			col("SHA256", t.str, func(e event) any { return p.image(e).sha256 }),
			col("MD5", t.str, func(e event) any { return p.image(e).md5 }),
			col("FileSize", t.long, func(e event) any { return p.image(e).size }),
			col("ProcessVersionInfoCompanyName", t.str, func(e event) any { return p.image(e).company }),
			col("ProcessVersionInfoProductName", t.str, func(e event) any { return p.image(e).product }),
			col("ProcessVersionInfoProductVersion", t.str, func(e event) any { return p.image(e).version }),
			col("ProcessVersionInfoFileDescription", t.str, func(e event) any { return p.image(e).description }),
			col("ProcessId", t.long, func(e event) any { return p.pid(e) }),
			col("ProcessCommandLine", t.str, func(e event) any { return p.commandLine(e) }),
			col("ProcessIntegrityLevel", t.str, func(e event) any { return integrityLevel(e) }),
			col("ProcessTokenElevation", t.str, func(e event) any { return tokenElevation(e) }),
			col("ProcessCreationTime", t.datetime, func(e event) any { return p.creationTime(e) }),
			col("AccountDomain", t.str, func(e event) any { return accountOf(e).domain }),
			col("AccountName", t.str, func(e event) any { return accountOf(e).name }),
			col("AccountSid", t.str, func(e event) any { return accountOf(e).sid }),
			col("AccountUpn", t.str, func(e event) any { return accountOf(e).upn }),
			col("AccountObjectId", t.str, func(e event) any { return accountOf(e).objectID }),
			col("LogonId", t.long, func(e event) any { return logonID(e) }),
		},
		initiatingProcessColumns(t),
		[]column{
			col("InitiatingProcessSignerType", t.str, func(e event) any { return initiatingProcess.image(e).signer }),
			col("InitiatingProcessSessionId", t.long, func(e event) any { return sessionID(e) }),
			col("CreatedProcessSessionId", t.int, func(e event) any { return sessionID(e) }),
			col("IsProcessRemoteSession", t.boolean, func(e event) any { return remoteSession(e) }),
			col("ReportId", t.long, func(e event) any { return e.reportID }),
			col("AppGuardContainerId", t.str, func(event) any { return "" }),
			col("AdditionalFields", t.dynamic, processAdditionalFields),
		},
	)
}

var (
	sessionChoice         = newSalt("session")
	remoteSessionChoice   = newSalt("session.remote")
	processAdditionalForm = newSalt("process.additionalFields")
)

// sessionID is 0 for services and a small number for interactive sessions.
func sessionID(e event) int64 {
	if accountOf(e).upn == nil {
		return 0
	}
	return int64(1 + e.seed.intn(sessionChoice, 4))
}

func remoteSession(e event) bool { return e.seed.percent(remoteSessionChoice, 8) }

// processAdditionalFields is mostly null, as in real data; otherwise a nested
// object or the same kind of object already encoded as a JSON string, the two
// forms dynamic values have been seen in.
func processAdditionalFields(e event) any {
	switch n := e.seed.intn(processAdditionalForm, 20); {
	case n < 14:
		return nil
	case n < 17:
		return map[string]any{
			"ProcessStartKey": int64(e.seed.draw(processAdditionalForm) >> 12),
			"Flags":           []any{"Elevated", "Interactive"},
			"Parent":          map[string]any{"FileName": parentProcess.image(e).fileName, "Signed": true},
		}
	default:
		return `{"ProcessStartKey":` + strconv.FormatInt(int64(e.seed.draw(processAdditionalForm)>>12), 10) + `,"Source":"Kernel"}`
	}
}
