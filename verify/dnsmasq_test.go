package verify

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// TestDnsmasqChecksHostFiles: `dnsmasq --test` does not read the host and
// option files the drop-in names, so verify puts their lines into the copy
// it checks. A bad line in either fails the check, naming the drop-in.
func TestDnsmasqChecksHostFiles(t *testing.T) {
	if _, err := exec.LookPath("dnsmasq"); err != nil {
		t.Skip("dnsmasq is not installed (make deps)")
	}
	inv, tree := parseAndRender(t, "server: {ip: 10.1.1.1}\ntargets: {dhcp: dnsmasq}\n"+
		"networks: [{name: lab, subnet: 10.1.1.0/24}]\nprofiles: {p: {kernel: k}}\n"+
		"hosts: [{name: h1, mac: '52:54:00:00:00:01', ip: 10.1.1.5, profile: p, options: {ntp_servers: 10.1.1.9}}]\n")
	check := func() Result {
		t.Helper()
		results, err := Rendered(context.Background(), inv, tree, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			if r.Check == "dnsmasq" {
				return r
			}
		}
		t.Fatal("no dnsmasq check")
		return Result{}
	}
	if r := check(); r.Status != Passed || !strings.Contains(r.Detail, "inlined") {
		t.Fatalf("the rendered files: %s: %s", r.Status, r.Detail)
	}
	for _, c := range []struct{ file, line string }{
		{inv.Paths.DnsmasqHosts, "52:54:00:00:00:02,[::1,h2"},
		{inv.Paths.DnsmasqOpts, "tag:host-h1,option:no-such-option,1"},
	} {
		for i := range tree {
			if "/"+tree[i].Path == c.file {
				good := tree[i].Data
				tree[i].Data = append(append([]byte{}, good...), c.line+"\n"...)
				r := check()
				tree[i].Data = good
				// The line dnsmasq names is the one added, in its own file.
				at := fmt.Sprintf("line %d of %s", bytes.Count(good, []byte("\n"))+1, c.file)
				if r.Status != Failed || !strings.Contains(r.Detail, at) {
					t.Errorf("%s with %q: %s: %s; want it failed at %s", c.file, c.line, r.Status, r.Detail, at)
				}
			}
		}
	}
}
