package webhook

import (
	"errors"
	"testing"
	"time"
)

func TestDecodeEvent(t *testing.T) {
	ev, err := DecodeEvent([]byte(sampleEvent))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != "user.created" || ev.Object != "event" || ev.InstanceID != "ins_123" || ev.Timestamp != 1654012591835 {
		t.Errorf("envelope: %+v", ev)
	}
	if want := time.Date(2022, 5, 31, 15, 56, 31, 835e6, time.UTC); !ev.Time().Equal(want) {
		t.Errorf("Time() = %v, want %v", ev.Time(), want)
	}
	if r := ev.EventAttributes.HTTPRequest; r == nil || r.ClientIP != "0.0.0.0" || r.UserAgent != "Mozilla/5.0" {
		t.Errorf("http_request: %+v", r)
	}
	var user struct {
		ID        string `json:"id"`
		FirstName string `json:"first_name"`
	}
	if err := ev.DecodeData(&user); err != nil || user.ID != "user_29w83sxmDNGwOuEthce5gg56FcC" || user.FirstName != "Example" {
		t.Errorf("DecodeData: %+v, %v", user, err)
	}
	if _, err := ev.DeletedObject(); !errors.Is(err, ErrMalformedEvent) {
		t.Errorf("DeletedObject of a user.created: %v", err)
	}
	var wrong []int
	if err := ev.DecodeData(&wrong); !errors.Is(err, ErrMalformedEvent) {
		t.Errorf("DecodeData into the wrong type: %v", err)
	}
}

func TestDeletedObject(t *testing.T) {
	ev, err := DecodeEvent([]byte(`{"data":{"deleted":true,"id":"user_29wBMCtzATuFJut8jO2VNTVekS4","object":"user"},"object":"event","timestamp":1661861640000,"type":"user.deleted"}`))
	if err != nil {
		t.Fatal(err)
	}
	if ev.EventAttributes.HTTPRequest != nil {
		t.Errorf("http_request: %+v", ev.EventAttributes.HTTPRequest)
	}
	d, err := ev.DeletedObject()
	if err != nil || *d != (DeletedObject{Object: "user", ID: "user_29wBMCtzATuFJut8jO2VNTVekS4", Deleted: true}) {
		t.Errorf("DeletedObject: %+v, %v", d, err)
	}
	ev.Data = []byte(`{"deleted":false,"id":"user_1","object":"user"}`)
	if _, err := ev.DeletedObject(); !errors.Is(err, ErrMalformedEvent) {
		t.Errorf("deleted false: %v", err)
	}
}

func TestDecodeEventRejects(t *testing.T) {
	for _, body := range []string{
		``, `null`, `[]`, `"user.created"`, `{`, `{"type":"user.created"}`, `{"type":"user.created","data":null}`,
		`{"data":{}}`, `{"type":"","data":{}}`, `{"type":7,"data":{}}`, `{"type":"x","data":{},"timestamp":"soon"}`,
	} {
		if ev, err := DecodeEvent([]byte(body)); !errors.Is(err, ErrMalformedEvent) {
			t.Errorf("%s: %+v, %v", body, ev, err)
		}
	}
}
