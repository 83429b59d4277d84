package main

import "log"

// Product is a row of the catalog.
type Product struct {
	ID         int
	Name       string
	Category   string
	PriceCents int64
	Stock      int
	WeightG    int
	Featured   bool
}

// productCache holds the whole catalog, loaded once and never refreshed nor released: the
// static leak of a map cache.
var productCache map[int]*Product

var categories = []string{"books", "garden", "kitchen", "toys", "tools", "music"}

// loadProductCache reads the catalog into productCache. The fixed service does not cache.
func loadProductCache(n int) {
	if !leaky {
		return
	}
	productCache = make(map[int]*Product)
	for id := range n {
		productCache[id] = &Product{ID: id, Name: "product", Category: categories[id%len(categories)],
			PriceCents: int64(100 + id%5000), Stock: id % 17, WeightG: 250 + id%900}
	}
	log.Printf("catalog: %d products cached", len(productCache))
}

// productByID looks a product up in the cache, or builds it as the database would return it.
func productByID(id int) *Product {
	if p, ok := productCache[id%4000]; ok {
		return p
	}
	return &Product{ID: id, Name: "product", Category: categories[id%len(categories)], PriceCents: int64(100 + id%5000)}
}
