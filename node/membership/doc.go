// Package membership holds the use cases of a national group's member
// co-ops: registering them, editing their profile and competences, and
// moving them through the membership lifecycle (prospect → member →
// lapsed → alumni) with a dated history. Every change writes its domain
// event in the same store transaction.
package membership
