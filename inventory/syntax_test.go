package inventory

import "testing"

func TestParseMAC(t *testing.T) {
	for in, want := range map[string]string{
		"52:54:00:12:34:56": "52:54:00:12:34:56",
		"52-54-00-AB-CD-EF": "52:54:00:ab:cd:ef",
		"3C:EC:ef:10:20:30": "3c:ec:ef:10:20:30",
	} {
		got, err := ParseMAC(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseMAC(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "52:54:00:12:34", "52:54-00:12:34:56", "525400123456", "52:54:00:12:34:56:78",
		"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01", "33:33:00:00:00:01", "5g:54:00:12:34:56"} {
		if _, err := ParseMAC(in); err == nil {
			t.Errorf("ParseMAC(%q) accepted", in)
		}
	}
}

func TestCheckArgsRefusesScriptSyntax(t *testing.T) {
	for _, ok := range []string{"", "ip=dhcp", "console=ttyS0,115200n8 quiet", "ks=http://h/ks?a=1&b=2", "rd.break=[x]"} {
		if msg := checkArgs(ok); msg != "" {
			t.Errorf("checkArgs(%q) = %s", ok, msg)
		}
	}
	for _, bad := range []string{"a\nb", "a\tb", "a && b", "a || b", "#x", "a \\", `a "b"`, "a 'b'", "${x}", "a;b", "a{b}", "a<b", "a`b`", "initrd=x", "é"} {
		if msg := checkArgs(bad); msg == "" {
			t.Errorf("checkArgs(%q) accepted", bad)
		}
	}
}
