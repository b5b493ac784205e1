package generate_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/internal/golden"
	"github.com/pxegen/pxegen/inventory"
)

// policy is what a DHCP server's file tells it about one network's leases,
// with the server's own default for whatever the file leaves out.
type policy struct {
	Lease    int // given to a client that asks for no lease time
	MinLease int // the shortest a client may ask for
	MaxLease int // the longest a client may ask for
	// Authoritative: the server answers a request for an address it did
	// not give (a client that moved networks) with a NAK.
	Authoritative bool
}

// TestServersAgree renders every golden inventory for each DHCP server
// and reads back, per network, the lease times each file gives and
// whether the server is authoritative: the three servers must answer
// alike, as the inventory says (lease_time, or the documented default; a
// client may ask for less, down to dnsmasq's floor of 120 s, never for
// more; authoritative unless the network says otherwise).
func TestServersAgree(t *testing.T) {
	files, _ := filepath.Glob("../golden/*/inventory.yaml")
	engine, err := generate.New("")
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inventory.Parse("inventory.yaml", data); err != nil {
			continue // an invalid case
		}
		for _, dhcp := range inventory.DHCPTargets {
			inv, err := inventory.Parse("inventory.yaml", data, inventory.WithTargets(dhcp, ""), inventory.WithPeer(golden.Peer(t, filepath.Dir(file))), inventory.WithSite(golden.Site(t, filepath.Dir(file))))
			if list, ok := errors.AsType[inventory.ErrorList](err); ok && list.OnlyFor(dhcp) {
				t.Logf("%s is refused for %s, as it asks what %s cannot do: %v", file, dhcp, dhcp, err)
				continue
			}
			if err != nil {
				t.Fatalf("%s for %s: %v", file, dhcp, err)
			}
			tree, err := engine.Render(inv)
			if err != nil {
				t.Fatal(err)
			}
			got, err := policies(inv, tree)
			if err != nil {
				t.Fatalf("%s for %s: %v", file, dhcp, err)
			}
			want := map[string]policy{}
			for _, n := range inv.Networks {
				if n.IPv6Only() {
					continue // DHCPv4 serves it not
				}
				lease := inventory.DefaultLeaseTime
				if n.LeaseTime != nil {
					lease = *n.LeaseTime
				}
				want[n.Name] = policy{Lease: lease, MinLease: inventory.MinLeaseTime, MaxLease: lease, Authoritative: *n.Authoritative}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s for %s: the networks' lease times and authority (-inventory +%s):\n%s", file, dhcp, dhcp, diff)
			}
			cases++
		}
	}
	if cases == 0 {
		t.Fatal("no golden inventories")
	}
}

// policies reads each network's policy from the DHCP server's file in tree.
func policies(inv *inventory.Inventory, tree filetree.Tree) (map[string]policy, error) {
	file := map[string]string{
		inventory.TargetDhcpd:   inv.Paths.DhcpdConf,
		inventory.TargetKea:     inv.Paths.KeaConf,
		inventory.TargetDnsmasq: inv.Paths.DnsmasqConf,
	}[inv.Targets.DHCP]
	var text string
	for _, f := range tree {
		if "/"+f.Path == file {
			text = string(f.Data)
		}
	}
	if text == "" {
		return nil, fmt.Errorf("no %s in the tree", file)
	}
	switch inv.Targets.DHCP {
	case inventory.TargetDhcpd:
		return dhcpdPolicies(inv, text)
	case inventory.TargetKea:
		return keaPolicies(inv, text)
	}
	return dnsmasqPolicies(inv, text)
}

var (
	dhcpdStatement     = regexp.MustCompile(`^\s*(default-lease-time|max-lease-time|min-lease-time) (\d+);$`)
	dhcpdAuthoritative = regexp.MustCompile(`^\s*(not )?authoritative;$`)
)

