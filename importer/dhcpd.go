package importer

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/pxegen/pxegen/internal/dhcpdconf"
	"github.com/pxegen/pxegen/inventory"
)

// A dhcpd.conf is read as dhcpd reads it: statements in scopes (global,
// shared-network, subnet, pool, group, host), each inner scope's
// statements executed after the outer ones, so that they win; if chains
// evaluated for each kind of client (see clients) to see what each
// firmware gets; includes read where they stand.

// optDecl is an option the file declares: option NAME code N = TYPE.
type optDecl struct {
	code int
	typ  string // the dhcpd type, as written
	pos  dhcpdconf.Pos
}

type dhcpdReader struct {
	im      *importer
	decls   map[string]optDecl
	nets    []*dnet
	hosts   []*dhost
	classes []*dhcpdconf.Statement // with match if: applied to the clients they match
	depth   int                    // of includes
	incs    includes
}

// dnet is a subnet declaration and the scopes it sits in, outermost first.
type dnet struct {
	stmt   *dhcpdconf.Statement
	prefix netip.Prefix
	scopes [][]*dhcpdconf.Statement
	shared string
	ranges []*dhcpdconf.Statement
}

// dhost is a host declaration and its scopes, outermost first.
type dhost struct {
	stmt   *dhcpdconf.Statement
	scopes [][]*dhcpdconf.Statement
}

// builtinCodes are the option names dhcpd knows that if chains test.
var builtinCodes = map[string]int{
	"user-class": 77, "vendor-class-identifier": 60, "dhcp-client-identifier": 61, "host-name": 12,
	"vendor-encapsulated-options": 43,
}

// maxIncludeDepth bounds includes of includes.
const maxIncludeDepth = 16

// maxIncludes bounds the includes read in all, from one source: a file
// that includes the next twice, 16 deep, would be read 2^16 times.
const maxIncludes = 256

// includes are the files being read, the outermost first, and how many
// includes were read in all: an include of a file being read is a loop,
// which would read it again and again (up to maxIncludeDepth), importing
// each of its entries once per turn.
type includes struct {
	open  []string // absolute, cleaned
	read  int
	bytes int // of the included files read
}

// maxIncludeBytes bounds the bytes of the included files read in all,
// from one source, as MaxSourceSize bounds each: 256 includes of one big
// file would otherwise be read, and held, 256 times.
var maxIncludeBytes = MaxSourceSize

// size counts n bytes of the included file path, and says why it is not
// read when they are too many ("" when it is read).
func (c *includes) size(path string, n int) string {
	if len(c.open) < 2 {
		return "" // the source itself
	}
	if c.bytes+n > maxIncludeBytes {
		return fmt.Sprintf("more than %d MiB of includes read in all; %s not read", maxIncludeBytes>>20, path)
	}
	c.bytes += n
	return ""
}

// enter says why path cannot be read now ("" when it can), and else
// records it as being read; leave ends that.
func (c *includes) enter(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = filepath.Clean(path)
	}
	for _, o := range c.open {
		if o == abs {
			return fmt.Sprintf("%s includes itself (a loop); not read again", path)
		}
	}
	if len(c.open) > 0 {
		if c.read >= maxIncludes {
			return fmt.Sprintf("more than %d includes read in all; %s not read", maxIncludes, path)
		}
		c.read++
	}
	c.open = append(c.open, abs)
	return ""
}

func (c *includes) leave() { c.open = c.open[:len(c.open)-1] }

func (im *importer) dhcpd(path string) error {
	r := &dhcpdReader{im: im, decls: map[string]optDecl{}}
	stmts, err := r.read(path, nil)
	if err != nil {
		return err
	}
	r.walk(stmts, [][]*dhcpdconf.Statement{stmts}, "")
	r.apply(stmts)
	return nil
}

// read parses path and the files it includes, in place.
func (r *dhcpdReader) read(path string, from *dhcpdconf.Statement) ([]*dhcpdconf.Statement, error) {
	if why := r.incs.enter(path); why != "" {
		r.im.notef(where(from), "include %q: %s", from.Arg(0).Text, why)
		return nil, nil
	}
	defer r.incs.leave()
	src, err := readSource(path)
	if err != nil {
		if from != nil {
			r.im.notef(where(from), "include %q: %v; its statements are not imported", path, err)
			return nil, nil
		}
		return nil, err
	}
	if why := r.incs.size(path, len(src)); why != "" {
		r.im.notef(where(from), "include %q: %s", from.Arg(0).Text, why)
		return nil, nil
	}
	f, err := dhcpdconf.Parse(path, src)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return r.expand(f.Statements, path)
}

