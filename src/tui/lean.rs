//! Crossterm, writing less per frame. ratatui's crossterm backend ends every draw by
//! resetting colours and attributes one escape at a time (20 bytes), sends each style
//! change as separate escapes, and the 16 named colours in their 256-colour form
//! (`\e[38;5;5m` for magenta). Over SSH a cursor move is a hundred-odd bytes, so that is
//! a fifth of it. Here:
//! - a style change is one SGR sequence holding only what differs (`\e[1;35m`), from
//!   `SGR 0` when an attribute must be taken away (bold and dim share one "off");
//! - the named colours are sent as their 16-colour codes (30-37, 90-97, +10 for the
//!   background), which every colour terminal knows;
//! - a jump forward on the same row is a relative move (`\e[5C`), not an absolute one;
//! - a run of blank cells (a longer text replaced by a shorter one) is erased with ECH
//!   (`\e[12X`), which every terminal since the VT220 knows, not written out;
//! - a draw ends with `SGR 0` only when a style is still set.
//!
//! Every draw starts and ends with the terminal at the default style, as ratatui's own.

use std::io::{self, Write};

use crossterm::cursor::MoveTo;
use crossterm::queue;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};

pub struct Lean<W: Write> {
    inner: CrosstermBackend<W>,
}

impl<W: Write> Lean<W> {
    pub fn new(writer: W) -> Self {
        Lean {
            inner: CrosstermBackend::new(writer),
        }
    }
}

/// The part of a cell's style the terminal keeps from one cell to the next.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

const ATTRIBUTES: [(Modifier, &str); 9] = [
    (Modifier::BOLD, "1"),
    (Modifier::DIM, "2"),
    (Modifier::ITALIC, "3"),
    (Modifier::UNDERLINED, "4"),
    (Modifier::SLOW_BLINK, "5"),
    (Modifier::RAPID_BLINK, "6"),
    (Modifier::REVERSED, "7"),
    (Modifier::HIDDEN, "8"),
    (Modifier::CROSSED_OUT, "9"),
];

impl Pen {
    const DEFAULT: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        underline: Color::Reset,
        modifier: Modifier::empty(),
    };

    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            underline: cell.underline_color,
            modifier: cell.modifier,
        }
    }

    /// The one SGR sequence that takes the terminal from `self` to `to`.
    fn change(self, to: Pen) -> String {
        let mut p: Vec<String> = Vec::new();
        let from = if to == Pen::DEFAULT || !(self.modifier - to.modifier).is_empty() {
            p.push("0".into());
            Pen::DEFAULT
        } else {
            self
        };
        for (m, code) in ATTRIBUTES {
            if to.modifier.contains(m) && !from.modifier.contains(m) {
                p.push(code.into());
            }
        }
        if to.fg != from.fg {
            p.push(colour(to.fg, 30));
        }
        if to.bg != from.bg {
            p.push(colour(to.bg, 40));
        }
        if to.underline != from.underline {
            p.push(underline(to.underline));
        }
        format!("\x1b[{}m", p.join(";"))
    }
}

/// The 16 named colours by their palette index (ratatui's Gray is 7, DarkGray 8).
fn named(c: Color) -> Option<u8> {
    Some(match c {
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        _ => return None,
    })
}

/// A foreground (`base` 30) or background (40) colour's SGR parameters.
fn colour(c: Color, base: u8) -> String {
    match (c, named(c)) {
        (_, Some(i)) if i < 8 => (base + i).to_string(),
        (_, Some(i)) => (base + 60 + i - 8).to_string(),
        (Color::Indexed(i), _) => format!("{};5;{i}", base + 8),
        (Color::Rgb(r, g, b), _) => format!("{};2;{r};{g};{b}", base + 8),
        _ => (base + 9).to_string(),
    }
}

/// An underline colour's SGR parameters (it has no 16-colour codes).
fn underline(c: Color) -> String {
    match (c, named(c)) {
        (_, Some(i)) | (Color::Indexed(i), _) => format!("58;5;{i}"),
        (Color::Rgb(r, g, b), _) => format!("58;2;{r};{g};{b}"),
        _ => "59".into(),
    }
}

/// Blank cells erased rather than written: `\e[9X` and the relative move to whatever
/// follows on the row cost about as much as nine spaces.
const ERASE_FROM: usize = 9;

/// How many cells from the first are blank (a space at the default style) and follow
/// each other on one row.
fn blank_run(cells: &[(u16, u16, &Cell)]) -> usize {
    let Some(&(x0, y0, _)) = cells.first() else {
        return 0;
    };
    cells
        .iter()
        .enumerate()
        .take_while(|(k, (x, y, c))| {
            *y == y0
                && usize::from(*x) == usize::from(x0) + k
                && c.symbol() == " "
                && Pen::of(c) == Pen::DEFAULT
        })
        .count()
}

