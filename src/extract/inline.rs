//! Inline images (`BI … ID … EI`) with filters, which lopdf's content parser skips.
//!
//! The content stream is scanned for `BI` operators outside strings and comments; each image
//! dictionary is read with a small parser (names, numbers, booleans, arrays, dictionaries) and
//! its data taken up to the `EI` that stands between white space, as readers do.

use lopdf::{Dictionary, Object, Stream};

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t' | b'\x0c' | b'\0')
}

fn is_delim(c: u8) -> bool {
    is_ws(c) || b"()<>[]{}/%".contains(&c)
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.b.len() && is_ws(self.b[self.i]) {
            self.i += 1;
        }
    }

    fn token(&mut self) -> &[u8] {
        let s = self.i;
        while self.i < self.b.len() && !is_delim(self.b[self.i]) {
            self.i += 1;
        }
        &self.b[s..self.i]
    }

    fn value(&mut self, depth: usize) -> Option<Object> {
        if depth > 8 {
            return None;
        }
        self.skip_ws();
        let c = *self.b.get(self.i)?;
        match c {
            b'/' => {
                self.i += 1;
                Some(Object::Name(self.token().to_vec()))
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.b.get(self.i)? {
                        b']' => {
                            self.i += 1;
                            return Some(Object::Array(items));
                        }
                        _ => items.push(self.value(depth + 1)?),
                    }
                }
            }
            b'<' if self.b.get(self.i + 1) == Some(&b'<') => {
                self.i += 2;
                let mut d = Dictionary::new();
                loop {
                    self.skip_ws();
                    if self.b.get(self.i..self.i + 2)? == b">>" {
                        self.i += 2;
                        return Some(Object::Dictionary(d));
                    }
                    let Object::Name(k) = self.value(depth + 1)? else {
                        return None;
                    };
                    let v = self.value(depth + 1)?;
                    d.set(k, v);
                }
            }
            _ => {
                let t = std::str::from_utf8(self.token()).ok()?;
                match t {
                    "true" => Some(Object::Boolean(true)),
                    "false" => Some(Object::Boolean(false)),
                    "null" => Some(Object::Null),
                    _ if t.contains('.') => t.parse().ok().map(Object::Real),
                    _ => t.parse().ok().map(Object::Integer),
                }
            }
        }
    }
}

/// Every inline image in a content stream, in order: `None` where one could not be read.
pub fn inline_images(content: &[u8]) -> Vec<Option<Stream>> {
    let b = content;
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
            }
            b'(' => {
                // A string literal: balanced parentheses, backslash escapes.
                let mut depth = 0usize;
                while i < b.len() {
                    match b[i] {
                        b'\\' => i += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
            }
            b'B' if b.get(i + 1) == Some(&b'I')
                && (i == 0 || is_delim(b[i - 1]))
                && b.get(i + 2).is_none_or(|&c| is_delim(c)) =>
            {
                let (image, next) = read_image(b, i + 2);
                out.push(image);
                i = next;
                continue;
            }
            _ => i += 1,
        }
    }
    out
}

fn read_image(b: &[u8], start: usize) -> (Option<Stream>, usize) {
    let mut c = Cursor { b, i: start };
    let mut dict = Dictionary::new();
    loop {
        c.skip_ws();
        if b.get(c.i..c.i + 2) == Some(b"ID") && b.get(c.i + 2).is_some_and(|&x| is_ws(x)) {
            c.i += 3;
            break;
        }
        let (Some(Object::Name(k)), Some(v)) = (c.value(0), c.value(0)) else {
            return (None, skip_to_ei(b, c.i));
        };
        dict.set(k, v);
        if c.i >= b.len() {
            return (None, b.len());
        }
    }
    let data_start = c.i;
    let end = find_ei(b, data_start);
    let mut data = b[data_start..end].to_vec();
    while data.last().is_some_and(|&x| is_ws(x)) {
        data.pop();
    }
    (
        Some(Stream::new(dict, data).with_compression(false)),
        (end + 3).min(b.len()),
    )
}

/// Where the `EI` that ends the image data at `from` starts (white space before and after it).
fn find_ei(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i + 2 <= b.len() {
        if &b[i..i + 2] == b"EI"
            && i > from
            && is_ws(b[i - 1])
            && b.get(i + 2).is_none_or(|&x| is_ws(x))
        {
            return i;
        }
        i += 1;
    }
    b.len()
}

fn skip_to_ei(b: &[u8], from: usize) -> usize {
    (find_ei(b, from) + 2).min(b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filtered_inline_images_are_read_and_strings_are_not_mistaken_for_them() {
        let content = b"BT (a BI in text) Tj ET q 10 0 0 10 0 0 cm BI /W 4 /H 2 /BPC 1 /CS /G /F [/AHx] /DP << /K -1 >> ID 0f0f> EI Q BI /W 1 /H 1 /CS /G /BPC 8 ID \xff EI";
        let images = inline_images(content);
        assert_eq!(images.len(), 2);
        let first = images[0].as_ref().unwrap();
        assert_eq!(first.dict.get(b"W").unwrap().as_i64().unwrap(), 4);
        assert_eq!(first.dict.get(b"F").unwrap().as_array().unwrap().len(), 1);
        assert!(first.dict.get(b"DP").unwrap().as_dict().is_ok());
        assert_eq!(first.content, b"0f0f>");
        assert_eq!(images[1].as_ref().unwrap().content, b"\xff");
    }
}