// expand replaces include statements by the statements of the files they
// name, resolved against the including file's directory.
func (r *dhcpdReader) expand(stmts []*dhcpdconf.Statement, file string) ([]*dhcpdconf.Statement, error) {
	var out []*dhcpdconf.Statement
	for _, s := range stmts {
		if s.Keyword() == "include" && !s.Block {
			name := s.Arg(0)
			if name.Kind != dhcpdconf.String {
				r.im.notef(where(s), "%s: an include takes a quoted file name", s.Text())
				continue
			}
			if r.depth >= maxIncludeDepth {
				r.im.notef(where(s), "includes nested more than %d deep; %s not read", maxIncludeDepth, name.Text)
				continue
			}
			p := name.Text
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(file), p)
			}
			r.depth++
			inc, err := r.read(p, s)
			r.depth--
			if err != nil {
				return nil, err
			}
			if inc != nil {
				r.im.notef(where(s), "include %q: its statements are imported as if written here, and pxegen writes no include of it (paths.dhcpd_include includes a file of the site's own)", name.Text)
			}
			out = append(out, inc...)
			continue
		}
		if s.Block {
			body, err := r.expand(s.Body, file)
			if err != nil {
				return nil, err
			}
			s.Body = body
		}
		out = append(out, s)
	}
	return out, nil
}

