// Package market holds the use cases of the co-operative marketplace:
// listings (offers and needs of products, services, shared services and
// group purchases), responses answered by the listing's owner, the cost
// shares of shared services, the closing of group purchases, and the
// matching of offers with needs (Matcher, fed with listing events by the
// node's matcher consumer). Every change writes its domain events in the
// same store transaction; federation turns them into FEP-0837 activities
// (see spec/market.md).
package market