// dhcpdPolicies reads the subnet blocks of dhcpd.conf, and the global
// statements before them. dhcpd's own defaults (dhcpd.conf(5)): 43200 s,
// at most 86400 s, a request for less than 300 s gets 300 s
// (DEFAULT_MIN_LEASE_TIME), not authoritative.
func dhcpdPolicies(inv *inventory.Inventory, text string) (map[string]policy, error) {
	out := map[string]policy{}
	lines := strings.Split(text, "\n")
	global := false
	for _, l := range lines {
		if m := dhcpdAuthoritative.FindStringSubmatch(l); m != nil && !strings.HasPrefix(l, " ") {
			global = m[1] == ""
		}
	}
	for _, n := range inv.Networks {
		if n.IPv6Only() {
			continue // DHCPv4 serves it not
		}
		subnet, _ := inventory.ParseSubnet(n.Subnet)
		head := "subnet " + subnet.Addr().String() + " "
		p := policy{Lease: 43200, MinLease: 300, MaxLease: 86400, Authoritative: global}
		in, found := false, false
		for _, l := range lines {
			switch {
			case strings.HasPrefix(l, head):
				in, found = true, true
			case l == "}":
				in = false
			case in && dhcpdAuthoritative.MatchString(l):
				p.Authoritative = dhcpdAuthoritative.FindStringSubmatch(l)[1] == ""
			case in:
				if m := dhcpdStatement.FindStringSubmatch(l); m != nil {
					v, _ := strconv.Atoi(m[2])
					switch m[1] {
					case "default-lease-time":
						p.Lease = v
					case "max-lease-time":
						p.MaxLease = v
					case "min-lease-time":
						p.MinLease = v
					}
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("no subnet block for network %s", n.Name)
		}
		out[n.Name] = p
	}
	return out, nil
}

// keaPolicies reads the subnet4 entries of kea-dhcp4.conf, and the global
// values they inherit. Kea's own defaults: a valid-lifetime of 7200 s, min
// and max equal to it, not authoritative.
func keaPolicies(inv *inventory.Inventory, text string) (map[string]policy, error) {
	type lifetimes struct {
		Valid         *int  `json:"valid-lifetime"`
		Min           *int  `json:"min-valid-lifetime"`
		Max           *int  `json:"max-valid-lifetime"`
		Authoritative *bool `json:"authoritative"`
	}
	var doc struct {
		Dhcp4 struct {
			lifetimes
			Subnet4 []struct {
				Subnet string `json:"subnet"`
				lifetimes
			} `json:"subnet4"`
		}
	}
	if err := json.Unmarshal(golden.KeaJSON(text), &doc); err != nil {
		return nil, err
	}
	pick := func(vals ...*int) int {
		for _, v := range vals {
			if v != nil {
				return *v
			}
		}
		return 7200
	}
	g := doc.Dhcp4.lifetimes
	out := map[string]policy{}
	for _, n := range inv.Networks {
		if n.IPv6Only() {
			continue // DHCPv4 serves it not
		}
		subnet, _ := inventory.ParseSubnet(n.Subnet)
		found := false
		for _, s := range doc.Dhcp4.Subnet4 {
			if s.Subnet != subnet.String() {
				continue
			}
			found = true
			valid := pick(s.Valid, g.Valid)
			auth := false
			for _, a := range []*bool{g.Authoritative, s.Authoritative} {
				if a != nil {
					auth = *a
				}
			}
			out[n.Name] = policy{Lease: valid, MinLease: pick(s.Min, g.Min, &valid), MaxLease: pick(s.Max, g.Max, &valid), Authoritative: auth}
		}
		if !found {
			return nil, fmt.Errorf("no subnet4 entry for network %s", n.Name)
		}
	}
	return out, nil
}

// dnsmasqPolicies reads the dhcp-range lines of the drop-in, and
// dhcp-authoritative, which holds for every range. dnsmasq's own defaults:
// 3600 s, and it grants a shorter request down to 120 s (its floor,
// src/rfc2131.c), never a longer one; not authoritative.
func dnsmasqPolicies(inv *inventory.Inventory, text string) (map[string]policy, error) {
	out := map[string]policy{}
	auth := false
	for _, l := range strings.Split(text, "\n") {
		auth = auth || l == "dhcp-authoritative"
	}
	for _, n := range inv.Networks {
		if n.IPv6Only() {
			continue // DHCPv4 serves it not
		}
		head := "dhcp-range=set:net-" + n.Name + ","
		found := false
		for _, l := range strings.Split(text, "\n") {
			rest, ok := strings.CutPrefix(l, head)
			if !ok {
				continue
			}
			found = true
			fields := strings.Split(rest, ",")
			lease := 3600
			if v, err := strconv.Atoi(fields[len(fields)-1]); err == nil && len(fields) == 4 {
				lease = v
			}
			out[n.Name] = policy{Lease: lease, MinLease: 120, MaxLease: lease, Authoritative: auth}
		}
		if !found {
			return nil, fmt.Errorf("no dhcp-range for network %s", n.Name)
		}
	}
	return out, nil
}

var (
	dhcpdFilename = regexp.MustCompile(`filename "([^"]*)";`)
	keaFilename   = regexp.MustCompile(`"boot-file-name": "([^"]*)"`)
)

// bootFiles lists every boot file name the DHCP server's file in tree
// sends, which lands in the BOOTP file field.
func bootFiles(inv *inventory.Inventory, tree filetree.Tree) []string {
	var out []string
	for _, f := range tree {
		switch "/" + f.Path {
		case inv.Paths.DhcpdConf:
			for _, m := range dhcpdFilename.FindAllStringSubmatch(string(f.Data), -1) {
				out = append(out, m[1])
			}
		case inv.Paths.KeaConf:
			for _, m := range keaFilename.FindAllStringSubmatch(string(f.Data), -1) {
				out = append(out, m[1])
			}
		case inv.Paths.DnsmasqConf:
			for _, l := range strings.Split(string(f.Data), "\n") {
				if rest, ok := strings.CutPrefix(l, "dhcp-boot="); ok {
					for _, field := range strings.Split(rest, ",") {
						if !strings.HasPrefix(field, "tag:") {
							out = append(out, field)
							break
						}
					}
				}
			}
		}
	}
	return out
}

// TestBootFileBoundary lengthens http_url until the longest boot file name
// a DHCP server's file sends is exactly inventory.MaxBootFileLen bytes, the
// most the BOOTP file field holds with its NUL: that inventory is valid
// for every server, and one byte more is refused at server.http_url.
// Whatever URL generate builds, the validator must count it.
func TestBootFileBoundary(t *testing.T) {
	engine, err := generate.New("")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../golden/*/inventory.yaml")
	cases := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, dhcp := range inventory.DHCPTargets {
			inv, err := inventory.Parse("inventory.yaml", data, inventory.WithTargets(dhcp, ""), inventory.WithPeer(golden.Peer(t, filepath.Dir(file))), inventory.WithSite(golden.Site(t, filepath.Dir(file))))
			if err != nil {
				continue // an invalid case, or one for another server
			}
			tree, err := engine.Render(inv)
			if err != nil {
				t.Fatal(err)
			}
			longest := 0
			for _, b := range bootFiles(inv, tree) {
				longest = max(longest, len(b))
			}
			if !slices.ContainsFunc(inv.Networks, func(n inventory.Network) bool { return !n.IPv6Only() }) {
				continue // DHCPv4 gives no boot file; option 59 has no 128-byte field
			}
			pad := inventory.MaxBootFileLen - longest
			if longest == 0 || pad < 1 {
				t.Fatalf("%s for %s: longest boot file %d bytes", file, dhcp, longest)
			}
			base := strings.TrimSuffix(inv.Server.HTTPURL, "/")
			for _, extra := range []int{0, 1} {
				inv.Server.HTTPURL = base + strings.Repeat("x", pad+extra) + "/"
				if six := inv.Server.HTTPURL6; six != "" {
					// The same Alias, as the default http_url6 has.
					u, _ := url.Parse(inv.Server.HTTPURL)
					inv.Server.HTTPURL6 = six[:strings.Index(six, "]")+1] + u.Path
				}
				err := inv.Validate()
				if extra == 1 {
					var list inventory.ErrorList
					if !errors.As(err, &list) || len(list) == 0 || !strings.HasSuffix(list[0].Path, "server.http_url") || !strings.Contains(err.Error(), "boot file") {
						t.Errorf("%s for %s: a boot file of %d bytes: err = %v, want a refusal at server.http_url", file, dhcp, inventory.MaxBootFileLen+1, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s for %s: boot files of at most %d bytes refused: %v", file, dhcp, inventory.MaxBootFileLen, err)
					continue
				}
				tree, err := engine.Render(inv)
				if err != nil {
					t.Fatal(err)
				}
				got := 0
				for _, b := range bootFiles(inv, tree) {
					got = max(got, len(b))
				}
				if got != inventory.MaxBootFileLen {
					t.Errorf("%s for %s: padded by %d, the longest boot file is %d bytes", file, dhcp, pad, got)
				}
			}
			cases++
		}
	}
	if cases == 0 {
		t.Fatal("no golden inventories")
	}
}