// where is a statement's FILE:LINE.
func where(s *dhcpdconf.Statement) string {
	p := s.Pos()
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// walk finds the declarations (subnets, hosts) in stmts, whose scopes,
// outermost first, are scopes.
func (r *dhcpdReader) walk(stmts []*dhcpdconf.Statement, scopes [][]*dhcpdconf.Statement, shared string) {
	in := func(body []*dhcpdconf.Statement) [][]*dhcpdconf.Statement {
		return append(append([][]*dhcpdconf.Statement(nil), scopes...), body)
	}
	for _, s := range stmts {
		switch kw := s.Keyword(); {
		case kw == "option" && s.Arg(1).Is("code"):
			r.declare(s)
		case kw == "subnet" && s.Block:
			n := r.subnet(s, in(s.Body), shared)
			if n != nil {
				r.nets = append(r.nets, n)
			}
			r.walk(s.Body, in(s.Body), shared)
		case kw == "shared-network" && s.Block:
			name := s.Arg(0).Text
			r.im.notef(where(s), "shared-network %s: its subnets are separate networks in pxegen, which writes no shared-network; dhcpd then serves each on an interface with an address in it", name)
			r.walk(s.Body, in(s.Body), name)
		case kw == "group" && s.Block:
			r.walk(s.Body, in(s.Body), shared)
		case kw == "host" && s.Block:
			r.hosts = append(r.hosts, &dhost{stmt: s, scopes: in(s.Body)})
		case kw == "pool" && s.Block:
			r.pool(s)
		case kw == "class" && s.Block && matchIf(s) != nil:
			// A class whose members a test picks: its statements apply to
			// the clients it matches, after their subnet's.
			r.classes = append(r.classes, s)
		case kw == "class" || kw == "subclass":
			r.im.notef(where(s), "%s: a class without a match if test is not imported", s.Text())
		case kw == "failover" || kw == "key" || kw == "zone" || kw == "omapi-port" || kw == "omapi-key":
			r.im.notef(where(s), "%s: not imported (pxegen writes no failover, DDNS keys or OMAPI)", s.Text())
		}
	}
}

// declare records an option declaration.
func (r *dhcpdReader) declare(s *dhcpdconf.Statement) {
	name := s.Arg(0).Text
	code, err := strconv.Atoi(s.Arg(2).Text)
	if err != nil || !s.Arg(3).Is("=") {
		r.im.notef(where(s), "%s: an option declaration import cannot read", s.Text())
		return
	}
	var typ []string
	for _, t := range s.Words[5:] {
		typ = append(typ, t.Text)
	}
	r.decls[name] = optDecl{code: code, typ: strings.Join(typ, " "), pos: s.Pos()}
}

// code returns the code of an option name: declared, or one dhcpd knows.
func (r *dhcpdReader) code(name string) (int, bool) {
	if d, ok := r.decls[name]; ok && !strings.Contains(name, ".") {
		return d.code, true
	}
	if strings.HasPrefix(name, "ipxe.") {
		return 175, true // iPXE's own options, which only iPXE sends
	}
	if c, ok := builtinCodes[name]; ok {
		return c, true
	}
	for _, n := range inventory.NamedOptions {
		if n.Dhcpd == name {
			return n.Code, true
		}
	}
	if c, ok := dhcpdStandard[name]; ok {
		return c, true
	}
	return 0, false
}

// subnet reads a subnet declaration: subnet ADDRESS netmask MASK.
func (r *dhcpdReader) subnet(s *dhcpdconf.Statement, scopes [][]*dhcpdconf.Statement, shared string) *dnet {
	addr, err1 := netip.ParseAddr(s.Arg(0).Text)
	mask, err2 := netip.ParseAddr(s.Arg(2).Text)
	if err1 != nil || err2 != nil || !s.Arg(1).Is("netmask") || !addr.Is4() || !mask.Is4() {
		r.im.notef(where(s), "%s: a subnet declaration import cannot read", s.Text())
		return nil
	}
	m := mask.As4()
	bits := 0
	for _, b := range m {
		for i := 7; i >= 0; i-- {
			if b&(1<<i) != 0 {
				bits++
			}
		}
	}
	prefix := netip.PrefixFrom(addr, bits)
	if prefix.Masked() != prefix {
		r.im.notef(where(s), "%s: the address has host bits set", s.Text())
		return nil
	}
	n := &dnet{stmt: s, prefix: prefix, scopes: scopes, shared: shared}
	for _, b := range s.Body {
		if b.Keyword() == "range" {
			n.ranges = append(n.ranges, b)
		}
		if b.Keyword() == "pool" && b.Block {
			for _, pb := range b.Body {
				if pb.Keyword() == "range" {
					n.ranges = append(n.ranges, pb)
				}
			}
		}
	}
	return n
}

// pool reports what a pool holds beyond its ranges.
func (r *dhcpdReader) pool(s *dhcpdconf.Statement) {
	for _, b := range s.Body {
		switch b.Keyword() {
		case "range":
		case "allow", "deny", "ignore":
			r.im.notef(where(b), "%s: pxegen's pools serve every client", b.Text())
		case "failover":
			r.im.notef(where(b), "%s: not imported (pxegen writes no failover)", b.Text())
		default:
			r.im.notef(where(b), "%s: a pool's own settings are not imported", b.Text())
		}
	}
}

// env is what a client is told in a scope: each parameter and option
// with the statement that set it last.
type env struct {
	set     map[string]*dhcpdconf.Statement
	unknown map[*dhcpdconf.Statement]string // if chains import cannot evaluate, and why
}

// eval executes scopes, outermost first, for client c.
func (r *dhcpdReader) eval(scopes [][]*dhcpdconf.Statement, c client) env {
	return r.evalHost(scopes, nil, c)
}

// evalHost executes scopes, outermost first, then the classes that match
// c, then a host's own statements (nil for none), as dhcpd runs them for
// a client: global, shared-network, subnet, pool, class, group, host.
// A host's groups are in scopes, before the classes: pxegen has no
// classes to put between them.
func (r *dhcpdReader) evalHost(scopes [][]*dhcpdconf.Statement, host []*dhcpdconf.Statement, c client) env {
	e := env{set: map[string]*dhcpdconf.Statement{}, unknown: map[*dhcpdconf.Statement]string{}}
	for _, s := range scopes {
		r.exec(s, c, &e)
	}
	r.classStatements(c, &e)
	r.exec(host, c, &e)
	return e
}

// matchIf returns the match if statement of a class, or nil.
func matchIf(class *dhcpdconf.Statement) *dhcpdconf.Statement {
	for _, s := range class.Body {
		if s.Keyword() == "match" && s.Arg(0).Is("if") {
			return s
		}
	}
	return nil
}

// classStatements runs the statements of each class that matches c.
func (r *dhcpdReader) classStatements(c client, e *env) {
	for _, cl := range r.classes {
		m := matchIf(cl)
		v, why := evalCondition(m.Words[2:], c, r.code)
		switch v {
		case triUnknown:
			e.unknown[m] = why
		case triTrue:
			r.exec(cl.Body, c, e)
		}
	}
}

// exec executes the statements of one scope, but not the declarations
// inside it, whose own scopes they are.
func (r *dhcpdReader) exec(stmts []*dhcpdconf.Statement, c client, e *env) {
	for i := 0; i < len(stmts); i++ {
		s := stmts[i]
		switch kw := s.Keyword(); kw {
		case "subnet", "shared-network", "group", "host", "pool", "class", "subclass", "failover", "key", "zone", "range", "include", "match":
		case "if":
			// The chain: if, then each elsif and else after it.
			chain := []*dhcpdconf.Statement{s}
			for i+1 < len(stmts) && (stmts[i+1].Keyword() == "elsif" || stmts[i+1].Keyword() == "else") {
				i++
				chain = append(chain, stmts[i])
			}
			r.chain(chain, c, e)
		case "elsif", "else":
			// An elsif without an if: dhcpd would refuse the file.
		case "option":
			if s.Arg(1).Is("code") || s.Arg(0).Is("space") {
				continue
			}
			e.set["option "+s.Arg(0).Text] = s
		case "not":
			e.set[s.Arg(0).Text] = s
		case "allow", "deny", "ignore":
			e.set[kw+" "+s.Arg(0).Text] = s
		default:
			e.set[kw] = s
		}
	}
}

// chain takes the first branch whose condition holds for c; a branch
// import cannot evaluate stops the chain.
func (r *dhcpdReader) chain(chain []*dhcpdconf.Statement, c client, e *env) {
	for _, b := range chain {
		var cond []dhcpdconf.Token
		switch {
		case b.Keyword() == "if" || b.Keyword() == "elsif":
			cond = b.Words[1:]
		case b.Keyword() == "else" && len(b.Words) > 1 && b.Words[1].Is("if"):
			cond = b.Words[2:]
		case b.Keyword() == "else":
			r.exec(b.Body, c, e)
			return
		}
		v, why := evalCondition(cond, c, r.code)
		switch v {
		case triUnknown:
			e.unknown[chain[0]] = why
			return
		case triTrue:
			r.exec(b.Body, c, e)
			return
		}
	}
}

// keys are the keys of e.set in the order of the statements that set
// them in the files: what import writes must not follow map order.
func (e env) keys() []string {
	keys := make([]string, 0, len(e.set))
	for k := range e.set {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := e.set[keys[i]].Pos(), e.set[keys[j]].Pos()
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return keys[i] < keys[j]
	})
	return keys
}

