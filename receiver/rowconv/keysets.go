package rowconv

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

// maxKeySets bounds the key sets one converter keeps. A response's rows leave few distinct sets
// of columns null (an account without a UPN, a process without a remote session), so a few
// dozen cover nearly every row; rows beyond the bound take the slower way, never a wrong one.
const maxKeySets = 64

// keySets holds, for each set of columns that rows have left null, the keys of the columns they
// did not: copying that set into a new record's attributes lays down exactly its keys, in Schema
// order, without searching the map for each key (as pcommon.Map's Put methods do) or removing
// the null columns' keys afterwards.
type keySets struct {
	all     pcommon.Map            // every column's key, for rows whose set is not kept
	byNulls map[string]pcommon.Map // by the row's null bitmap (see nulls)
	nulls   []byte                 // scratch: bit i set when column i is null or missing
}

func newKeySets(columns []column) keySets {
	k := keySets{all: pcommon.NewMap(), byNulls: map[string]pcommon.Map{}, nulls: make([]byte, (len(columns)+7)/8)}
	if len(columns) > wideKeys {
		// Put searches the map for each key: a Schema of thousands of columns would take
		// quadratic time. The names are distinct (NewConverter drops repeats).
		names := make([]string, len(columns))
		for i, col := range columns {
			names[i] = col.name
		}
		k.all = newKeyMap(names)
		return k
	}
	k.all.EnsureCapacity(len(columns))
	for _, col := range columns {
		k.all.PutEmpty(col.name)
	}
	return k
}

// forRow returns the keys of the columns that have a value in a row, as values tells them, and
// whether that is all of them: when the set is not kept (too many sets), every column's key
// comes back, and the caller must drop the null columns' keys itself.
func (k *keySets) forRow(values []value) (keys pcommon.Map, exact bool) {
	clear(k.nulls)
	anyNull := false
	for i, v := range values {
		if v.kind <= jsonscan.Null {
			k.nulls[i/8] |= 1 << (i % 8)
			anyNull = true
		}
	}
	if !anyNull {
		return k.all, true
	}
	if keys, ok := k.byNulls[string(k.nulls)]; ok {
		return keys, true
	}
	if len(k.byNulls) >= maxKeySets {
		return k.all, false
	}
	keys = pcommon.NewMap()
	k.all.CopyTo(keys)
	i := 0
	keys.RemoveIf(func(string, pcommon.Value) bool {
		null := values[i].kind <= jsonscan.Null
		i++
		return null
	})
	k.byNulls[string(k.nulls)] = keys
	return keys, true
}
