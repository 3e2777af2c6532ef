package sqlstore

// docArg is the value bound for a document: never NULL.
func docArg(doc []byte) []byte {
	if doc == nil {
		return []byte{}
	}
	return doc
}

// normDoc returns an empty document as nil.
func normDoc(doc []byte) []byte {
	if len(doc) == 0 {
		return nil
	}
	return doc
}

// nullIfEmpty stores "" as NULL, for the unique columns where "" means
// none.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
