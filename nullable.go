package clerk

import (
	"bytes"
	"encoding/json"
)

// Ptr returns a pointer to a copy of v. Use it to set optional fields,
// e.g. params.FirstName = clerk.Ptr("Ada").
func Ptr[T any](v T) *T {
	return &v
}

// Nullable is a field of a PATCH (update) body that can be left out, set to
// null, or set to a value: three states, where a pointer has only two.
//
//   - The zero Nullable is unset: with the `omitzero` option of its JSON tag
//     (which the generated models use) the field is left out of the body,
//     and the server keeps its current value.
//   - Null[T]() is an explicit null: the field is sent as null, which
//     clears it on the server.
//   - NullableOf(v) is sent as v.
//
// Unmarshalling a JSON null gives an explicit null, and any other value
// gives a set Nullable.
type Nullable[T any] struct {
	value T
	state nullableState
}

// nullableState is which of its three states a Nullable is in.
type nullableState uint8

const (
	nullableUnset nullableState = iota
	nullableNull
	nullableValue
)

// NullableOf returns a Nullable set to v.
func NullableOf[T any](v T) Nullable[T] {
	return Nullable[T]{value: v, state: nullableValue}
}

// Null returns an explicit null Nullable.
func Null[T any]() Nullable[T] {
	return Nullable[T]{state: nullableNull}
}

// Get returns the value and true when n is set to a value, and the zero
// value and false when it is unset or null.
func (n Nullable[T]) Get() (T, bool) {
	if n.state != nullableValue {
		var zero T
		return zero, false
	}
	return n.value, true
}

// IsNull reports whether n is an explicit null.
func (n Nullable[T]) IsNull() bool {
	return n.state == nullableNull
}

// IsSet reports whether n is set, to a value or to null: whether it is sent
// in a body.
func (n Nullable[T]) IsSet() bool {
	return n.state != nullableUnset
}

// IsZero reports whether n is unset, so that encoding/json leaves out a
// field tagged `omitzero`.
func (n Nullable[T]) IsZero() bool {
	return n.state == nullableUnset
}

// MarshalJSON encodes n's value, or null when n is null. An unset n also
// encodes as null, for a field without `omitzero`.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if n.state != nullableValue {
		return []byte("null"), nil
	}
	return json.Marshal(n.value)
}

// UnmarshalJSON sets n to an explicit null when data is the JSON null, and
// to the decoded value otherwise.
func (n *Nullable[T]) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		*n = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*n = NullableOf(v)
	return nil
}
