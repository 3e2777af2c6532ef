package emulator

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Password digests imported with POST /v1/users (password_digest and
// password_hasher), in the formats Clerk documents for each hasher:
//
//   - bcrypt: "$2a$", "$2b$" or "$2y$", the cost, "$", 53 characters of
//     salt and hash (60 characters in all).
//   - bcrypt_sha256_django: "bcrypt_sha256$" then a bcrypt digest of the
//     hex SHA-256 of the password (Django's BCryptSHA256PasswordHasher).
//   - argon2id, argon2i: the PHC string
//     "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>", salt and
//     hash in base64 (unpadded, as PHC writes them; padding is accepted).
//     Only version 19 (0x13) exists in golang.org/x/crypto/argon2.
//   - pbkdf2_sha256: "pbkdf2_sha256$<iterations>$<salt>$<hash>", PBKDF2
//     with HMAC-SHA-256, salt AND hash base64-encoded (Clerk's own variant).
//   - pbkdf2_sha256_django: the same string as Django exports it: the salt
//     is used as written (not decoded), the hash is base64.
//   - pbkdf2_sha1: "pbkdf2_sha1$<iterations>$<salt>$<hash>", HMAC-SHA-1,
//     the salt as written, the hash in hex.
//
// The derived key length is the length of the decoded hash. Base64 may be
// standard or URL-safe, padded or not (the alphabets and padding cannot
// make one string decode to two values).
//
// Work factors are capped so that verifying one password cannot stall the
// emulator: bcrypt cost ≤ 16, argon2 m ≤ 256 MiB, t ≤ 64, p ≤ 255, PBKDF2
// ≤ 5,000,000 iterations. Digests beyond a cap are refused at creation.
//
// No message built here contains a digest, a salt, a hash or a password.

// Caps on the work a digest may ask for.
const (
	maxBcryptCost       = 16
	maxArgon2MemoryKiB  = 256 << 10
	maxArgon2Time       = 64
	maxArgon2Threads    = 255
	maxPBKDF2Iterations = 5_000_000
	minDigestHashBytes  = 16
	maxDigestHashBytes  = 1024
	minArgon2SaltBytes  = 8
	minArgon2HashBytes  = 4
)

// supportedHashers are the password_hasher values the emulator verifies.
var supportedHashers = []string{
	"argon2i", "argon2id", "bcrypt", "bcrypt_sha256_django",
	"pbkdf2_sha1", "pbkdf2_sha256", "pbkdf2_sha256_django",
}

// validDigest reports whether digest is a well-formed digest of hasher,
// with work factors within the emulator's caps. Its error is a domain
// *Error about password_digest (malformed) or password_hasher
// (unsupported). An empty hasher means bcrypt.
func validDigest(hasher, digest string) error {
	_, err := parseDigest(hasher, digest)
	return err
}

// verifyDigest reports whether password matches digest, made with hasher.
// A digest validDigest refuses is an error (the same one), never a match.
// Comparisons take constant time in the derived values.
func verifyDigest(hasher, digest, password string) (bool, error) {
	d, err := parseDigest(hasher, digest)
	if err != nil {
		return false, err
	}
	return d.verify(password), nil
}

// parsedDigest is a digest ready to check passwords against.
type parsedDigest interface {
	verify(password string) bool
}

func parseDigest(hasher, digest string) (parsedDigest, error) {
	switch hasher {
	case "", "bcrypt":
		return parseBcrypt(digest, false)
	case "bcrypt_sha256_django":
		rest, ok := strings.CutPrefix(digest, "bcrypt_sha256$")
		if !ok {
			return nil, badDigest(hasher, `it must start with "bcrypt_sha256$" followed by a bcrypt digest`)
		}
		d, err := parseBcrypt(rest, true)
		if err != nil {
			return nil, badDigest(hasher, "what follows \"bcrypt_sha256$\" is not a valid bcrypt digest")
		}
		return d, nil
	case "argon2i", "argon2id":
		return parseArgon2(hasher, digest)
	case "pbkdf2_sha256":
		return parsePBKDF2(hasher, "pbkdf2_sha256", digest, true, base64Hash, func() hash.Hash { return sha256.New() })
	case "pbkdf2_sha256_django":
		return parsePBKDF2(hasher, "pbkdf2_sha256", digest, false, base64Hash, func() hash.Hash { return sha256.New() })
	case "pbkdf2_sha1":
		return parsePBKDF2(hasher, "pbkdf2_sha1", digest, false, hexHash, func() hash.Hash { return sha1.New() })
	}
	return nil, &Error{Kind: KindInvalid, Code: "form_param_value_invalid", Param: "password_hasher",
		Message: "is not supported",
		LongMessage: fmt.Sprintf("password_hasher %q is not supported by the emulator; it verifies %s.",
			hasher, strings.Join(supportedHashers, ", "))}
}

// badDigest is the error of a malformed digest; why must not quote it.
func badDigest(hasher, why string) *Error {
	return &Error{Kind: KindInvalid, Code: "form_param_format_invalid", Param: "password_digest",
		Message:     "is invalid",
		LongMessage: fmt.Sprintf("password_digest is not a valid %s digest: %s.", hasher, why)}
}

// bcrypt

type bcryptDigest struct {
	digest []byte
	sha256 bool // bcrypt_sha256_django: bcrypt of hex(SHA-256(password))
}

const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func parseBcrypt(digest string, sha bool) (*bcryptDigest, error) {
	const hasher = "bcrypt"
	if len(digest) != 60 {
		return nil, badDigest(hasher, "it must be 60 characters long")
	}
	switch digest[:4] {
	case "$2a$", "$2b$", "$2y$":
	default:
		return nil, badDigest(hasher, `it must start with "$2a$", "$2b$" or "$2y$"`)
	}
	if digest[6] != '$' || !isDigits(digest[4:6]) {
		return nil, badDigest(hasher, "the cost must be two digits followed by \"$\"")
	}
	for i := 7; i < len(digest); i++ {
		if strings.IndexByte(bcryptAlphabet, digest[i]) < 0 {
			return nil, badDigest(hasher, "the salt and hash must use bcrypt's base64 alphabet")
		}
	}
	cost, err := bcrypt.Cost([]byte(digest))
	if err != nil {
		return nil, badDigest(hasher, "the cost must be between 4 and 31")
	}
	if cost > maxBcryptCost {
		return nil, badDigest(hasher, fmt.Sprintf("the emulator verifies costs up to %d", maxBcryptCost))
	}
	return &bcryptDigest{digest: []byte(digest), sha256: sha}, nil
}

func (d *bcryptDigest) verify(password string) bool {
	pw := []byte(password)
	if d.sha256 {
		sum := sha256.Sum256(pw)
		pw = []byte(hex.EncodeToString(sum[:]))
	}
	return bcrypt.CompareHashAndPassword(d.digest, pw) == nil
}

// argon2

type argon2Digest struct {
	id            bool
	memory, time  uint32
	threads       uint8
	salt, hashSum []byte
}

func parseArgon2(hasher, digest string) (*argon2Digest, error) {
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	parts := strings.Split(digest, "$")
	if len(parts) != 6 || parts[0] != "" {
		return nil, badDigest(hasher, fmt.Sprintf(`it must be a PHC string "$%s$v=19$m=<memory>,t=<time>,p=<parallelism>$<salt>$<hash>"`, hasher))
	}
	if parts[1] != hasher {
		return nil, badDigest(hasher, fmt.Sprintf("its algorithm must be %q", hasher))
	}
	if parts[2] != "v=19" {
		return nil, badDigest(hasher, "the version must be v=19, the only one supported")
	}
	d := &argon2Digest{id: hasher == "argon2id"}
	seen := map[string]bool{}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] || !isDigits(v) || len(v) > 10 {
			return nil, badDigest(hasher, "the parameters must be m=<memory>,t=<time>,p=<parallelism>, in decimal")
		}
		seen[k] = true
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return nil, badDigest(hasher, "a parameter is out of range")
		}
		switch k {
		case "m":
			d.memory = uint32(n)
		case "t":
			d.time = uint32(n)
		case "p":
			if n < 1 || n > maxArgon2Threads {
				return nil, badDigest(hasher, fmt.Sprintf("p must be between 1 and %d", maxArgon2Threads))
			}
			d.threads = uint8(n)
		default:
			return nil, badDigest(hasher, "the parameters must be m=<memory>,t=<time>,p=<parallelism>, in decimal")
		}
	}
	if !seen["m"] || !seen["t"] || !seen["p"] {
		return nil, badDigest(hasher, "the parameters must include m, t and p")
	}
	switch {
	case d.time < 1 || d.time > maxArgon2Time:
		return nil, badDigest(hasher, fmt.Sprintf("t must be between 1 and %d", maxArgon2Time))
	case d.memory < 8*uint32(d.threads):
		return nil, badDigest(hasher, "m must be at least 8 times p")
	case d.memory > maxArgon2MemoryKiB:
		return nil, badDigest(hasher, fmt.Sprintf("the emulator verifies m up to %d KiB", maxArgon2MemoryKiB))
	}
	var err error
	if d.salt, err = decodeBase64(parts[4]); err != nil || len(d.salt) < minArgon2SaltBytes {
		return nil, badDigest(hasher, fmt.Sprintf("the salt must be base64 of at least %d bytes", minArgon2SaltBytes))
	}
	if d.hashSum, err = decodeBase64(parts[5]); err != nil || len(d.hashSum) < minArgon2HashBytes || len(d.hashSum) > maxDigestHashBytes {
		return nil, badDigest(hasher, fmt.Sprintf("the hash must be base64 of %d to %d bytes", minArgon2HashBytes, maxDigestHashBytes))
	}
	return d, nil
}

