package emulator

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Vectors computed by other implementations than the ones the emulator
// uses: RFC 6070 and RFC 7914 (PBKDF2), Python's hashlib (the Django and
// Clerk PBKDF2 strings), the OpenBSD-derived bcrypt test set, and the
// argon2 reference implementation's README.
var hasherVectors = []struct {
	name, hasher, digest, password string
}{
	{"RFC 6070 PBKDF2-HMAC-SHA1 c=4096", "pbkdf2_sha1",
		"pbkdf2_sha1$4096$salt$4b007901b765489abead49d926f721d065a429c1", "password"},
	{"RFC 7914 PBKDF2-HMAC-SHA256 c=1 dkLen=64", "pbkdf2_sha256",
		"pbkdf2_sha256$1$c2FsdA==$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLxJypzM8Xm2RZkWZLOdd+8xfHG4RbHjC9UJESBB06GXgw==", "passwd"},
	{"the same, base64 unpadded and URL-safe", "pbkdf2_sha256",
		"pbkdf2_sha256$1$c2FsdA$VawEblbjCJ_sFpHCJUS2BflBhSFt3gRl5oudV8INrLxJypzM8Xm2RZkWZLOdd-8xfHG4RbHjC9UJESBB06GXgw", "passwd"},
	{"Django's export (hashlib)", "pbkdf2_sha256_django",
		"pbkdf2_sha256$1000$seasalt$mQnueSakb748zqBAC1tmWVZsZbi2zPGZarEzTGdfmso=", "correct horse"},
	{"Clerk's pbkdf2_sha256, salt in base64 (hashlib)", "pbkdf2_sha256",
		"pbkdf2_sha256$1000$AQIDBAUGBwgJCgsM$FV2W4cODWyMvFW+NA7zlS3I59izOaQwTsu6MOESxI7g=", "correct horse"},
	{"bcrypt $2a$ cost 5", "bcrypt", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"},
	{"an empty hasher is bcrypt", "", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"},
	{"argon2i reference README", "argon2i",
		"$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", "password"},
}

func TestKnownDigestVectors(t *testing.T) {
	for _, tt := range hasherVectors {
		t.Run(tt.name, func(t *testing.T) {
			if err := validDigest(tt.hasher, tt.digest); err != nil {
				t.Fatalf("validDigest: %v", err)
			}
			ok, err := verifyDigest(tt.hasher, tt.digest, tt.password)
			if err != nil || !ok {
				t.Fatalf("right password: %v %v", ok, err)
			}
			wrongs := []string{"", tt.password + "x", tt.password[:len(tt.password)-1]}
			if up := strings.ToUpper(tt.password); up != tt.password {
				wrongs = append(wrongs, up)
			}
			for _, wrong := range wrongs {
				if ok, err := verifyDigest(tt.hasher, tt.digest, wrong); ok || err != nil {
					t.Fatalf("wrong password %q: %v %v", wrong, ok, err)
				}
			}
		})
	}
}

// hasherGenerated makes digests of password with the libraries, in each
// format, with fresh random salts.
func hasherGenerated(t *testing.T, password string) map[string][]string {
	t.Helper()
	salt := make([]byte, 16)
	rand.Read(salt)
	b64 := base64.StdEncoding.EncodeToString
	raw := base64.RawStdEncoding.EncodeToString

	bc, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(password))
	bcDjango, err := bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(sum[:])), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	bc2b := "$2b$" + string(bc[4:])
	bc2y := "$2y$" + string(bc[4:])

	id := argon2.IDKey([]byte(password), salt, 2, 64, 2, 32)
	i := argon2.Key([]byte(password), salt, 1, 32, 1, 16)

	djangoSalt := "Zx8kP2qLmN4rT6vW9yB1cD" // Django's 22 alphanumerics
	k256, _ := pbkdf2.Key(sha256.New, password, []byte(djangoSalt), 1200, 32)
	kClerk, _ := pbkdf2.Key(sha256.New, password, salt, 1200, 32)
	k1, _ := pbkdf2.Key(sha1.New, password, []byte("pepper"), 1100, 20)

	return map[string][]string{
		"bcrypt":               {string(bc), bc2b, bc2y},
		"bcrypt_sha256_django": {"bcrypt_sha256$" + string(bcDjango)},
		"argon2id": {
			fmt.Sprintf("$argon2id$v=19$m=64,t=2,p=2$%s$%s", raw(salt), raw(id)),
			fmt.Sprintf("$argon2id$v=19$t=2,p=2,m=64$%s$%s", b64(salt), b64(id)), // padded, other order
		},
		"argon2i":              {fmt.Sprintf("$argon2i$v=19$m=32,t=1,p=1$%s$%s", raw(salt), raw(i))},
		"pbkdf2_sha256":        {fmt.Sprintf("pbkdf2_sha256$1200$%s$%s", b64(salt), b64(kClerk))},
		"pbkdf2_sha256_django": {fmt.Sprintf("pbkdf2_sha256$1200$%s$%s", djangoSalt, b64(k256))},
		"pbkdf2_sha1":          {fmt.Sprintf("pbkdf2_sha1$1100$pepper$%s", hex.EncodeToString(k1))},
	}
}

