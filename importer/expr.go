package importer

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/pxegen/pxegen/internal/dhcpdconf"
)

// client is a kind of client an if chain is asked about: what each
// firmware sends that dhcpd.conf files test.
type client struct {
	name string
	arch int  // option 93, or -1 when it sends none
	ipxe bool // iPXE: user class iPXE, and its own options (175)
	http bool // UEFI HTTP boot: vendor class HTTPClient
}

// clients are the firmwares import asks every if chain about.
var clients = []client{
	{name: "bios", arch: -1},
	{name: "bios-arch0", arch: 0},
	{name: "uefi", arch: 7},
	{name: "uefi-arch9", arch: 9},
	{name: "arm64", arch: 11},
	{name: "uefi-http", arch: 16, http: true},
	{name: "ipxe", arch: 0, ipxe: true},
	{name: "ipxe-uefi", arch: 7, ipxe: true},
}

// option returns what the client sends as option code, and whether it
// sends it.
func (c client) option(code int) ([]byte, bool) {
	switch code {
	case 93:
		if c.arch < 0 {
			return nil, false
		}
		return []byte{byte(c.arch >> 8), byte(c.arch)}, true
	case 60:
		arch := max(c.arch, 0)
		if c.http {
			return []byte(fmt.Sprintf("HTTPClient:Arch:%05d:UNDI:003001", arch)), true
		}
		return []byte(fmt.Sprintf("PXEClient:Arch:%05d:UNDI:002001", arch)), true
	case 77:
		if c.ipxe {
			return []byte("iPXE"), true
		}
	case 175:
		if c.ipxe {
			return []byte{}, true
		}
	}
	return nil, false
}

// tri is a condition's value as dhcpd computes it: true, false, or null
// (a test of an option the client did not send). unknown: import cannot
// say.
type tri int

const (
	triFalse tri = iota
	triTrue
	triNull
	triUnknown
)

// value is what an expression yields: data, a boolean, null, or unknown.
type value struct {
	kind   tri // for booleans; triNull or triUnknown for data too
	data   []byte
	isData bool
}

// exprParser evaluates the condition of an if, as dhcpd.conf(5) writes
// it, for one client.
type exprParser struct {
	toks []dhcpdconf.Token
	i    int
	c    client
	code func(name string) (int, bool) // an option name's code
	err  string                        // why import cannot say, once
}

func (p *exprParser) peek() dhcpdconf.Token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return dhcpdconf.Token{Kind: dhcpdconf.EOF}
}

func (p *exprParser) next() dhcpdconf.Token { t := p.peek(); p.i++; return t }

func (p *exprParser) unknown(format string, args ...any) value {
	if p.err == "" {
		p.err = fmt.Sprintf(format, args...)
	}
	return value{kind: triUnknown}
}

// evalCondition evaluates the tokens of a condition for client c.
func evalCondition(toks []dhcpdconf.Token, c client, code func(string) (int, bool)) (tri, string) {
	p := &exprParser{toks: toks, c: c, code: code}
	v := p.or()
	if p.i < len(p.toks) && p.err == "" {
		p.unknown("%s is more than import reads in a condition", p.peek())
	}
	if p.err != "" {
		return triUnknown, p.err
	}
	if v.isData {
		return triUnknown, "a condition that is not a test"
	}
	return v.kind, ""
}

// The boolean operators and comparisons below compute what dhcpd's
// evaluate_boolean_expression (common/tree.c) does, null included:
// "false and X" is null, not false; "A or B" is null only when both are;
// a comparison is never null: two nulls are equal, a null and data are
// not. An if whose test is null takes its else, as for false.

func (p *exprParser) or() value {
	v := p.and()
	for p.peek().Is("or") {
		p.next()
		w := p.and()
		switch {
		case v.kind == triUnknown || w.kind == triUnknown:
			v = value{kind: triUnknown}
		case v.kind == triTrue || w.kind == triTrue:
			v = value{kind: triTrue}
		case v.kind == triNull && w.kind == triNull:
			v = value{kind: triNull}
		default:
			v = value{kind: triFalse}
		}
	}
	return v
}