func (d *argon2Digest) verify(password string) bool {
	n := uint32(len(d.hashSum))
	var sum []byte
	if d.id {
		sum = argon2.IDKey([]byte(password), d.salt, d.time, d.memory, d.threads, n)
	} else {
		sum = argon2.Key([]byte(password), d.salt, d.time, d.memory, d.threads, n)
	}
	return subtle.ConstantTimeCompare(sum, d.hashSum) == 1
}

// PBKDF2

type pbkdf2Digest struct {
	newHash    func() hash.Hash
	iterations int
	salt       []byte
	hashSum    []byte
}

// hashEncoding decodes the hash part of a PBKDF2 digest.
type hashEncoding struct {
	name   string
	decode func(string) ([]byte, error)
}

var (
	base64Hash = hashEncoding{"base64", decodeBase64}
	hexHash    = hashEncoding{"hex", hex.DecodeString}
)

func parsePBKDF2(hasher, prefix, digest string, base64Salt bool, enc hashEncoding, newHash func() hash.Hash) (*pbkdf2Digest, error) {
	parts := strings.Split(digest, "$")
	if len(parts) != 4 || parts[0] != prefix {
		return nil, badDigest(hasher, fmt.Sprintf(`it must be "%s$<iterations>$<salt>$<hash>"`, prefix))
	}
	if !isDigits(parts[1]) || len(parts[1]) > 10 {
		return nil, badDigest(hasher, "the iterations must be a decimal number")
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > maxPBKDF2Iterations {
		return nil, badDigest(hasher, fmt.Sprintf("the iterations must be between 1 and %d", maxPBKDF2Iterations))
	}
	d := &pbkdf2Digest{newHash: newHash, iterations: iter}
	if base64Salt {
		if d.salt, err = decodeBase64(parts[2]); err != nil || len(d.salt) == 0 {
			return nil, badDigest(hasher, "the salt must be base64 (for a salt as Django writes it, use pbkdf2_sha256_django)")
		}
	} else {
		if parts[2] == "" {
			return nil, badDigest(hasher, "the salt is empty")
		}
		d.salt = []byte(parts[2])
	}
	if d.hashSum, err = enc.decode(parts[3]); err != nil || len(d.hashSum) < minDigestHashBytes || len(d.hashSum) > maxDigestHashBytes {
		return nil, badDigest(hasher, fmt.Sprintf("the hash must be %s of %d to %d bytes", enc.name, minDigestHashBytes, maxDigestHashBytes))
	}
	return d, nil
}

func (d *pbkdf2Digest) verify(password string) bool {
	sum, err := pbkdf2.Key(d.newHash, password, d.salt, d.iterations, len(d.hashSum))
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(sum, d.hashSum) == 1
}

// decodeBase64 decodes standard or URL-safe base64, padded or not.
func decodeBase64(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.RawURLEncoding
	}
	return enc.Strict().DecodeString(strings.TrimRight(s, "="))
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
