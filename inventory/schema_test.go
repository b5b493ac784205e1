package inventory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/pxegen/pxegen/internal/golden"
)

// compileSchema compiles what Schema prints with a JSON Schema validator.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatalf("compile the schema: %v", err)
	}
	return s
}

// asJSON decodes YAML as an editor's YAML 1.2 reader does (aliases and
// merge keys expanded) and converts it to what the validator takes.
func asJSON(data []byte) (any, error) {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	text, err := json.Marshal(jsonable(doc))
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(text))
}

// jsonable turns YAML maps with keys of any type into JSON objects.
func jsonable(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = jsonable(e)
		}
		return v
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = jsonable(e)
		}
	}
	return v
}

// shapeError matches the errors Load reports about a document's shape
// rather than its meaning: an unknown key, a value of the wrong type, a
// value outside a field's list, a document that is not a mapping. These
// the schema must catch too.
var shapeError = regexp.MustCompile(`: (unknown key|want (a|an) [^"]*, got .*|"[^"]*": want (one of .*|local or network)|the document is a .*, want a mapping.*)$`)

// TestSchemaGolden: the schema accepts every inventory the golden cases
// render, and refuses each golden or hostile inventory that Load refuses
// for its shape (a type error, an unknown key, a value not in a list).
func TestSchemaGolden(t *testing.T) {
	schema := compileSchema(t)
	for _, file := range golden.Glob(t, "../golden/*/inventory.yaml") {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		stderr, err := os.ReadFile(filepath.Join(filepath.Dir(file), "stderr"))
		if os.IsNotExist(err) {
			checkSchema(t, schema, file, data, "")
			continue
		}
		checkSchema(t, schema, file, data, string(stderr))
	}
	// Inventories Load accepts, in forms the golden cases do not use.
	for _, pattern := range []string{"testdata/schema/*.yaml", "../examples/*.yaml", "../integration/testdata/*.yaml"} {
		for _, file := range golden.Glob(t, pattern) {
			if _, err := Load(file); err != nil {
				t.Fatalf("%s must be an inventory pxegen accepts: %v", file, err)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			checkSchema(t, schema, file, data, "")
		}
	}
	rejected := 0
	for _, file := range golden.Glob(t, "../golden/hostile/*.txtar") {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var data []byte
		var stderr string
		for _, f := range ar.Files {
			switch f.Name {
			case "inventory.yaml":
				data = f.Data
			case "stderr":
				stderr = string(f.Data)
			}
		}
		if checkSchema(t, schema, file, data, stderr) {
			rejected++
		}
	}
	if rejected < 10 {
		t.Errorf("only %d hostile inventories have errors of shape; the pattern for them is wrong", rejected)
	}
}

// checkSchema validates one inventory: accepted if Load accepts it
// (stderr empty), refused if Load reports an error of shape. It reports
// whether it expected a refusal.
func checkSchema(t *testing.T, schema *jsonschema.Schema, name string, data []byte, stderr string) bool {
	t.Helper()
	doc, err := asJSON(data)
	if err != nil {
		if stderr == "" {
			t.Errorf("%s: %v", name, err)
		}
		return false // YAML the editor cannot read either
	}
	verr := schema.Validate(doc)
	if stderr == "" {
		if verr != nil {
			t.Errorf("%s: the schema refuses an inventory pxegen accepts:\n%v", name, verr)
		}
		return false
	}
	var shape []string
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if shapeError.MatchString(line) {
			shape = append(shape, line)
		}
	}
	if len(shape) == 0 {
		return false
	}
	if verr == nil {
		t.Errorf("%s: the schema accepts an inventory pxegen refuses for its shape:\n%s", name, strings.Join(shape, "\n"))
	}
	return true
}

// TestSchemaFile: the schema in the repository, which editors can name by
// URL, is what pxegen schema prints (make golden rewrites it).
func TestSchemaFile(t *testing.T) {
	const file = "../inventory.schema.json"
	data, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, data) {
		t.Errorf("%s is not what Schema returns; run `make golden` to update it, then read the diff", file)
	}
}
