package validator

import (
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// uuidPattern is kin-openapi's definition of the uuid format, which isUUID
// must follow exactly.
var uuidPattern = regexp.MustCompile(openapi3.FormatOfStringForUUIDOfRFC9562)

var uuidInputs = []string{
	"3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d40",
	"3F0E4B8E-8F9A-4C51-9D3C-1B2A7F6E5D40",
	"3f0e4b8e-8f9a-4C51-Bd3c-1b2a7f6e5d40",
	"00000000-0000-0000-0000-000000000000",
	"ffffffff-ffff-ffff-ffff-ffffffffffff",
	"FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
	"ffffffff-FFFF-ffff-ffff-ffffffffffff",
	"00000000-0000-0000-0000-000000000001", // neither nil nor of a version
	"fffffffF-ffff-ffff-ffff-fffffffffffe",
	"3f0e4b8e-8f9a-0c51-9d3c-1b2a7f6e5d40", // version 0
	"3f0e4b8e-8f9a-9c51-9d3c-1b2a7f6e5d40", // version 9
	"3f0e4b8e-8f9a-1c51-8d3c-1b2a7f6e5d40",
	"3f0e4b8e-8f9a-8c51-bd3c-1b2a7f6e5d40",
	"3f0e4b8e-8f9a-4c51-7d3c-1b2a7f6e5d40", // variant 0xxx
	"3f0e4b8e-8f9a-4c51-cd3c-1b2a7f6e5d40", // variant 110x
	"3f0e4b8e-8f9a-4c51-Cd3c-1b2a7f6e5d40",
	"3f0e4b8e8f9a4c519d3c1b2a7f6e5d40",
	"{3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d40}",
	"urn:uuid:3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d40",
	"3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d4",
	"3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d400",
	"3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d40\n",
	" 3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d40",
	"3f0e4b8e-8f9a-4c51-9d3c_1b2a7f6e5d40",
	"3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d4g",
	"3f0e4b8g-8f9a-4c51-9d3c-1b2a7f6e5d40",
	"3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d4é",
	"3f0e4b8e-8f9a4-c51-9d3c-1b2a7f6e5d40",
	"3f0e4b8e--8f9a-4c51-9d3c-1b2a7f6e5d4",
	"not-a-uuid", "", "-", strings.Repeat("-", 36), strings.Repeat("0", 36), strings.Repeat("f", 36),
}

func TestUUIDFormat(t *testing.T) {
	t.Parallel()
	accepted := 0
	for _, s := range uuidInputs {
		want := uuidPattern.MatchString(s)
		if got := isUUID(s); got != want {
			t.Errorf("isUUID(%q) = %v, the pattern says %v", s, got, want)
		}
		if err := UUIDFormat.Validate(s); (err == nil) != want {
			t.Errorf("UUIDFormat.Validate(%q) = %v, the pattern says %v", s, err, want)
		}
		if want {
			accepted++
		}
	}
	if accepted != 9 {
		t.Errorf("the pattern accepts %d of the inputs, want 9: the table no longer tests both ways", accepted)
	}
}

func FuzzUUIDFormat(f *testing.F) {
	for _, s := range uuidInputs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isUUID(s), uuidPattern.MatchString(s); got != want {
			t.Fatalf("isUUID(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}

// BenchmarkUUIDFormat compares isUUID with the regular expression it replaced.
func BenchmarkUUIDFormat(b *testing.B) {
	const id = "3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d40"
	b.Run("isUUID", func(b *testing.B) {
		for b.Loop() {
			if !isUUID(id) {
				b.Fatal(id)
			}
		}
	})
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			if !uuidPattern.MatchString(id) {
				b.Fatal(id)
			}
		}
	})
}
