package api

import (
	"slices"
	"strconv"
	"strings"

	"example.com/tasks/impl/domain"
)

// noVersion is a version no row ever has (versions start at 1): a write
// conditioned on it fails with domain.ErrVersionMismatch, or ErrNotFound.
const noVersion int64 = -1

// etag is the entity tag of a row version: strong, since every byte of the
// representation is fixed by the version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// versionToMatch turns an If-Match header (RFC 9110 §13.1.1) into the
// version a write must find. The validator already checked its syntax
// against the spec's pattern. No header or "*": any version (a missing row
// is a 404 either way, §13.2.1). Weak tags and tags this server never issued
// match nothing. Several tags: the current version, read with current, if it
// is among them.
func versionToMatch(header *string, current func() (int64, error)) (int64, error) {
	if header == nil {
		return domain.AnyVersion, nil
	}
	versions, any := entityTags(*header, false)
	if any {
		return domain.AnyVersion, nil
	}
	switch len(versions) {
	case 0:
		return noVersion, nil
	case 1:
		return versions[0], nil
	}
	v, err := current()
	if err != nil {
		return 0, err
	}
	if slices.Contains(versions, v) {
		// The write still checks it: the row may change before it lands.
		return v, nil
	}
	return noVersion, nil
}

// ifMatch reports whether an If-Match header lets a write of a row at
// version go ahead: no header, "*", or a strong tag of that version.
func ifMatch(header *string, version int64) bool {
	if header == nil {
		return true
	}
	versions, any := entityTags(*header, false)
	return any || slices.Contains(versions, version)
}

// notModified reports whether an If-None-Match header (RFC 9110 §13.1.2)
// names the row's version: "*", or a tag of that version, weak or strong
// (a GET uses the weak comparison).
func notModified(header *string, version int64) bool {
	if header == nil {
		return false
	}
	versions, any := entityTags(*header, true)
	return any || slices.Contains(versions, version)
}

// entityTags reads an If-Match or If-None-Match value: any is true for "*";
// versions are those of the tags this server could have issued, weak ones
// included only for the weak comparison.
func entityTags(header string, weak bool) (versions []int64, any bool) {
	if strings.TrimSpace(header) == "*" {
		return nil, true
	}
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if weak {
			tag = strings.TrimPrefix(tag, "W/")
		}
		if v, ok := parseStrongTag(tag); ok {
			versions = append(versions, v)
		}
	}
	return versions, false
}

// parseStrongTag reads a version from a strong entity tag such as "3".
func parseStrongTag(tag string) (int64, bool) {
	inner, ok := strings.CutPrefix(tag, `"`)
	if !ok {
		return 0, false // a weak tag (W/"3") never matches in If-Match
	}
	inner, ok = strings.CutSuffix(inner, `"`)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(inner, 10, 64)
	if err != nil || v < 1 {
		return 0, false
	}
	return v, true
}
