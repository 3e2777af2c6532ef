package httpapi

import (
	"context"
	"net/http"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/emulator/specs"
)

func init() { operationSets = append(operationSets, (*Handler).identificationOperations) }

// identificationOperations: email addresses and phone numbers.
func (h *Handler) identificationOperations() map[string]operation {
	s := h.svc
	return map[string]operation{
		"CreateEmailAddress": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p clerk.EmailAddressesCreateParams
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			e, err := s.CreateEmailAddress(ctx, &p)
			return identificationAnswer(req, e, err)
		},
		"GetEmailAddress": func(ctx context.Context, req *specs.Request) (int, any, error) {
			e, err := s.EmailAddress(ctx, req.Route.PathParams["email_address_id"])
			return identificationAnswer(req, e, err)
		},
		"UpdateEmailAddress": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p clerk.EmailAddressesUpdateParams
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			e, err := s.UpdateEmailAddress(ctx, req.Route.PathParams["email_address_id"], &p)
			return identificationAnswer(req, e, err)
		},
		"DeleteEmailAddress": func(ctx context.Context, req *specs.Request) (int, any, error) {
			d, err := s.DeleteEmailAddress(ctx, req.Route.PathParams["email_address_id"])
			return http.StatusOK, d, err
		},
		"CreatePhoneNumber": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p clerk.PhoneNumbersCreateParams
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			ph, err := s.CreatePhoneNumber(ctx, &p)
			return identificationAnswer(req, ph, err)
		},
		"GetPhoneNumber": func(ctx context.Context, req *specs.Request) (int, any, error) {
			ph, err := s.PhoneNumber(ctx, req.Route.PathParams["phone_number_id"])
			return identificationAnswer(req, ph, err)
		},
		"UpdatePhoneNumber": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p clerk.PhoneNumbersUpdateParams
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			ph, err := s.UpdatePhoneNumber(ctx, req.Route.PathParams["phone_number_id"], &p)
			return identificationAnswer(req, ph, err)
		},
		"DeletePhoneNumber": func(ctx context.Context, req *specs.Request) (int, any, error) {
			d, err := s.DeletePhoneNumber(ctx, req.Route.PathParams["phone_number_id"])
			return http.StatusOK, d, err
		},
	}
}

// identificationAnswer answers an email address or phone number; the
// shape of the request's API version is applied by shapeForVersion, as for
// every answer.
func identificationAnswer(_ *specs.Request, v any, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}
