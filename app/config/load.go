package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Load reads dir/config.json. A missing file is an empty config (first
// start). Any problem comes back as an *Error that names the file, and for
// each problem the line, column and field; other errors (permissions, I/O)
// are returned wrapped.
func Load(dir string) (*Config, error) {
	c, err := loadFile(Path(dir))
	if err != nil {
		return nil, err
	}
	c.dir = dir
	return c, nil
}

func loadFile(path string) (*Config, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return New(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	// Checked before opening: opening a FIFO would block, and a huge file
	// is refused without being read.
	if !st.Mode().IsRegular() {
		return nil, &Error{File: path, Problems: []Problem{{Msg: "not a regular file"}}}
	}
	if st.Size() > MaxSize {
		return nil, tooLarge(path, st.Size())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: reading %s: %w", path, err)
	}
	if len(data) > MaxSize { // it grew since the Stat
		return nil, tooLarge(path, int64(len(data)))
	}
	return parse(path, data)
}

func tooLarge(path string, size int64) error {
	return &Error{File: path, Problems: []Problem{{
		Msg: fmt.Sprintf("the file is %.1f MiB; a config file may be at most 1 MiB (is this the right file?)", float64(size)/(1<<20)),
	}}}
}

// parse checks data against the schema, decodes and validates it.
func parse(path string, data []byte) (*Config, error) {
	c := New()
	if len(bytes.TrimSpace(data)) == 0 {
		return c, nil // an empty file is an empty config, as a missing one
	}
	if err := json.Unmarshal(data, new(json.RawMessage)); err != nil {
		return nil, &Error{File: path, Problems: []Problem{syntaxProblem(data, err)}}
	}
	w := &walker{data: data, pos: map[string]int64{}}
	w.walk()
	if len(w.probs) > 0 {
		return nil, &Error{File: path, Problems: w.probs}
	}
	// The walk checked every field and type, so this cannot fail on a
	// well-formed file; keep the check anyway.
	if err := json.Unmarshal(data, c); err != nil {
		return nil, &Error{File: path, Problems: []Problem{{Msg: err.Error()}}}
	}
	if c.Accounts == nil {
		c.Accounts = []Account{}
	}
	for i := range c.Accounts {
		if len(c.Accounts[i].Folders) == 0 {
			c.Accounts[i].Folders = nil // "folders": [] means the default, as a missing one
		}
	}
	if probs := c.validate(); len(probs) > 0 {
		for i := range probs {
			probs[i].Line, probs[i].Col = w.where(probs[i].Field)
		}
		return nil, &Error{File: path, Problems: probs}
	}
	return c, nil
}

func syntaxProblem(data []byte, err error) Problem {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return Problem{Msg: err.Error()}
	}
	// Offset counts the bytes read, the offending one included.
	off := se.Offset - 1
	if off < 0 {
		off = 0
	}
	line, col := lineCol(data, off)
	msg := strings.TrimPrefix(se.Error(), "json: ")
	if strings.Contains(msg, "looking for beginning of") {
		if prev := bytes.TrimRight(data[:off], " \t\r\n"); len(prev) > 0 && prev[len(prev)-1] == ',' {
			msg += " (a comma before a closing bracket is not allowed in JSON)"
		}
	}
	if strings.HasPrefix(msg, "invalid character '/'") {
		msg += " (JSON has no comments)"
	}
	return Problem{Line: line, Col: col, Msg: "not valid JSON: " + msg}
}

// lineCol turns a byte offset into a line and a column (in characters), both
// from 1.
func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = 1 + bytes.Count(before, []byte{'\n'})
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, 1 + utf8.RuneCount(before[start:])
}

// kind is the JSON type a field wants.
type kind int

const (
	kindString kind = iota
	kindInt
	kindBool
	kindStrings
	kindObject // a nested object: its fields in nestedFields (rules.go)
	kindMap    // an object of objects keyed by name (rules.go)
)