func TestGeneratedDigestsVerify(t *testing.T) {
	for _, password := range []string{"correct horse battery staple", "ünïcødé pässwörd ✓", "x"} {
		for hasher, digests := range hasherGenerated(t, password) {
			for _, d := range digests {
				if err := validDigest(hasher, d); err != nil {
					t.Fatalf("%s %q: validDigest: %v", hasher, d, err)
				}
				if ok, err := verifyDigest(hasher, d, password); !ok || err != nil {
					t.Fatalf("%s %q: right password: %v %v", hasher, d, ok, err)
				}
				if ok, err := verifyDigest(hasher, d, password+"!"); ok || err != nil {
					t.Fatalf("%s %q: wrong password: %v %v", hasher, d, ok, err)
				}
			}
		}
	}
}

func TestDigestsDoNotCrossHashers(t *testing.T) {
	const pw = "correct horse battery staple"
	all := hasherGenerated(t, pw)
	for hasher := range all {
		for other, digests := range all {
			if other == hasher {
				continue
			}
			for _, d := range digests {
				if ok, _ := verifyDigest(hasher, d, pw); ok {
					t.Errorf("a %s digest verified as %s", other, hasher)
				}
			}
		}
	}
	// A digest as Django writes it, given as Clerk's pbkdf2_sha256 (base64
	// salt), does not verify: its salt decodes to other bytes.
	if ok, _ := verifyDigest("pbkdf2_sha256", all["pbkdf2_sha256_django"][0], pw); ok {
		t.Error("a Django digest verified as pbkdf2_sha256")
	}
}

