// Package dhcpdconf reads ISC dhcpd's configuration language, as
// dhcpd.conf(5) and dhcp-options(5) define it, into a tree of statements
// with the position of every token: a lexer (words, quoted strings with
// their escapes, comments, punctuation) and a parser of statements, each
// ended by a semicolon or by a block in braces. It knows the grammar's
// shape, not the meaning of each statement: pxegen's importer gives them
// meaning.
package dhcpdconf

import (
	"fmt"
	"strings"
)

// Pos is a position in a file: line and column count from 1, the column
// in bytes.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Kind is what a token is.
type Kind int

// The kinds of token.
const (
	EOF    Kind = iota
	Word        // a name, number, address, MAC or hex string: anything unquoted
	String      // a quoted string; Text is its value, escapes resolved
	Punct       // one of ; { } , = ( ) != ~= ~~ !
)

// Token is one token of a file.
type Token struct {
	Kind Kind
	Text string
	Pos  Pos
}

func (t Token) String() string {
	switch t.Kind {
	case EOF:
		return "end of file"
	case String:
		return fmt.Sprintf("%q", t.Text)
	}
	return t.Text
}

// Is reports whether t is the word or punctuation s.
func (t Token) Is(s string) bool { return t.Kind != String && t.Kind != EOF && t.Text == s }

// Error is a problem reading a file, at a position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// lexer reads tokens from one file's text.
type lexer struct {
	file       string
	src        string
	off        int
	line, col  int
	comments   []Comment // every comment, in order
	lineTokens bool      // a token has been read on the current line
}

// Comment is a comment in a file: its text after the #, trimmed, and
// whether it stands on a line of its own (rather than after a statement).
type Comment struct {
	Pos   Pos
	Text  string
	Alone bool
}

func newLexer(file, src string) *lexer {
	return &lexer{file: file, src: src, line: 1, col: 1}
}

func (l *lexer) pos() Pos { return Pos{l.file, l.line, l.col} }

// advance moves past n bytes, counting lines and columns.
func (l *lexer) advance(n int) {
	for i := 0; i < n; i++ {
		if l.src[l.off] == '\n' {
			l.line++
			l.col = 1
			l.lineTokens = false
		} else {
			l.col++
		}
		l.off++
	}
}

// isPunct reports whether c ends a word: whitespace, punctuation, a quote
// or a comment.
func isPunct(c byte) bool {
	return strings.IndexByte(" \t\r\n\f\v;{},=()\"#!~", c) >= 0
}

// next returns the next token.
func (l *lexer) next() (Token, error) {
	for l.off < len(l.src) {
		c := l.src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v':
			l.advance(1)
		case c == '#':
			start := l.pos()
			end := strings.IndexByte(l.src[l.off:], '\n')
			if end < 0 {
				end = len(l.src) - l.off
			}
			text := l.src[l.off+1 : l.off+end]
			l.comments = append(l.comments, Comment{Pos: start, Text: strings.TrimSpace(text), Alone: !l.lineTokens})
			l.advance(end)
		default:
			return l.token()
		}
	}
	return Token{Kind: EOF, Pos: l.pos()}, nil
}

// token reads the token that starts at the current offset.
func (l *lexer) token() (Token, error) {
	start := l.pos()
	l.lineTokens = true
	c := l.src[l.off]
	if c == '"' {
		return l.quoted(start)
	}
	for _, p := range []string{"!=", "~=", "~~"} {
		if strings.HasPrefix(l.src[l.off:], p) {
			l.advance(2)
			return Token{Kind: Punct, Text: p, Pos: start}, nil
		}
	}
	if strings.IndexByte(";{},=()!~", c) >= 0 {
		l.advance(1)
		return Token{Kind: Punct, Text: string(c), Pos: start}, nil
	}
	end := l.off
	for end < len(l.src) && !isPunct(l.src[end]) {
		if l.src[end] < 0x20 || l.src[end] == 0x7f {
			return Token{}, &Error{Pos: start, Msg: fmt.Sprintf("control character %q in a word", l.src[end])}
		}
		end++
	}
	text := l.src[l.off:end]
	l.advance(end - l.off)
	return Token{Kind: Word, Text: text, Pos: start}, nil
}

// quoted reads a quoted string, resolving dhcpd's escapes: \" \\ \n \r \t,
// \xHH and octal \OOO.
func (l *lexer) quoted(start Pos) (Token, error) {
	var b strings.Builder
	l.advance(1)
	for {
		if l.off >= len(l.src) {
			return Token{}, &Error{Pos: start, Msg: "a string that never ends (no closing \")"}
		}
		c := l.src[l.off]
		switch {
		case c == '"':
			l.advance(1)
			return Token{Kind: String, Text: b.String(), Pos: start}, nil
		case c == '\n':
			return Token{}, &Error{Pos: start, Msg: "a newline inside a string"}
		case c == '\\' && l.off+1 < len(l.src):
			e := l.src[l.off+1]
			switch {
			case e == 'n':
				b.WriteByte('\n')
				l.advance(2)
			case e == 'r':
				b.WriteByte('\r')
				l.advance(2)
			case e == 't':
				b.WriteByte('\t')
				l.advance(2)
			case e == 'x' && l.off+3 < len(l.src) && isHex(l.src[l.off+2]) && isHex(l.src[l.off+3]):
				var v byte
				fmt.Sscanf(l.src[l.off+2:l.off+4], "%02x", &v)
				b.WriteByte(v)
				l.advance(4)
			case e >= '0' && e <= '7' && l.off+3 < len(l.src) && isOctal(l.src[l.off+2]) && isOctal(l.src[l.off+3]):
				b.WriteByte((e-'0')<<6 | (l.src[l.off+2]-'0')<<3 | (l.src[l.off+3] - '0'))
				l.advance(4)
			default:
				b.WriteByte(e)
				l.advance(2)
			}
		default:
			b.WriteByte(c)
			l.advance(1)
		}
	}
}

func isHex(c byte) bool   { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
func isOctal(c byte) bool { return '0' <= c && c <= '7' }
