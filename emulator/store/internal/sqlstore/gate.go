package sqlstore

import (
	"context"
	"sync"
	"time"
)

// writeGate counts the writes of a Store in progress, from the moment
// they ask for a connection until they end, but for the outbox's own
// bookkeeping (writeUnsynced): the changes of the API. WaitWritesIdle
// waits for a pause in them.
type writeGate struct {
	mu   sync.Mutex
	busy int
	gen  uint64        // writes entered so far
	idle chan struct{} // closed while busy is 0
}

func newWriteGate() *writeGate {
	idle := make(chan struct{})
	close(idle)
	return &writeGate{idle: idle}
}

func (g *writeGate) enter() {
	g.mu.Lock()
	if g.busy == 0 {
		g.idle = make(chan struct{})
	}
	g.busy++
	g.gen++
	g.mu.Unlock()
}

func (g *writeGate) leave() {
	g.mu.Lock()
	g.busy--
	if g.busy == 0 {
		close(g.idle)
	}
	g.mu.Unlock()
}

// quietFor is how long the writes must have paused for WaitWritesIdle to
// find them idle: a moment between two writes of a steady stream (a
// writer handing the connection to the next) is not a pause.
const quietFor = 200 * time.Microsecond

// WaitWritesIdle waits until no write of the store has been in progress
// for a moment (none waiting for the writer or holding it, but the
// outbox's claims and settles), for at most max, and reports whether it
// found them idle; it returns false at once when ctx is done. On SQLite,
// whose one writer the outbox's writes share with the changes of the API,
// a delivery worker that claims and records its runs in a pause of the
// changes makes none of them wait (delivery.WorkerOptions.Yield).
func (s *Store) WaitWritesIdle(ctx context.Context, max time.Duration) bool {
	deadline := time.NewTimer(max)
	defer deadline.Stop()
	for {
		s.gate.mu.Lock()
		idle, gen := s.gate.idle, s.gate.gen
		s.gate.mu.Unlock()
		select {
		case <-idle:
		case <-deadline.C:
			return false
		case <-ctx.Done():
			return false
		}
		quiet := time.NewTimer(quietFor)
		select {
		case <-quiet.C:
		case <-deadline.C:
			quiet.Stop()
			return false
		case <-ctx.Done():
			quiet.Stop()
			return false
		}
		s.gate.mu.Lock()
		paused := s.gate.busy == 0 && s.gate.gen == gen
		s.gate.mu.Unlock()
		if paused {
			return true
		}
	}
}
