package clerk

import (
	"encoding/json"
	"testing"
)

type patchBody struct {
	F Nullable[string] `json:"f,omitzero"`
	N Nullable[int64]  `json:"n,omitzero"`
}

func TestNullableFieldIsOmittedWhenUnsetNullWhenNullAndTheValueWhenSet(t *testing.T) {
	tests := []struct {
		name string
		body patchBody
		want string
	}{
		{"unset", patchBody{}, `{}`},
		{"null", patchBody{F: Null[string]()}, `{"f":null}`},
		{"value", patchBody{F: NullableOf("x")}, `{"f":"x"}`},
		{"empty string is a value", patchBody{F: NullableOf("")}, `{"f":""}`},
		{"zero number is a value", patchBody{N: NullableOf[int64](0)}, `{"n":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("Marshal = %s, want %s", b, tt.want)
			}
		})
	}
}

func TestNullableStatesAndAccessors(t *testing.T) {
	tests := []struct {
		name                    string
		n                       Nullable[string]
		wantSet, wantNull, isOK bool
		wantValue               string
	}{
		{"unset", Nullable[string]{}, false, false, false, ""},
		{"null", Null[string](), true, true, false, ""},
		{"value", NullableOf("x"), true, false, true, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := tt.n.Get()
			if tt.n.IsSet() != tt.wantSet || tt.n.IsNull() != tt.wantNull || ok != tt.isOK || v != tt.wantValue || tt.n.IsZero() == tt.wantSet {
				t.Errorf("IsSet=%v IsNull=%v IsZero=%v Get=(%q,%v)", tt.n.IsSet(), tt.n.IsNull(), tt.n.IsZero(), v, ok)
			}
		})
	}
}

func TestNullableUnmarshalsNullAsExplicitNullAndValuesAsSet(t *testing.T) {
	tests := []struct {
		in                string
		wantSet, wantNull bool
		wantValue         string
	}{
		{`{}`, false, false, ""},
		{`{"f":null}`, true, true, ""},
		{`{"f":"x"}`, true, false, "x"},
	}
	for _, tt := range tests {
		var b patchBody
		if err := json.Unmarshal([]byte(tt.in), &b); err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		v, _ := b.F.Get()
		if b.F.IsSet() != tt.wantSet || b.F.IsNull() != tt.wantNull || v != tt.wantValue {
			t.Errorf("%s: IsSet=%v IsNull=%v value=%q", tt.in, b.F.IsSet(), b.F.IsNull(), v)
		}
	}
	var b patchBody
	if err := json.Unmarshal([]byte(`{"f":12}`), &b); err == nil {
		t.Error("a number unmarshalled into Nullable[string]")
	}
}

func TestNullableRoundTripsThroughJSON(t *testing.T) {
	in := patchBody{F: NullableOf("hello"), N: Null[int64]()}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out patchBody
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Errorf("round trip gave %+v, want %+v", out, in)
	}
}

func TestUnsetNullableWithoutOmitzeroMarshalsAsNull(t *testing.T) {
	b, err := json.Marshal(struct {
		F Nullable[string] `json:"f"`
	}{})
	if err != nil || string(b) != `{"f":null}` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
}

func TestPtrReturnsAPointerToACopy(t *testing.T) {
	v := "a"
	p := Ptr(v)
	v = "b"
	if p == nil || *p != "a" {
		t.Errorf("*Ptr = %v, want a", *p)
	}
	if n := Ptr(int64(5)); *n != 5 {
		t.Errorf("*Ptr(5) = %d", *n)
	}
}
