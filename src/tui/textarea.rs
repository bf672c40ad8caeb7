//! A multi-line value: a PEM key, a JSON blob. Newlines are kept byte for byte (typed
//! with enter, or pasted), the cursor is a byte offset, and inserting is a splice, so a
//! 20,000-character paste costs one copy, not one per character.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use zeroize::Zeroize;

#[derive(Default)]
pub struct TextArea {
    text: String,
    /// A byte offset on a char boundary.
    cursor: usize,
}

impl Drop for TextArea {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

impl TextArea {
    pub fn new(text: String) -> TextArea {
        let cursor = text.len();
        TextArea { text, cursor }
    }

    pub fn value(&self) -> &str {
        &self.text
    }

    /// Inserts `s` at the cursor, as it is.
    pub fn insert(&mut self, s: &str) {
        self.text.insert_str(self.cursor, s);
        self.cursor += s.len();
    }

    /// A key for the text; true when it changed the text.
    pub fn key(&mut self, k: &KeyEvent) -> bool {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match k.code {
            KeyCode::Char(c) if !ctrl && !k.modifiers.contains(KeyModifiers::ALT) => {
                let mut b = [0; 4];
                self.insert(c.encode_utf8(&mut b));
                true
            }
            KeyCode::Enter => {
                self.insert("\n");
                true
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let p = self.prev(self.cursor);
                self.text.replace_range(p..self.cursor, "");
                self.cursor = p;
                true
            }
            KeyCode::Delete if self.cursor < self.text.len() => {
                let n = self.next(self.cursor);
                self.text.replace_range(self.cursor..n, "");
                true
            }
            KeyCode::Left => {
                self.cursor = self.prev(self.cursor);
                false
            }
            KeyCode::Right => {
                self.cursor = self.next(self.cursor);
                false
            }
            KeyCode::Home => {
                self.cursor = self.line_start();
                false
            }
            KeyCode::Char('a') if ctrl => {
                self.cursor = self.line_start();
                false
            }
            KeyCode::End => {
                self.cursor = self.line_end();
                false
            }
            KeyCode::Char('e') if ctrl => {
                self.cursor = self.line_end();
                false
            }
            KeyCode::Char('u') if ctrl => {
                let s = self.line_start();
                let changed = s < self.cursor;
                self.text.replace_range(s..self.cursor, "");
                self.cursor = s;
                changed
            }
            _ => false,
        }
    }

    fn prev(&self, i: usize) -> usize {
        self.text[..i].char_indices().last().map_or(0, |(p, _)| p)
    }

    fn next(&self, i: usize) -> usize {
        self.text[i..]
            .chars()
            .next()
            .map_or(i, |c| i + c.len_utf8())
    }

    fn line_start(&self) -> usize {
        self.text[..self.cursor].rfind('\n').map_or(0, |p| p + 1)
    }

    fn line_end(&self) -> usize {
        self.text[self.cursor..]
            .find('\n')
            .map_or(self.text.len(), |p| self.cursor + p)
    }

    /// The lines (a trailing newline makes a last, empty line: it is part of the value).
    pub fn lines(&self) -> Vec<&str> {
        self.text.split('\n').collect()
    }

    /// The cursor as (line, chars before it on that line).
    pub fn cursor_at(&self) -> (usize, usize) {
        let before = &self.text[..self.cursor];
        let line = before.matches('\n').count();
        let col = before[self.line_start()..].chars().count();
        (line, col)
    }
}

/// Pasted text as the value it stands for: terminals send a pasted newline as a
/// carriage return, so a lone CR is a newline; CRLF stays as it came.
pub fn pasted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\r' && it.peek() != Some(&'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

/// Pasted text for a one-line field: the trailing newline a copy often carries goes,
/// other line breaks become spaces.
pub fn one_line(s: &str) -> String {
    pasted(s)
        .trim_end_matches(['\n', '\r'])
        .replace("\r\n", " ")
        .replace('\n', " ")
}

/// Inserts `s` at the cursor of a one-line input.
pub fn paste_into(input: &mut tui_input::Input, s: &str) {
    let text = one_line(s);
    let cur = input.cursor();
    let v = input.value();
    let at = v.char_indices().nth(cur).map_or(v.len(), |(i, _)| i);
    let mut new = String::with_capacity(v.len() + text.len());
    new.push_str(&v[..at]);
    new.push_str(&text);
    new.push_str(&v[at..]);
    let pos = cur + text.chars().count();
    let mut old = std::mem::replace(input, tui_input::Input::new(new).with_cursor(pos));
    old.value_and_reset().zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn typing_pasting_and_deleting_keep_every_byte() {
        let mut t = TextArea::default();
        t.insert(&pasted("-----BEGIN KEY-----\rAbC\r-----END KEY-----\r"));
        assert_eq!(t.value(), "-----BEGIN KEY-----\nAbC\n-----END KEY-----\n");
        assert_eq!(t.lines().len(), 4);
        t.key(&k(KeyCode::Backspace));
        t.key(&k(KeyCode::Char('é')));
        t.key(&k(KeyCode::Enter));
        assert_eq!(t.value(), "-----BEGIN KEY-----\nAbC\n-----END KEY-----é\n");
        t.key(&k(KeyCode::Left));
        t.key(&k(KeyCode::Left));
        t.key(&k(KeyCode::Backspace));
        assert_eq!(t.cursor_at(), (2, 16));
        t.key(&k(KeyCode::Home));
        assert_eq!(t.cursor_at(), (2, 0));
        assert_eq!(pasted("a\r\nb"), "a\r\nb");
        assert_eq!(one_line("tok\r"), "tok");
        let mut i = tui_input::Input::new("ab".into()).with_cursor(1);
        paste_into(&mut i, "X\nY\n");
        assert_eq!((i.value(), i.cursor()), ("aX Yb", 4));
    }
}
