package rowconv

import (
	"encoding/binary"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// wideKeys is how many keys the converter puts into one map one at a time, with pcommon.Map's Put
// methods. Each Put searches the map for the key before appending it, so n of them cost O(n²):
// 40,000 members of a row took seconds, inside the read of the response where no timeout stops
// it. A map given more keys than this has them laid down in one go (putKeys), in linear time;
// for fewer, Put is the cheaper way. A variable so that tests can send small maps the wide way.
var wideKeys = 128

// putKeys gives m, after the entries it holds, an entry for each of names it lacks, in order, and
// returns each name's value in m (the same value for a repeated name). m's keys end as they would
// after m.PutEmpty(name) for each name in turn: a name m holds already, or that comes again,
// keeps its first place. Unlike PutEmpty it does not search m for each name, so it takes linear
// time. The values m held already are kept: the caller sets each returned value in turn, which
// makes the last value of a repeated name win, as PutEmpty followed by a Set would.
func putKeys(m pcommon.Map, names []string) []pcommon.Value {
	if len(names) == 0 {
		return nil
	}
	keys := make([]string, 0, m.Len()+len(names))
	place := make(map[string]int, m.Len()+len(names))
	for k := range m.All() {
		// A map read from the wire may repeat a key; Put, like Get, finds the first.
		if _, dup := place[k]; !dup {
			place[k] = len(keys)
		}
		keys = append(keys, k)
	}
	held := len(keys)
	at := make([]int, len(names)) // each name's place
	for j, name := range names {
		i, dup := place[name]
		if !dup {
			i = len(keys)
			place[name] = i
			keys = append(keys, name)
		}
		at[j] = i
	}
	built := newKeyMap(keys)
	values := make([]pcommon.Value, 0, len(keys))
	if held > 0 {
		for _, v := range built.All() {
			values = append(values, v)
		}
		i := 0
		for _, v := range m.All() {
			v.MoveTo(values[i])
			i++
		}
		values = values[:0]
	}
	built.MoveTo(m)
	for _, v := range m.All() {
		values = append(values, v)
	}
	slots := make([]pcommon.Value, len(names))
	for j, i := range at {
		slots[j] = values[i]
	}
	return slots
}

// newKeyMap is a map of keys, distinct and in order, with empty values, built in linear time.
// pdata has no way to append an entry without searching the map, but its protobuf decoder appends
// every attribute it reads, in order: the keys are written as the attributes of a resource in
// OTLP protobuf (LogsData.resource_logs → ResourceLogs.resource → Resource.attributes →
// KeyValue.key, each field 1) and decoded with plog's public unmarshaler.
func newKeyMap(keys []string) pcommon.Map {
	const tag = 1<<3 | 2 // field 1, length-delimited
	attributes := 0
	for _, k := range keys {
		kv := 1 + uvarintLen(len(k)) + len(k)
		attributes += 1 + uvarintLen(kv) + kv
	}
	resourceLogs := 1 + uvarintLen(attributes) + attributes
	buf := make([]byte, 0, 1+uvarintLen(resourceLogs)+resourceLogs)
	buf = binary.AppendUvarint(append(buf, tag), uint64(resourceLogs))
	buf = binary.AppendUvarint(append(buf, tag), uint64(attributes))
	for _, k := range keys {
		kv := 1 + uvarintLen(len(k)) + len(k)
		buf = binary.AppendUvarint(append(buf, tag), uint64(kv))
		buf = binary.AppendUvarint(append(buf, tag), uint64(len(k)))
		buf = append(buf, k...)
	}
	var unmarshaler plog.ProtoUnmarshaler
	logs, err := unmarshaler.UnmarshalLogs(buf)
	if err == nil && logs.ResourceLogs().Len() == 1 {
		if m := logs.ResourceLogs().At(0).Resource().Attributes(); m.Len() == len(keys) {
			return m
		}
	}
	// Not reached: the text above is valid. Slow but right, should a pdata release read it
	// otherwise.
	m := pcommon.NewMap()
	m.EnsureCapacity(len(keys))
	for _, k := range keys {
		m.PutEmpty(k)
	}
	return m
}

// uvarintLen is the length of n as a protobuf varint.
func uvarintLen(n int) int {
	l := 1
	for ; n >= 0x80; n >>= 7 {
		l++
	}
	return l
}
