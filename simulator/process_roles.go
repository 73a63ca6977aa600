package simulator

import (
	"time"
)

// processRole is one of the processes a device event describes: the process
// created, the process that created it (the initiating process) and that
// one's parent. Each role makes its own random choices for a row.
type processRole struct {
	imageChoice, pidChoice, commandLineChoice, ageChoice salt
	cumulativeWeights                                    []int
	maxAge                                               time.Duration
	// child is the process this one started, which must start later.
	child *processRole
}

func newProcessRole(name string, weight func(*processImage) int, maxAge time.Duration, child *processRole) processRole {
	role := processRole{
		imageChoice:       newSalt(name + ".image"),
		pidChoice:         newSalt(name + ".pid"),
		commandLineChoice: newSalt(name + ".commandLine"),
		ageChoice:         newSalt(name + ".age"),
		maxAge:            maxAge,
		child:             child,
	}
	total := 0
	for i := range processImages {
		total += weight(&processImages[i])
		role.cumulativeWeights = append(role.cumulativeWeights, total)
	}
	return role
}

var (
	createdProcess    = newProcessRole("created", func(p *processImage) int { return p.spawnWeight }, 50*time.Millisecond, nil)
	initiatingProcess = newProcessRole("initiating", func(p *processImage) int { return p.parentWeight }, 6*time.Hour, &createdProcess)
	parentProcess     = newProcessRole("parent", func(p *processImage) int { return p.parentWeight }, 48*time.Hour, &initiatingProcess)
)

func (p *processRole) image(e event) *processImage {
	n := e.seed.intn(p.imageChoice, p.cumulativeWeights[len(p.cumulativeWeights)-1])
	for i, limit := range p.cumulativeWeights {
		if n < limit {
			return &processImages[i]
		}
	}
	panic("unreachable: n is below the total weight")
}

// pid returns a Windows-like process id: a multiple of 4.
func (p *processRole) pid(e event) int64 {
	return 4 * int64(1+e.seed.intn(p.pidChoice, 16000))
}

func (p *processRole) commandLine(e event) string {
	image := p.image(e)
	template := pick(e.seed, p.commandLineChoice, image.commandLines)
	return expandCommandLine(template, image, e.seed.stream(p.commandLineChoice))
}

// age is how long before the event the process started, in whole ticks.
func (p *processRole) age(e event) time.Duration {
	return time.Duration(e.seed.draw(p.ageChoice)%uint64(p.maxAge/tick)) * tick
}

// creationTime keeps the order real data have: parent, then initiating
// process, then created process, then the event.
func (p *processRole) creationTime(e event) time.Time {
	started := e.time
	if p.child != nil {
		started = p.child.creationTime(e)
	}
	return started.Add(-p.age(e))
}

var (
	accountChoice   = newSalt("account")
	deviceChoice    = newSalt("device")
	elevationChoice = newSalt("elevation")
	logonChoice     = newSalt("logon")
)

func accountOf(e event) *account { return &accounts[e.seed.intn(accountChoice, len(accounts))] }

func deviceOf(e event) *device { return &devices[e.seed.intn(deviceChoice, len(devices))] }

func integrityLevel(e event) string {
	switch {
	case accountOf(e).sid == "S-1-5-18":
		return "System"
	case accountOf(e).privileged || e.seed.percent(elevationChoice, 10):
		return "High"
	}
	return "Medium"
}

func tokenElevation(e event) string {
	switch integrityLevel(e) {
	case "High":
		return "TokenElevationTypeFull"
	case "Medium":
		return "TokenElevationTypeLimited"
	}
	return "TokenElevationTypeDefault"
}

// logonID is 999 (0x3e7) for SYSTEM, as on Windows, and random otherwise.
func logonID(e event) int64 {
	if accountOf(e).sid == "S-1-5-18" {
		return 999
	}
	return 100_000 + int64(e.seed.draw(logonChoice)%90_000_000)
}