impl<W: Write> Backend for Lean<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let w = self.inner.writer_mut();
        let cells: Vec<(u16, u16, &Cell)> = content.collect();
        let mut pen = Pen::DEFAULT;
        // Where the terminal's cursor is after the last cell, when that is certain (not
        // after a wide or zero-width symbol: a terminal may count those differently).
        let mut at: Option<(u16, u16)> = None;
        let mut i = 0;
        while i < cells.len() {
            let (x, y, cell) = cells[i];
            match at {
                Some((ax, ay)) if ay == y && ax == x => {}
                Some((ax, ay)) if ay == y && ax < x => write!(w, "\x1b[{}C", x - ax)?,
                _ => queue!(w, MoveTo(x, y))?,
            }
            let want = Pen::of(cell);
            if want != pen {
                w.write_all(pen.change(want).as_bytes())?;
                pen = want;
            }
            let blanks = blank_run(&cells[i..]);
            if blanks >= ERASE_FROM {
                // ECH leaves the cursor where it is.
                write!(w, "\x1b[{blanks}X")?;
                at = Some((x, y));
                i += blanks;
                continue;
            }
            let symbol = cell.symbol();
            w.write_all(symbol.as_bytes())?;
            let narrow = unicode_width::UnicodeWidthStr::width(symbol) == 1;
            at = narrow.then_some((x + 1, y));
            i += 1;
        }
        if pen != Pen::DEFAULT {
            w.write_all(b"\x1b[0m")?;
        }
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> io::Result<()> {
        self.inner.set_cursor_position(p)
    }
    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }
    fn clear_region(&mut self, t: ClearType) -> io::Result<()> {
        self.inner.clear_region(t)
    }
    fn size(&self) -> io::Result<Size> {
        self.inner.size()
    }
    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style;

    fn cell(symbol: &'static str, style: Style) -> Cell {
        let mut c = Cell::new(symbol);
        c.set_style(style);
        c
    }

    fn drawn(cells: &[(u16, u16, Cell)]) -> String {
        let mut lean = Lean::new(Vec::new());
        lean.draw(cells.iter().map(|(x, y, c)| (*x, *y, c)))
            .unwrap();
        String::from_utf8(lean.inner.writer().clone()).unwrap()
    }

    #[test]
    fn styles_are_one_sequence_of_what_differs_and_end_reset() {
        let head = Style::new().fg(Color::Black).bg(Color::Cyan).bold();
        let out = drawn(&[
            (0, 0, cell("a", head)),
            (1, 0, cell("b", head.bg(Color::LightBlue))),
            (2, 0, cell("c", Style::new())),
            (3, 0, cell("d", Style::new().fg(Color::Indexed(200)))),
        ]);
        assert_eq!(
            out,
            "\x1b[1;1H\x1b[1;30;46ma\x1b[104mb\x1b[0mc\x1b[38;5;200md\x1b[0m"
        );
    }

    #[test]
    fn taking_an_attribute_away_starts_from_sgr_0() {
        let out = drawn(&[
            (0, 0, cell("a", Style::new().bold().dim().fg(Color::Red))),
            (1, 0, cell("b", Style::new().dim().fg(Color::Red))),
        ]);
        assert_eq!(out, "\x1b[1;1H\x1b[1;2;31ma\x1b[0;2;31mb\x1b[0m");
    }

    #[test]
    fn a_run_of_blanks_is_erased_and_what_follows_moved_to() {
        let plain = Style::new();
        let mut cells = vec![(0, 0, cell("a", plain.bold()))];
        cells.extend((1..13).map(|x| (x, 0, cell(" ", plain))));
        cells.push((14, 0, cell("b", plain)));
        // Eight blanks are written out.
        cells.extend((0..8).map(|x| (x, 1, cell(" ", plain))));
        assert_eq!(
            drawn(&cells),
            "\x1b[1;1H\x1b[1ma\x1b[0m\x1b[12X\x1b[13Cb\x1b[2;1H        "
        );
    }

    #[test]
    fn moves_are_relative_on_a_row_and_absolute_after_wide_symbols() {
        let plain = Style::new();
        let out = drawn(&[
            (2, 1, cell("a", plain)),
            (6, 1, cell("b", plain)),
            (7, 1, cell("🔑", plain)),
            (9, 1, cell("c", plain)),
            (0, 2, cell("d", plain)),
        ]);
        assert_eq!(out, "\x1b[2;3Ha\x1b[3Cb🔑\x1b[2;10Hc\x1b[3;1Hd");
    }
}