func TestMalformedDigests(t *testing.T) {
	const salt16 = "c29tZXNhbHRzb21lc2FsdA" // 16 bytes
	const hash32 = "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	const bc = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"
	hash16 := base64.StdEncoding.EncodeToString(make([]byte, 16))
	tests := []struct{ hasher, digest string }{
		{"bcrypt", ""},
		{"bcrypt", "not a digest"},
		{"bcrypt", bc[:59]},
		{"bcrypt", bc + "x"},
		{"bcrypt", "$3a" + bc[3:]},
		{"bcrypt", "$2x" + bc[3:]},
		{"bcrypt", "$2a$03" + bc[6:]},  // cost below 4
		{"bcrypt", "$2a$17" + bc[6:]},  // cost above the cap
		{"bcrypt", "$2a$32" + bc[6:]},  // cost above 31
		{"bcrypt", "$2a$1x" + bc[6:]},  // cost not digits
		{"bcrypt", "$2a$05x" + bc[7:]}, // no "$" after the cost
		{"bcrypt", bc[:20] + "!" + bc[21:]},
		{"bcrypt", strings.Replace(bc, "$2a$", "2a$$", 1)},
		{"bcrypt_sha256_django", bc},
		{"bcrypt_sha256_django", "bcrypt_sha256$" + bc[:50]},
		{"bcrypt_sha256_django", "bcrypt_sha256$$" + bc},
		{"argon2id", ""},
		{"argon2id", "argon2id$v=19$m=64,t=2,p=1$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2i$v=19$m=64,t=2,p=1$" + salt16 + "$" + hash32},
		{"argon2i", "$argon2id$v=19$m=64,t=2,p=1$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2d$v=19$m=64,t=2,p=1$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$v=16$m=64,t=2,p=1$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$m=64,t=2,p=1$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$v=19$m=64,t=2$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$v=19$m=64,m=64,t=2,p=1$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$v=19$m=64,t=2,p=1,x=1$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$v=19$m=64,t=2,p=1,$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$v=19$m=0x40,t=2,p=1$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$v=19$m=64,t=-1,p=1$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$v=19$m=64,t=+2,p=1$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$v=19$m=99999999999,t=2,p=1$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$v=19$m=64,t=0,p=1$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$v=19$m=64,t=65,p=1$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$v=19$m=64,t=2,p=0$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$v=19$m=4096,t=2,p=256$" + salt16 + "$" + hash32},
		{"argon2id", "$argon2id$v=19$m=31,t=2,p=4$" + salt16 + "$" + hash32},     // m < 8p
		{"argon2id", "$argon2id$v=19$m=262145,t=1,p=1$" + salt16 + "$" + hash32}, // above the cap
		{"argon2id", "$argon2id$v=19$m=64,t=2,p=1$c2FsdA$" + hash32},             // 4-byte salt
		{"argon2id", "$argon2id$v=19$m=64,t=2,p=1$$" + hash32},
		{"argon2id", "$argon2id$v=19$m=64,t=2,p=1$!!!!!!!!!!!!$" + hash32},
		{"argon2id", "$argon2id$v=19$m=64,t=2,p=1$" + salt16 + "$AAA"}, // 2-byte hash
		{"argon2id", "$argon2id$v=19$m=64,t=2,p=1$" + salt16 + "$" + hash32 + "$"},
		{"argon2id", "$argon2id$v=19$m=64,t=2,p=1$" + salt16 + "$" + hash32[:len(hash32)-1] + "="},
		{"pbkdf2_sha256", ""},
		{"pbkdf2_sha256", "pbkdf2_sha256$1000$c2FsdHNhbHQ=" + "$" + hash16 + "$x"},
		{"pbkdf2_sha256", "pbkdf2_sha256$1000$c2FsdHNhbHQ="},
		{"pbkdf2_sha256", "pbkdf2_sha1$1000$c2FsdHNhbHQ=$" + hash16},
		{"pbkdf2_sha256", "pbkdf2_sha256$0$c2FsdHNhbHQ=$" + hash16},
		{"pbkdf2_sha256", "pbkdf2_sha256$abc$c2FsdHNhbHQ=$" + hash16},
		{"pbkdf2_sha256", "pbkdf2_sha256$-5$c2FsdHNhbHQ=$" + hash16},
		{"pbkdf2_sha256", "pbkdf2_sha256$+5$c2FsdHNhbHQ=$" + hash16},
		{"pbkdf2_sha256", "pbkdf2_sha256$5000001$c2FsdHNhbHQ=$" + hash16},
		{"pbkdf2_sha256", "pbkdf2_sha256$99999999999$c2FsdHNhbHQ=$" + hash16},
		{"pbkdf2_sha256", "pbkdf2_sha256$1000$***$" + hash16},
		{"pbkdf2_sha256", "pbkdf2_sha256$1000$$" + hash16},
		{"pbkdf2_sha256", "pbkdf2_sha256$1000$c2FsdHNhbHQ=$%%%%"},
		{"pbkdf2_sha256", "pbkdf2_sha256$1000$c2FsdHNhbHQ=$AAAAAAAAAAA="}, // 8 bytes
		{"pbkdf2_sha256", "pbkdf2_sha256$1000$c2FsdHNhbHQ=$"},
		{"pbkdf2_sha256_django", "pbkdf2_sha256$1000$$" + hash16},
		{"pbkdf2_sha256_django", "pbkdf2_sha256$1000$seasalt$not base64!"},
		{"pbkdf2_sha256_django", "pbkdf2_sha1$1000$seasalt$" + hash16},
		{"pbkdf2_sha1", "pbkdf2_sha1$1000$salt$zz" + strings.Repeat("00", 19)},
		{"pbkdf2_sha1", "pbkdf2_sha1$1000$salt$" + strings.Repeat("0", 39)},
		{"pbkdf2_sha1", "pbkdf2_sha1$1000$salt$" + strings.Repeat("00", 8)},
		{"pbkdf2_sha1", "pbkdf2_sha256$1000$salt$" + strings.Repeat("00", 20)},
	}
	for _, tt := range tests {
		err := validDigest(tt.hasher, tt.digest)
		e, ok := AsError(err)
		if !ok || e.Kind != KindInvalid || e.Param != "password_digest" || e.Code != "form_param_format_invalid" {
			t.Errorf("%s %q: validDigest = %v", tt.hasher, tt.digest, err)
			continue
		}
		hasherNoSecretIn(t, e, tt.digest)
		if ok, verr := verifyDigest(tt.hasher, tt.digest, "password"); ok || verr == nil || verr.Error() != err.Error() {
			t.Errorf("%s %q: verifyDigest = %v %v", tt.hasher, tt.digest, ok, verr)
		}
	}
}