func (p *exprParser) and() value {
	v := p.not()
	for p.peek().Is("and") {
		p.next()
		w := p.not()
		switch {
		case v.kind == triUnknown || w.kind == triUnknown:
			v = value{kind: triUnknown}
		case v.kind != triTrue || w.kind == triNull:
			v = value{kind: triNull} // dhcpd does not evaluate the right side
		default:
			v = w
		}
	}
	return v
}

func (p *exprParser) not() value {
	if p.peek().Is("not") || p.peek().Is("!") {
		p.next()
		v := p.not()
		switch v.kind {
		case triTrue:
			return value{kind: triFalse}
		case triFalse:
			return value{kind: triTrue}
		}
		return v
	}
	return p.compare()
}

func (p *exprParser) compare() value {
	a := p.term()
	op := p.peek()
	if !op.Is("=") && !op.Is("!=") {
		if op.Is("~=") || op.Is("~~") {
			p.next()
			p.term()
			return p.unknown("a regular expression match (%s)", op.Text)
		}
		return a
	}
	p.next()
	b := p.term()
	if a.kind == triUnknown || b.kind == triUnknown {
		return value{kind: triUnknown}
	}
	var eq bool
	switch an, bn := a.kind == triNull, b.kind == triNull; {
	case an && bn:
		eq = true
	case an || bn:
		eq = false
	default:
		eq = bytes.Equal(a.data, b.data)
	}
	if op.Is("!=") {
		eq = !eq
	}
	if eq {
		return value{kind: triTrue}
	}
	return value{kind: triFalse}
}

func (p *exprParser) term() value {
	t := p.next()
	switch {
	case t.Is("("):
		v := p.or()
		if !p.next().Is(")") {
			return p.unknown("unbalanced parentheses")
		}
		return v
	case t.Kind == dhcpdconf.String:
		return value{data: []byte(t.Text), isData: true}
	case t.Is("exists"):
		name := p.next()
		code, ok := p.code(name.Text)
		if !ok {
			return p.unknown("exists %s: an option import does not know", name.Text)
		}
		if _, sent := p.c.option(code); sent {
			return value{kind: triTrue}
		}
		return value{kind: triFalse}
	case t.Is("option"):
		name := p.next()
		code, ok := p.code(name.Text)
		if !ok {
			return p.unknown("option %s: an option import does not know", name.Text)
		}
		data, sent := p.c.option(code)
		if !sent {
			return value{kind: triNull, isData: true}
		}
		return value{data: data, isData: true}
	case t.Is("substring"):
		if !p.next().Is("(") {
			return p.unknown("substring without (")
		}
		v := p.term()
		if !p.next().Is(",") {
			return p.unknown("substring's arguments")
		}
		off, err1 := strconv.Atoi(p.next().Text)
		if !p.next().Is(",") {
			return p.unknown("substring's arguments")
		}
		n, err2 := strconv.Atoi(p.next().Text)
		if !p.next().Is(")") || err1 != nil || err2 != nil {
			return p.unknown("substring's arguments")
		}
		if v.kind == triNull || v.kind == triUnknown {
			return v
		}
		d := v.data
		if off > len(d) {
			off = len(d)
		}
		d = d[off:]
		if n < len(d) {
			d = d[:n]
		}
		return value{data: d, isData: true}
	case t.Kind == dhcpdconf.Word:
		if b, ok := hexWord(t.Text); ok {
			return value{data: b, isData: true}
		}
		return p.unknown("%s in a condition", t.Text)
	}
	return p.unknown("%s in a condition", t)
}

// hexWord reads a colon-separated hex word, as dhcpd writes data (00:07,
// 4:69:50:58:45).
func hexWord(s string) ([]byte, bool) {
	if !strings.Contains(s, ":") {
		return nil, false
	}
	var out []byte
	for _, part := range strings.Split(s, ":") {
		if len(part) == 0 || len(part) > 2 {
			return nil, false
		}
		if len(part) == 1 {
			part = "0" + part
		}
		b, err := hex.DecodeString(part)
		if err != nil {
			return nil, false
		}
		out = append(out, b...)
	}
	return out, true
}