// arg is the first argument of the statement that set key, or "".
func (e env) arg(key string) string {
	if s := e.set[key]; s != nil {
		return s.Arg(0).Text
	}
	return ""
}

// same reports whether key is set to the same value in e and f (or in
// neither).
func (e env) same(f env, key string) bool {
	a, b := e.set[key], f.set[key]
	if a == nil || b == nil {
		return a == b
	}
	if len(a.Words) != len(b.Words) {
		return false
	}
	for i := range a.Words {
		if a.Words[i].Text != b.Words[i].Text || a.Words[i].Kind != b.Words[i].Kind {
			return false
		}
	}
	return true
}

// args are the comma-separated arguments of a statement.
func args(s *dhcpdconf.Statement) []dhcpdconf.Token {
	var out []dhcpdconf.Token
	for _, t := range s.Words[1:] {
		if !t.Is(",") {
			out = append(out, t)
		}
	}
	return out
}

// values are the comma-separated values of an option statement: none for
// a statement that names no option (option;), which the caller reports.
func values(s *dhcpdconf.Statement) []dhcpdconf.Token {
	if len(s.Words) < 2 {
		return nil
	}
	var out []dhcpdconf.Token
	for _, t := range s.Words[2:] {
		if !t.Is(",") {
			out = append(out, t)
		}
	}
	return out
}