func TestUnsupportedHashers(t *testing.T) {
	const digest = "5f4dcc3b5aa765d61d8327deb882cf99"
	for _, hasher := range []string{"md5", "sha256", "scrypt_firebase", "phpass", "BCRYPT", "nope"} {
		err := validDigest(hasher, digest)
		e, ok := AsError(err)
		if !ok || e.Kind != KindInvalid || e.Param != "password_hasher" || e.Code != "form_param_value_invalid" ||
			!strings.Contains(e.LongMessage, "argon2id") {
			t.Errorf("%s: %v", hasher, err)
			continue
		}
		hasherNoSecretIn(t, e, digest)
		if ok, err := verifyDigest(hasher, digest, "password"); ok || err == nil {
			t.Errorf("%s: verifyDigest = %v %v", hasher, ok, err)
		}
	}
}

// hasherNoSecretIn fails when an error shows the digest or a long part of
// it.
func hasherNoSecretIn(t *testing.T, e *Error, digest string) {
	t.Helper()
	msg := e.Error() + " " + e.Message + " " + e.LongMessage
	parts := append(strings.Split(digest, "$"), digest)
	for _, p := range parts {
		if p == "bcrypt_sha256" || p == "pbkdf2_sha256" { // format names, not secrets
			continue
		}
		if len(p) >= 12 && strings.Contains(msg, p) {
			t.Errorf("the error %q shows part of the digest", msg)
		}
	}
}

func FuzzVerifyDigest(f *testing.F) {
	for _, k := range hasherVectors {
		if k.hasher != "argon2i" { // 64 MiB per run: too slow to fuzz
			f.Add(k.hasher, k.digest, k.password)
		}
	}
	f.Add("argon2id", "$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA", "x")
	f.Add("pbkdf2_sha1", "pbkdf2_sha1$1$$", "")
	f.Fuzz(func(t *testing.T, hasher, digest, password string) {
		ok, err := verifyDigest(hasher, digest, password)
		if ok && err != nil {
			t.Fatal("a match with an error")
		}
		if (err == nil) != (validDigest(hasher, digest) == nil) {
			t.Fatal("verifyDigest and validDigest disagree")
		}
		if e, isDomain := AsError(err); err != nil && (!isDomain || strings.Contains(e.Error(), digest) && len(digest) >= 12) {
			t.Fatalf("error %v", err)
		}
	})
}
