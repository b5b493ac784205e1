package dhcpdconf

import "fmt"

// Statement is one statement: its tokens up to the semicolon or the
// opening brace, and, for a block (subnet, host, group, if ...), the
// statements inside the braces.
type Statement struct {
	Words []Token
	// Block is true for a statement with braces; Body holds what is inside.
	Block bool
	Body  []*Statement
	// Comments are the comments on lines of their own just before the
	// statement; Trailing, one on the same line after it.
	Comments []Comment
	Trailing string
	End      Pos // the closing brace or the semicolon
}

// Pos is where the statement starts.
func (s *Statement) Pos() Pos { return s.Words[0].Pos }

// Keyword is the statement's first word.
func (s *Statement) Keyword() string { return s.Words[0].Text }

// Arg returns the i-th token after the keyword, or an EOF token.
func (s *Statement) Arg(i int) Token {
	if i+1 < len(s.Words) {
		return s.Words[i+1]
	}
	return Token{Kind: EOF, Pos: s.End}
}

// Text is the statement's tokens joined by spaces, strings quoted, as a
// report quotes it.
func (s *Statement) Text() string {
	text := ""
	for i, t := range s.Words {
		if i > 0 && t.Text != "," && t.Text != ")" && (i == 0 || s.Words[i-1].Text != "(") {
			text += " "
		}
		if t.Kind == String {
			text += fmt.Sprintf("%q", t.Text)
		} else {
			text += t.Text
		}
	}
	if s.Block {
		return text + " { ... }"
	}
	return text + ";"
}

// File is one parsed file.
type File struct {
	Name       string
	Statements []*Statement
	// Comments are every comment of the file, in order.
	Comments []Comment
}

// MaxDepth bounds how deep blocks nest: dhcpd's own grammar rarely goes
// beyond five (shared-network, subnet, pool, if, if).
const MaxDepth = 64

// Parse reads src, the text of the file name, into statements. It stops
// at the first error, which names its position.
func Parse(name, src string) (*File, error) {
	p := &parser{lex: newLexer(name, src)}
	if err := p.advance(); err != nil {
		return nil, err
	}
	stmts, err := p.statements(0)
	if err != nil {
		return nil, err
	}
	if p.tok.Kind != EOF {
		return nil, &Error{Pos: p.tok.Pos, Msg: "a } with no block to close"}
	}
	return &File{Name: name, Statements: stmts, Comments: p.lex.comments}, nil
}

type parser struct {
	lex      *lexer
	tok      Token
	consumed int // comments already given to a statement
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// leading takes the comments on lines of their own read since the last
// statement took its comments.
func (p *parser) leading() []Comment {
	var out []Comment
	for _, c := range p.lex.comments[p.consumed:] {
		if c.Alone {
			out = append(out, c)
		}
	}
	p.consumed = len(p.lex.comments)
	return out
}

// statements reads statements until a } or the end of the file.
func (p *parser) statements(depth int) ([]*Statement, error) {
	var out []*Statement
	for {
		switch {
		case p.tok.Kind == EOF || p.tok.Is("}"):
			p.leading() // comments at the end of a block belong to no statement
			return out, nil
		case p.tok.Is(";"):
			if err := p.advance(); err != nil { // an empty statement
				return nil, err
			}
			continue
		}
		s, err := p.statement(depth)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
}

// statement reads one statement, starting at a token that is not ; or }.
func (p *parser) statement(depth int) (*Statement, error) {
	s := &Statement{Comments: p.leading()}
	if p.tok.Is("{") {
		return nil, &Error{Pos: p.tok.Pos, Msg: "a block with no statement before it"}
	}
	for {
		switch {
		case p.tok.Kind == EOF:
			return nil, &Error{Pos: s.Words[0].Pos, Msg: fmt.Sprintf("%s ... has no ; or { before the end of the file", s.Words[0].Text)}
		case p.tok.Is("}"):
			return nil, &Error{Pos: p.tok.Pos, Msg: fmt.Sprintf("expected ; after %s ... (line %d)", s.Words[0].Text, s.Words[0].Pos.Line)}
		case p.tok.Is(";"):
			s.End = p.tok.Pos
			line := p.tok.Pos.Line
			if err := p.advance(); err != nil {
				return nil, err
			}
			s.Trailing = p.trailing(line)
			return s, nil
		case p.tok.Is("{") && recordType(s.Words):
			// option NAME code N = [array of] { TYPE, ... }; the braces
			// are a record type's, words of the statement.
			for open := true; open; {
				s.Words = append(s.Words, p.tok)
				open = !p.tok.Is("}")
				if err := p.advance(); err != nil {
					return nil, err
				}
				if open && (p.tok.Kind == EOF || p.tok.Is(";") || p.tok.Is("{")) {
					return nil, &Error{Pos: p.tok.Pos, Msg: fmt.Sprintf("expected } to end the record type of %s ... (line %d)", s.Words[0].Text, s.Words[0].Pos.Line)}
				}
			}
			continue
		case p.tok.Is("{"):
			if depth >= MaxDepth {
				return nil, &Error{Pos: p.tok.Pos, Msg: fmt.Sprintf("blocks nested more than %d deep", MaxDepth)}
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			body, err := p.statements(depth + 1)
			if err != nil {
				return nil, err
			}
			if !p.tok.Is("}") {
				return nil, &Error{Pos: s.Words[0].Pos, Msg: fmt.Sprintf("the block of %s ... is never closed (no })", s.Words[0].Text)}
			}
			s.Block, s.Body, s.End = true, body, p.tok.Pos
			line := p.tok.Pos.Line
			if err := p.advance(); err != nil {
				return nil, err
			}
			s.Trailing = p.trailing(line)
			return s, nil
		}
		s.Words = append(s.Words, p.tok)
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
}

// trailing takes a comment on the statement's last line, after it.
func (p *parser) trailing(line int) string {
	cs := p.lex.comments[p.consumed:]
	if len(cs) > 0 && !cs[0].Alone && cs[0].Pos.Line == line {
		p.consumed++
		return cs[0].Text
	}
	return ""
}

// recordType reports whether words are an option declaration up to its
// type, where a { starts a record type: option NAME code N = [array of].
func recordType(words []Token) bool {
	n := len(words)
	if n < 5 || words[0].Text != "option" || words[2].Text != "code" {
		return false
	}
	return words[n-1].Text == "=" || n >= 7 && words[n-1].Text == "of" && words[n-2].Text == "array" && words[n-3].Text == "="
}
