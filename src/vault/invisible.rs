//! Characters a name must not hold because nobody can see them: controls, format and
//! bidirectional controls (U+200D, U+202E), other default-ignorable code points and
//! whitespace other than a plain space. `app/K0` and `app/K0<U+200D>` look identical on
//! every screen, and a U+202E reverses what follows it.

/// Ranges of Unicode's Default_Ignorable_Code_Point and general category Cf (format),
/// plus the line and paragraph separators.
const INVISIBLE: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
];

fn invisible(c: char) -> bool {
    c.is_control()
        || (c.is_whitespace() && c != ' ')
        || INVISIBLE
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&(c as u32)))
}

/// The first character of `s` that cannot be seen, as `U+202E (right-to-left override)`.
pub fn first(s: &str) -> Option<String> {
    let c = s.chars().find(|&c| invisible(c))?;
    let what = match c as u32 {
        0x200B => " (zero width space)",
        0x200C => " (zero width non-joiner)",
        0x200D => " (zero width joiner)",
        0x200E | 0x200F | 0x061C => " (a direction mark)",
        0x202A..=0x202E | 0x2066..=0x2069 => " (a bidirectional control)",
        0xFEFF => " (byte order mark)",
        0x00AD => " (soft hyphen)",
        0xFE00..=0xFE0F => " (variation selector)",
        _ if c.is_control() => " (a control character)",
        _ if c.is_whitespace() => " (a space other than a plain space)",
        _ => " (an invisible character)",
    };
    Some(format!("U+{:04X}{what}", c as u32))
}

#[cfg(test)]
mod tests {
    use super::first;

    #[test]
    fn visible_names_pass_and_invisible_ones_are_named() {
        assert_eq!(first("Ünïcødé 🔑 key"), None);
        assert_eq!(first("Database URL"), None);
        assert_eq!(first("e\u{301}"), None, "a combining accent is visible");
        assert_eq!(
            first("K0\u{200D}").as_deref(),
            Some("U+200D (zero width joiner)")
        );
        assert_eq!(
            first("a\u{202E}b").as_deref(),
            Some("U+202E (a bidirectional control)")
        );
        assert!(first("a\u{2066}b").is_some());
        assert!(first("a\u{00A0}b").is_some());
        assert!(first("tab\tname").is_some());
        assert!(first("a\u{E0041}").is_some(), "a tag character");
    }
}
