package simulator

// typeSpelling holds the type names one table's Schema reports. The service
// is Kusto, whose clients report types under either Kusto or .NET names;
// giving the tables different spellings makes clients handle both.
type typeSpelling struct{ str, datetime, long, int, dynamic, boolean string }

var (
	dotNetTypes = typeSpelling{str: "String", datetime: "DateTime", long: "Int64", int: "Int32", dynamic: "Object", boolean: "Boolean"}
	kustoTypes  = typeSpelling{str: "string", datetime: "datetime", long: "long", int: "int", dynamic: "dynamic", boolean: "bool"}
)

func deviceColumns(t typeSpelling) []column {
	return []column{
		col("DeviceId", t.str, func(e event) any { return deviceOf(e).id }),
		col("DeviceName", t.str, func(e event) any { return deviceOf(e).name }),
	}
}

// initiatingProcessColumns describe the process that caused a device event,
// under the same names in every device table.
func initiatingProcessColumns(t typeSpelling) []column {
	p := &initiatingProcess
	return []column{
		col("InitiatingProcessAccountDomain", t.str, func(e event) any { return accountOf(e).domain }),
		col("InitiatingProcessAccountName", t.str, func(e event) any { return accountOf(e).name }),
		col("InitiatingProcessAccountSid", t.str, func(e event) any { return accountOf(e).sid }),
		col("InitiatingProcessAccountUpn", t.str, func(e event) any { return accountOf(e).upn }),
		col("InitiatingProcessAccountObjectId", t.str, func(e event) any { return accountOf(e).objectID }),
		col("InitiatingProcessLogonId", t.long, func(e event) any { return logonID(e) }),
		col("InitiatingProcessIntegrityLevel", t.str, func(e event) any { return integrityLevel(e) }),
		col("InitiatingProcessTokenElevation", t.str, func(e event) any { return tokenElevation(e) }),
		col("InitiatingProcessSHA1", t.str, func(e event) any { return p.image(e).sha1 }),
		col("InitiatingProcessSHA256", t.str, func(e event) any { return p.image(e).sha256 }),
		col("InitiatingProcessMD5", t.str, func(e event) any { return p.image(e).md5 }),
		col("InitiatingProcessFileName", t.str, func(e event) any { return p.image(e).fileName }),
		col("InitiatingProcessFileSize", t.long, func(e event) any { return p.image(e).size }),
		col("InitiatingProcessVersionInfoCompanyName", t.str, func(e event) any { return p.image(e).company }),
		col("InitiatingProcessVersionInfoProductName", t.str, func(e event) any { return p.image(e).product }),
		col("InitiatingProcessVersionInfoFileDescription", t.str, func(e event) any { return p.image(e).description }),
		col("InitiatingProcessId", t.long, func(e event) any { return p.pid(e) }),
		col("InitiatingProcessCommandLine", t.str, func(e event) any { return p.commandLine(e) }),
		col("InitiatingProcessCreationTime", t.datetime, func(e event) any { return p.creationTime(e) }),
		col("InitiatingProcessFolderPath", t.str, func(e event) any { return p.image(e).folderPath }),
		col("InitiatingProcessParentId", t.long, func(e event) any { return parentProcess.pid(e) }),
		col("InitiatingProcessParentFileName", t.str, func(e event) any { return parentProcess.image(e).fileName }),
		col("InitiatingProcessParentCreationTime", t.datetime, parentCreationTime),
	}
}

var parentUnknownChoice = newSalt("parent.unknown")

// parentCreationTime is sometimes null: Defender does not always know when
// the parent of the initiating process started.
func parentCreationTime(e event) any {
	if e.seed.percent(parentUnknownChoice, 15) {
		return nil
	}
	return parentProcess.creationTime(e)
}
