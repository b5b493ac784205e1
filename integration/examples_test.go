//go:build integration

package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestAnsiblePlaybook checks the Ansible example with ansible-playbook's
// own syntax check. (The shell recipe runs end to end in make test.)
func TestAnsiblePlaybook(t *testing.T) {
	requireCommands(t, "ansible-playbook")
	dir := t.TempDir()
	for _, f := range []string{"playbook.yml", "hosts"} {
		copyFile(t, filepath.Join("..", "examples", "ansible", f), filepath.Join(dir, f), 0o644)
	}
	copyFile(t, "testdata/site.yaml", filepath.Join(dir, "site.yaml"), 0o644)
	cmd := exec.Command("ansible-playbook", "--syntax-check", "-i", "hosts", "playbook.yml")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ANSIBLE_LOCAL_TEMP="+dir, "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ansible-playbook --syntax-check: %v\n%s", err, out)
	}
	t.Logf("check ansible playbook: syntax accepted")
}
