package main

import "time"

// AuditEntry records what a request did.
type AuditEntry struct {
	At        time.Time
	SessionID uint64
	UserID    int
	Action    string
	Amount    int64
	Status    int
	Bytes     int
}

// auditLog keeps every entry, and is never trimmed nor flushed: the incremental leak of a
// global slice that only grows.
var auditLog []*AuditEntry

// auditRing is the fixed service's log: the last 64 entries.
var auditRing [64]*AuditEntry

var audited int

func audit(s *Session, action string, amount int64) {
	e := &AuditEntry{At: time.Now(), SessionID: s.ID, UserID: s.UserID, Action: action, Amount: amount, Status: 200}
	if leaky {
		auditLog = append(auditLog, e)
	} else {
		auditRing[audited%len(auditRing)] = e
	}
	audited++
}
