// Package generate renders a validated inventory into the files a boot
// server needs, entirely in memory, and says which daemons must reload
// for a plan's changes. Writing the tree is package filetree's job.
package generate

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"

	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/inventory"
	"github.com/pxegen/pxegen/templates"
)

// TemplateError is a problem with the templates themselves: an override
// with no embedded twin, a parse error, or a failed execution.
type TemplateError struct{ Err error }

func (e *TemplateError) Error() string { return e.Err.Error() }
func (e *TemplateError) Unwrap() error { return e.Err }

// Engine holds parsed templates. It is safe for concurrent Render calls.
type Engine struct {
	root *template.Template
}

// New parses the embedded templates, each replaced by the file of the same
// relative path under overrideDir when overrideDir is not empty.
func New(overrideDir string) (*Engine, error) {
	sources := map[string]string{}
	err := fs.WalkDir(templates.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := templates.FS.ReadFile(p)
		sources[p] = string(data)
		return err
	})
	if err != nil {
		return nil, err
	}
	if overrideDir != "" {
		if err := readOverrides(overrideDir, sources); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(sources))
	for name := range sources {
		names = append(names, name)
	}
	sort.Strings(names)
	root := template.New("").Option("missingkey=error").Funcs(funcMap())
	for _, name := range names {
		// Each template is named by its relative path, so that two files
		// with one base name in different targets stay distinct.
		if _, err := root.New(name).Parse(sources[name]); err != nil {
			return nil, &TemplateError{fmt.Errorf("parse template %s: %w", name, err)}
		}
	}
	return &Engine{root: root}, nil
}

// readOverrides replaces sources from dir. A file with no embedded twin is
// an error: it is almost always a typo that would otherwise be ignored.
func readOverrides(dir string, sources map[string]string) error {
	var unknown []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		r, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(r)
		if _, ok := sources[name]; !ok {
			unknown = append(unknown, name)
			return nil
		}
		data, err := os.ReadFile(p)
		sources[name] = string(data)
		return err
	})
	if err != nil {
		return fmt.Errorf("read templates: %w", err)
	}
	if len(unknown) > 0 {
		known := make([]string, 0, len(sources))
		for name := range sources {
			known = append(known, name)
		}
		sort.Strings(known)
		return &TemplateError{fmt.Errorf("templates %s: %s replaces no embedded template (they are: %s)", dir, strings.Join(unknown, ", "), strings.Join(known, ", "))}
	}
	return nil
}

// funcMap is sprig's hermetic text functions minus those that are still
// nondeterministic there, so that one inventory always renders the same
// bytes, plus pxegen's own helpers.
func funcMap() template.FuncMap {
	m := sprig.HermeticTxtFuncMap()
	for _, name := range []string{"ago", "randInt", "shuffle", "bcrypt", "htpasswd", "genPrivateKey",
		"genCA", "genCAWithKey", "genSelfSignedCert", "genSelfSignedCertWithKey", "genSignedCert",
		"genSignedCertWithKey", "encryptAES"} {
		delete(m, name)
	}
	m["required"] = func(msg string, v any) (any, error) {
		if v == nil || v == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	return m
}

// Render renders every target's files for inv into memory.
func (e *Engine) Render(inv *inventory.Inventory) (filetree.Tree, error) {
	site, err := newSite(inv)
	if err != nil {
		return nil, err
	}
	var outs []output
	var owners []string
	for _, t := range targets {
		files := t.files(site)
		outs = append(outs, files...)
		for range files {
			owners = append(owners, t.name)
		}
	}
	tree := make(filetree.Tree, 0, len(outs))
	seen := make(map[string]string, len(outs))
	var buf bytes.Buffer
	for i, o := range outs {
		if prev, dup := seen[o.path]; dup {
			return nil, fmt.Errorf("render: %s is produced by both %s and %s", o.path, prev, o.template)
		}
		seen[o.path] = o.template
		if o.encode != nil {
			data, err := o.encode()
			if err != nil {
				return nil, fmt.Errorf("render %s: %w", o.path, err)
			}
			tree = append(tree, filetree.File{Path: o.path, Data: data, Target: owners[i]})
			continue
		}
		buf.Reset()
		if err := e.root.ExecuteTemplate(&buf, o.template, o.data); err != nil {
			return nil, &TemplateError{fmt.Errorf("render %s: %w", o.path, err)}
		}
		tree = append(tree, filetree.File{Path: o.path, Data: bytes.Clone(buf.Bytes()), Target: owners[i]})
	}
	sort.Slice(tree, func(i, j int) bool { return tree[i].Path < tree[j].Path })
	return tree, nil
}
