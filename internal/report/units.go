package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Bytes formats n in IEC units for people: 512 B, 12.4 MiB.
func Bytes(n int64) string {
	if n < 0 {
		return "-" + Bytes(-n)
	}
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v := float64(n)
	i := -1
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v >= 99.95 {
		return fmt.Sprintf("%.0f %s", v, units[i])
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// SignedBytes formats a change in bytes: +12.4 MiB, -3.0 KiB, 0 B.
func SignedBytes(n int64) string {
	if n > 0 {
		return "+" + Bytes(n)
	}
	return Bytes(n)
}

// Count formats n with thousands separators: 1,234,567.
func Count(n int64) string {
	if n < 0 {
		return "-" + Count(-n)
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// SignedCount formats a change in a count: +1,234, -7, 0.
func SignedCount(n int64) string {
	if n > 0 {
		return "+" + Count(n)
	}
	return Count(n)
}

// Percent formats a share: 12.3%.
func Percent(p float64) string {
	if math.IsNaN(p) || math.IsInf(p, 0) {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", p)
}

// SignedPercent formats a change: +12.3%, -100.0%.
func SignedPercent(p float64) string {
	if p > 0 {
		return "+" + Percent(p)
	}
	return Percent(p)
}

// ParseBytes reads a size as people write it: 5MiB, 5 MB, 1.5g, 1024.
// K, M, G and T are powers of 1024, as memory is measured.
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "b"), "i")
	mult := float64(1)
	if t != "" {
		switch t[len(t)-1] {
		case 'k':
			mult = 1 << 10
		case 'm':
			mult = 1 << 20
		case 'g':
			mult = 1 << 30
		case 't':
			mult = 1 << 40
		}
		if mult > 1 {
			t = t[:len(t)-1]
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || v < 0 || math.IsNaN(v) || v*mult > math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a size (write it as 512KiB, 5MiB, 1.5GiB)", s)
	}
	return int64(v * mult), nil
}

// Duration formats a span of hours for people, roughly: 5 s, 40 min, 11 h, 3.5 d.
func Duration(hours float64) string {
	switch {
	case hours < 1.0/60:
		return fmt.Sprintf("%.0f s", math.Max(1, hours*3600))
	case hours < 1:
		return fmt.Sprintf("%.0f min", hours*60)
	case hours < 48:
		return fmt.Sprintf("%.0f h", hours)
	default:
		return fmt.Sprintf("%.1f d", hours/24)
	}
}
