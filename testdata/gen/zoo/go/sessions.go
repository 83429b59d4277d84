package main

import "time"

// Session is a logged-in user.
type Session struct {
	ID        uint64
	UserID    int
	CreatedAt time.Time
	LastSeen  time.Time
	Locale    string
	CartItems int
	Admin     bool
}

// sessions holds every session by ID. Nothing ever expires them: the incremental leak of a
// map that only grows.
var sessions map[uint64]*Session

func login(id uint64, user int) *Session {
	now := time.Now()
	s := &Session{ID: id, UserID: user, CreatedAt: now, LastSeen: now, Locale: "en-GB"}
	sessions[id] = s
	return s
}

// logout ends a session: the fixed service calls it when the request is done.
func logout(s *Session) {
	delete(sessions, s.ID)
}

// CartItem is a line of a cart.
type CartItem struct {
	Product *Product
	Qty     int
}

// Cart lives for one request.
type Cart struct {
	Session *Session
	Items   []CartItem
}

func newCart(s *Session) *Cart { return &Cart{Session: s} }

func (c *Cart) add(p *Product, qty int) {
	c.Items = append(c.Items, CartItem{p, qty})
	c.Session.CartItems += qty
}

func (c *Cart) total() int64 {
	var t int64
	for _, it := range c.Items {
		t += it.Product.PriceCents * int64(it.Qty)
	}
	return t
}
