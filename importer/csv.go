package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"

	"github.com/pxegen/pxegen/inventory"
)

// csv reads hosts from a file of lines mac,name,ip[,profile]: a first line
// whose first field is "mac" is a header; # starts a comment line. The ip
// may be empty, or carry its prefix length (10.1.1.20/24), which gives the
// network when no other source does.
func (im *importer) csv(path string) error {
	src, err := readSource(path)
	if err != nil {
		return err
	}
	rd := csv.NewReader(strings.NewReader(src))
	rd.Comment = '#'
	rd.FieldsPerRecord = -1
	rd.TrimLeadingSpace = true
	for first := true; ; first = false {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			// No record, so no FieldPos: where the record started.
			return fmt.Errorf("import: %s:%d: %w", path, pe.StartLine, pe.Err)
		}
		if err != nil {
			return fmt.Errorf("import %s: %w", path, err)
		}
		line, _ := rd.FieldPos(0)
		here := fmt.Sprintf("%s:%d", path, line)
		if first && strings.EqualFold(strings.TrimSpace(rec[0]), "mac") {
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if len(rec) < 2 || len(rec) > 4 {
			im.notef(here, "%d %s; want mac,name,ip[,profile]: not imported", len(rec), map[bool]string{true: "field", false: "fields"}[len(rec) == 1])
			continue
		}
		hw, err := net.ParseMAC(rec[0])
		if err != nil || len(hw) != 6 {
			im.notef(here, "%q is not a MAC address: not imported", rec[0])
			continue
		}
		h, fresh := im.host(hw.String(), "from "+here)
		if !fresh {
			im.notef(here, "MAC %s is already a host's; merged", hw)
		}
		if h.Name == "" {
			h.Name = im.hostName(rec[1], here)
		}
		if len(rec) > 2 && rec[2] != "" {
			im.hostAddress(h, rec[2], here)
		}
		if len(rec) > 3 && rec[3] != "" {
			if h.Profile != "" && h.Profile != rec[3] {
				im.notef(here, "profile %s: the host already boots %s", rec[3], h.Profile)
			} else {
				h.Profile = rec[3]
				im.profile(rec[3], here)
			}
		}
	}
}

// hostAddress sets a host's address, written as an address or with its
// prefix length; with a prefix that no network holds, the network too.
func (im *importer) hostAddress(h *inventory.Host, text, here string) {
	addrText, prefixText, withPrefix := strings.Cut(text, "/")
	ip, err := inventory.ParseIPv4(addrText)
	if err != nil {
		im.notef(here, "%s: %v; the host gets no fixed address", text, err)
		return
	}
	if h.IP != "" && h.IP != ip.String() {
		im.notef(here, "address %s: the host already has %s", ip, h.IP)
		return
	}
	h.IP = ip.String()
	if im.networkOf(ip) >= 0 {
		return
	}
	if !withPrefix {
		im.notef(here, "%s is in no network the sources give: add one, or write the address with its prefix length (%s/24)", ip, ip)
		return
	}
	prefix, err := netip.ParsePrefix(ip.String() + "/" + prefixText)
	if err != nil {
		im.notef(here, "%s: not an address with a prefix length", text)
		return
	}
	im.network(prefix.Masked(), "", here)
}
