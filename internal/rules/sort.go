package rules

// SortFindings sorts findings the way Run does (file, line, column, rule,
// message), for callers that add findings of their own, such as validate's
// organisation policies.
func SortFindings(fs []Finding) { sortFindings(fs) }
