package generate

import (
	"fmt"

	"github.com/pxegen/pxegen/inventory"
)

// explain6 is Explain for a client that boots over IPv6: DHCPv6's answer
// by option 61, the loader over TFTP or HTTP from the server's IPv6
// address, then iPXE's scripts as over IPv4.
func (x *explainer) explain6(id string, byClientID bool) (*Explanation, error) {
	if byClientID {
		return nil, &QueryError{fmt.Sprintf("%s is an InfiniBand interface's, which boots over IPv4 only here", x.who)}
	}
	if err := x.locate6(); err != nil {
		return nil, err
	}
	x.begin(id, false)
	x.firmware6()
	return x.explain, nil
}

// locate6 finds the client's IPv6 address and network.
func (x *explainer) locate6() error {
	if !x.site.IPv6 {
		return &QueryError{"no network of the inventory has a subnet6, so nothing answers DHCPv6"}
	}
	ip := x.q.IP
	if x.host != nil && x.host.IP6 != "" {
		if ip != "" && ip != x.host.IP6 {
			return &QueryError{fmt.Sprintf("host %s has the fixed IPv6 address %s, so DHCPv6 never gives it %s", x.hostName(), x.host.IP6, ip)}
		}
		ip = x.host.IP6
	}
	if ip == "" {
		what := "is no host's"
		if x.host != nil {
			what = "belongs to host " + x.hostName() + ", which has no fixed IPv6 address"
		}
		return &QueryError{fmt.Sprintf("%s %s: give --ip, the IPv6 address it gets, so explain knows its network", x.who, what)}
	}
	addr, err := inventory.ParseIPv6(ip)
	if err != nil {
		return &QueryError{err.Error()}
	}
	x.q.IP = addr.String()
	for i, n := range x.site.Networks {
		if n.V6 != nil && n.V6.Subnet.Contains(addr) {
			x.net, x.netAt = n, fmt.Sprintf("networks[%d]", i)
		}
	}
	if x.net == nil {
		return &QueryError{fmt.Sprintf("%s is in no network's subnet6, so no DHCPv6 server of the inventory answers", addr)}
	}
	return nil
}

// firmware6 is the firmware's DHCPv6 exchange: option 59 by option 61.
func (x *explainer) firmware6() {
	s := x.site
	server := fmt.Sprintf("%s's DHCPv6 (network %s, %s)", s.Targets.DHCP, x.net.Name, x.net.V6.Subnet)
	t := archType(x.code)
	about := fmt.Sprintf("option 61 = %d (%s)", t.Code, t.Name)
	fixed := ""
	if x.host != nil && x.host.IP6 != "" {
		fixed = fmt.Sprintf(", fixed address %s for host %s", x.host.IP6, x.hostName())
	}
	because := x.where(x.netAt + ".subnet6")
	var loader Loader
	ok := false
	for _, l := range x.net.V6.Loaders {
		if l.Code == t.Code {
			loader, ok = l, true
		}
	}
	if !ok {
		why := "pxegen gives DHCPv6 boot files to x86-64 UEFI only (PXE and HTTP boot)"
		switch {
		case t.Code == 0:
			why = "BIOS PXE ROMs and PXELINUX have no IPv6: BIOS machines boot over IPv4"
		case x.net.SecureBoot:
			why, because = "the Secure Boot chain is rendered for DHCPv4 only: such machines boot over IPv4", x.where(x.netAt+".secure_boot")
		case t.Code == 16 && s.Targets.DHCP == inventory.TargetDnsmasq:
			why, because = "dnsmasq cannot send the vendor class UEFI HTTP boot needs back (option 16 with enterprise 343), so it gives HTTP boot over IPv6 nothing: such machines PXE boot", x.where("targets.dhcp")
		}
		x.step(Step{Stage: "dhcp", Summary: fmt.Sprintf("%s answers %s with no boot file URL%s: %s", server, about, fixed, why), Because: because})
		x.explain.Boots = Boot{Via: "none", Because: because}
		return
	}
	if t.HTTP {
		about += ", option 16 HTTPClient echoed back"
	}
	x.step(Step{Stage: "dhcp", Summary: fmt.Sprintf("%s answers %s: boot file URL (option 59) %s%s", server, about, loader.File, fixed), Because: because})
	stage := "tftp"
	if t.HTTP {
		stage = "http"
	}
	x.step(Step{Stage: stage, Summary: "the firmware fetches " + loader.File + " and runs it", Fetch: s.Bootloaders.UEFI})
	if x.host != nil && x.host.Profile != nil {
		url := s.Server6.KnownScriptURL
		x.step(Step{Stage: "dhcp", Summary: fmt.Sprintf("iPXE asks DHCPv6 again with user class iPXE; host %s's entry gives it boot file URL %s", x.hostName(), url),
			Fetch: x.below(url), Because: x.where(x.nicAt)})
		x.runIPXE(url)
		return
	}
	x.step(Step{Stage: "dhcp", Summary: fmt.Sprintf("iPXE asks DHCPv6 again with user class iPXE: boot file URL %s", x.net.V6.BootScriptURL),
		Fetch: x.below(x.net.V6.BootScriptURL), Because: x.where(x.netAt)})
	x.runIPXE(x.net.V6.BootScriptURL)
}
