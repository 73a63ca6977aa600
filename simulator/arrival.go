package simulator

// arrival is when events become visible to queries, their ingestion time:
// every event is ingested latency after its Timestamp, and the late ones, a
// share chosen by hashing each event, lateBy later still. Delays are in
// ticks, so ingestion times are exact to 100 ns like timestamps.
//
// An event's ingestion time is its timestamp plus the delay of its class,
// so within a class the order by ingestion time is the order by timestamp:
// a scan ordered by ingestion time merges the two classes instead of
// sorting.
type arrival struct {
	latency, lateBy int64
	lateShare       float64
}

func newArrival(o Options) arrival {
	return arrival{latency: int64(o.Latency / tick), lateBy: int64(o.LateBy / tick), lateShare: o.LateShare}
}

var lateChoice = newSalt("ingestion.late")

func (a arrival) isLate(seed rowSeed) bool {
	return float64(seed.draw(lateChoice)>>11) < a.lateShare*(1<<53)
}

// delay is how many ticks after their timestamps the events of a class are
// ingested.
func (a arrival) delay(late bool) int64 {
	if late {
		return a.latency + a.lateBy
	}
	return a.latency
}

// classes are the arrival classes that have events: on time (false), late
// (true) or both.
func (a arrival) classes() []bool {
	switch a.lateShare {
	case 0:
		return []bool{false}
	case 1:
		return []bool{true}
	}
	return []bool{false, true}
}
