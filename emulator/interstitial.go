package emulator

import (
	"context"
	"encoding/base64"
	"html/template"
	"strings"

	"github.com/clerkgo/clerk/internal/v2021"
)

// The interstitial: the page Clerk serves to a browser whose session must
// be refreshed by clerk-js before the request can be authenticated. It
// loads clerk-js from the frontend API and reloads the page once it has
// run. The emulator has no frontend API; the page is served all the same,
// for applications that embed or test it.

var interstitial = template.Must(template.New("interstitial").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<style>body{background:#fff}</style>
</head>
<body>
<script>
window.__clerk_frontend_api = {{.FrontendAPI}};
window.__clerk_publishable_key = {{.PublishableKey}};
window.startClerk = async () => {
  const Clerk = window.Clerk;
  try {
    await Clerk.load({ isSatellite: false, isInterstitial: true });
    window.location.reload();
  } catch (err) {
    console.error("Clerk: ", err);
  }
};
(() => {
  const script = document.createElement("script");
  script.setAttribute("data-clerk-publishable-key", {{.PublishableKey}});
  script.async = true;
  script.src = "https://" + {{.FrontendAPI}} + "/npm/@clerk/clerk-js@latest/dist/clerk.browser.js";
  script.crossOrigin = "anonymous";
  script.addEventListener("load", window.startClerk);
  document.body.appendChild(script);
})();
</script>
</body>
</html>
`))

// frontendAPIOf returns the frontend API host a publishable key names
// ("pk_test_" or "pk_live_", then base64 of the host and "$"), or "" for
// anything else.
func frontendAPIOf(pk string) string {
	rest, ok := strings.CutPrefix(pk, "pk_test_")
	if !ok {
		if rest, ok = strings.CutPrefix(pk, "pk_live_"); !ok {
			return ""
		}
	}
	host, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		if host, err = base64.RawStdEncoding.DecodeString(rest); err != nil {
			return ""
		}
	}
	h, ok := strings.CutSuffix(string(host), "$")
	if !ok || h == "" || strings.ContainsAny(h, "/\\ \"'<>") {
		return ""
	}
	return h
}

// GetInterstitial renders the interstitial page for a publishable key
// (publishable_key, or frontendApi, the older parameter); a key that is
// not one is Clerk's 400 malformed_publishable_key. It needs no secret
// key.
func (s *Miscellaneous) GetInterstitial(ctx context.Context, p *v2021.MiscellaneousGetInterstitialParams) ([]byte, error) {
	pk, frontend := "", ""
	if p != nil && p.PublishableKey != nil {
		pk = *p.PublishableKey
	}
	if p != nil && p.FrontendAPI != nil {
		frontend = *p.FrontendAPI
	}
	switch {
	case pk != "":
		if frontend = frontendAPIOf(pk); frontend == "" {
			return nil, &Error{Kind: KindBadRequest, Code: "malformed_publishable_key", Param: "publishable_key",
				Message:     "Malformed publishable key",
				LongMessage: "Ensure the provided publishable key is the one displayed in Dashboard."}
		}
	case frontend != "":
		if strings.ContainsAny(frontend, "/\\ \"'<>") {
			return nil, invalid("frontendApi", "frontendApi must be a host name.")
		}
		pk = PublishableKey(frontend)
	default:
		return nil, missing("publishable_key")
	}
	var b strings.Builder
	if err := interstitial.Execute(&b, map[string]string{"FrontendAPI": frontend, "PublishableKey": pk}); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