func (k kind) String() string {
	return [...]string{"a string", "a whole number", "true or false", "a list of strings", "an object", "an object"}[k]
}

// fieldsOf lists the JSON field names of a struct type with their kinds, so
// the schema check cannot drift from the types.
func fieldsOf(t reflect.Type) map[string]kind {
	m := map[string]kind{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" { // embedded: its fields sit beside ours, as encoding/json does
			maps.Copy(m, fieldsOf(f.Type))
			continue
		}
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.String:
			m[name] = kindString
		case ft.Kind() == reflect.Int:
			m[name] = kindInt
		case ft.Kind() == reflect.Bool:
			m[name] = kindBool
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			m[name] = kindStrings
		case ft.Kind() == reflect.Struct:
			m[name] = kindObject
		case ft.Kind() == reflect.Map && ft.Key().Kind() == reflect.String:
			m[name] = kindMap
		default:
			panic("config: no schema kind for field " + f.Name) // a programming error, caught by any test
		}
	}
	return m
}

var (
	accountFields = fieldsOf(reflect.TypeFor[Account]())
	prefFields    = fieldsOf(reflect.TypeFor[Preferences]())
)

// walker goes through a syntactically valid document token by token and
// checks it against the schema, noting where each field's value starts. It
// exists because encoding/json names neither the line nor the array index of
// a wrong type, and no position at all for an unknown field.
type walker struct {
	data  []byte
	dec   *json.Decoder
	probs []Problem
	pos   map[string]int64 // field path → offset of its value
	// broken: the decoder failed; stop rather than loop.
	broken bool
}

func (w *walker) walk() {
	w.dec = json.NewDecoder(bytes.NewReader(w.data))
	w.dec.UseNumber()
	tok, off := w.next()
	if tok != json.Delim('{') {
		w.problem(off, "", "the file must hold one JSON object, {\"accounts\": [...]}; it holds %s", describe(tok))
		return
	}
	w.pos[""] = off
	w.object("", func(key string, off int64) {
		switch key {
		case "accounts":
			w.accounts()
		case "preferences":
			w.fields("preferences", prefFields)
		default:
			w.unknown("", key, []string{"accounts", "preferences"}, off)
		}
	})
}

// next reads a token and returns it with the offset where it starts.
func (w *walker) next() (json.Token, int64) {
	off := w.dec.InputOffset()
	for off < int64(len(w.data)) && strings.IndexByte(" \t\r\n,:", w.data[off]) >= 0 {
		off++
	}
	tok, err := w.dec.Token()
	if err != nil { // cannot happen after json.Unmarshal accepted the document
		w.broken = true
		return nil, off
	}
	return tok, off
}

// object reads the members of an object whose '{' was just read, calling
// member for each key with the value still to be read.
func (w *walker) object(path string, member func(key string, off int64)) {
	seen := map[string]bool{}
	for w.dec.More() && !w.broken {
		tok, off := w.next()
		key, _ := tok.(string)
		if seen[key] {
			w.problem(off, join(path, key), "given twice; JSON keeps only the last one")
		}
		seen[key] = true
		member(key, off)
	}
	w.next() // '}'
}

func (w *walker) accounts() {
	tok, off := w.next()
	switch tok {
	case nil:
		return
	case json.Delim('['):
	default:
		w.problem(off, "accounts", "want a list of accounts, [{...}, ...], got %s", describe(tok))
		w.skip(tok)
		return
	}
	w.pos["accounts"] = off
	for i := 0; w.dec.More() && !w.broken; i++ {
		w.fields(fmt.Sprintf("accounts[%d]", i), accountFields)
	}
	w.next() // ']'
}

// fields reads an object value (or null) whose members must be in known.
func (w *walker) fields(path string, known map[string]kind) {
	tok, off := w.next()
	if tok == nil {
		w.pos[path] = off
		return
	}
	if tok != json.Delim('{') {
		w.problem(off, path, "want an object, {...}, got %s", describe(tok))
		w.skip(tok)
		return
	}
	w.pos[path] = off
	w.object(path, func(key string, keyOff int64) {
		k, ok := known[key]
		if !ok {
			names := make([]string, 0, len(known))
			for n := range known {
				names = append(names, n)
			}
			w.unknown(path, key, names, keyOff)
			return
		}
		if k == kindObject || k == kindMap {
			w.nested(join(path, key), key, k)
			return
		}
		w.value(join(path, key), k)
	})
}

// value reads one field's value and checks its type; null is always allowed
// and means "not set".
func (w *walker) value(path string, k kind) {
	tok, off := w.next()
	w.pos[path] = off
	ok := false
	switch v := tok.(type) {
	case nil:
		ok = true
	case string:
		ok = k == kindString
	case bool:
		ok = k == kindBool
	case json.Number:
		if k == kindInt {
			if _, err := strconv.Atoi(v.String()); err != nil {
				w.problem(off, path, "want a whole number, got %s", v)
			}
			return
		}
	case json.Delim:
		if v == '[' && k == kindStrings {
			for i := 0; w.dec.More() && !w.broken; i++ {
				el, elOff := w.next()
				p := fmt.Sprintf("%s[%d]", path, i)
				w.pos[p] = elOff
				if _, isStr := el.(string); !isStr {
					w.problem(elOff, p, "want a string, got %s", describe(el))
					w.skip(el)
				}
			}
			w.next() // ']'
			return
		}
	}
	if !ok {
		w.problem(off, path, "want %s, got %s", k, describe(tok))
		w.skip(tok)
	}
}

// unknown reports a field the schema does not have, with a likely meant name.
func (w *walker) unknown(path, key string, known []string, off int64) {
	msg := fmt.Sprintf("unknown field %q", key)
	switch {
	case strings.Contains(strings.ToLower(key), "password") && path != "":
		msg += ": passwords are not kept in the config file; use the keyring (the settings window) or \"password_command\""
	default:
		if best := closest(key, known); best != "" {
			msg += fmt.Sprintf("; did you mean %q?", best)
		}
	}
	w.problems(off, join(path, key), msg)
	w.skip(w.nextValue())
}

func (w *walker) nextValue() json.Token {
	tok, _ := w.next()
	return tok
}

// skip consumes the rest of a value whose first token was tok.
func (w *walker) skip(tok json.Token) {
	if d, ok := tok.(json.Delim); !ok || (d != '{' && d != '[') {
		return
	}
	for depth := 1; depth > 0 && !w.broken; {
		switch t, _ := w.next(); t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

func (w *walker) problem(off int64, field, format string, args ...any) {
	w.problems(off, field, fmt.Sprintf(format, args...))
}

func (w *walker) problems(off int64, field, msg string) {
	line, col := lineCol(w.data, off)
	w.probs = append(w.probs, Problem{Line: line, Col: col, Field: field, Msg: msg})
}

// where finds the position of a field's value, else of the nearest enclosing
// one that is in the file (a missing field is reported at its object).
func (w *walker) where(field string) (line, col int) {
	for {
		if off, ok := w.pos[field]; ok {
			return lineCol(w.data, off)
		}
		if field == "" {
			return 0, 0
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			field = ""
		} else {
			field = field[:i]
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func describe(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "true/false"
	case json.Number:
		return "a number"
	case json.Delim:
		if v == '[' {
			return "a list"
		}
		return "an object"
	}
	return fmt.Sprintf("%T", tok)
}

// closest is the known name within two edits of key, if any (a typo).
func closest(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := distance(strings.ToLower(key), k); d < bestD || d == bestD && k < best {
			best, bestD = k, d
		}
	}
	if bestD > 2 {
		return ""
	}
	return best
}

// distance is the Levenshtein distance between two short strings.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
