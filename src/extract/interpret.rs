//! The content-stream interpreter: every glyph a page shows, placed in device space, and every
//! image it draws.
//!
//! lopdf's own `extract_text` concatenates strings in stream order and ignores positioning, so
//! words positioned by kerning run together and lines do not break. This module interprets the
//! text operators with a graphics-state stack (`q`/`Q`, `cm`, `BT`, `Tf`, `Tc`, `Tw`, `Tz`, `TL`,
//! `Ts`, `Td`, `TD`, `Tm`, `T*`, `Tj`, `TJ`, `'`, `"`, and `Do` into Form XObjects) and places
//! every glyph with its advance width. [`super::reading_order`] turns the glyphs into text.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use lopdf::content::Content;
use lopdf::Encoding;
use lopdf::{Dictionary, Document, Object, ObjectId};

use super::cmap::ToUnicode;

/// An affine matrix `[a b c d e f]` as PDF writes it.
type Matrix = [f32; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m1` then `m2` (the PDF convention: `m1 × m2`).
fn mul(m1: &Matrix, m2: &Matrix) -> Matrix {
    [
        m1[0] * m2[0] + m1[1] * m2[2],
        m1[0] * m2[1] + m1[1] * m2[3],
        m1[2] * m2[0] + m1[3] * m2[2],
        m1[2] * m2[1] + m1[3] * m2[3],
        m1[4] * m2[0] + m1[5] * m2[2] + m2[4],
        m1[4] * m2[1] + m1[5] * m2[3] + m2[5],
    ]
}

fn translate(tx: f32, ty: f32) -> Matrix {
    [1.0, 0.0, 0.0, 1.0, tx, ty]
}

/// One shown glyph in device space, already rotated so that its line runs along +x.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// Start of the glyph along the line.
    pub x0: f32,
    /// End of the glyph's advance along the line.
    pub x1: f32,
    /// Baseline position across the line (larger is higher on the page).
    pub y: f32,
    /// Font size in device units.
    pub size: f32,
    /// Which way the line runs: 0 = left to right, 1 = upwards, 2 = right to left, 3 = downwards.
    pub dir: u8,
    /// Decoded text of the glyph (may be more than one character, e.g. a ligature).
    pub text: String,
}

/// How many nested Form XObjects are followed before giving up (cycles are caught separately).
const MAX_FORM_DEPTH: usize = 12;

/// Glyph widths of one font, in thousandths of text space.
#[derive(Debug, Clone)]
enum Widths {
    Simple {
        first: i64,
        widths: Vec<f32>,
        missing: f32,
    },
    Cid {
        map: HashMap<u32, f32>,
        default: f32,
    },
}

impl Widths {
    fn get(&self, code: u32) -> f32 {
        match self {
            Widths::Simple {
                first,
                widths,
                missing,
            } => {
                let i = code as i64 - first;
                if i >= 0 && (i as usize) < widths.len() && widths[i as usize] > 0.0 {
                    widths[i as usize]
                } else {
                    *missing
                }
            }
            Widths::Cid { map, default } => map.get(&code).copied().unwrap_or(*default),
        }
    }
}

struct Font<'a> {
    /// The font's `ToUnicode` map, read by docgraph ([`super::cmap`]); it comes first, as the
    /// PDF specification says it does for text extraction.
    to_unicode: Option<ToUnicode>,
    /// lopdf's reading of the font's encoding, for codes the map lacks.
    encoding: Option<Encoding<'a>>,
    two_byte: bool,
    widths: Widths,
}

/// Average glyph width used when a font gives none (standard-14 fonts without `/Widths`).
const FALLBACK_WIDTH: f32 = 500.0;

fn num(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(o),
        _ => o,
    }
}

fn dict_get<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    d.get(key).ok().map(|o| deref(doc, o))
}

fn load_font<'a>(doc: &'a Document, font: &'a Dictionary, max_bytes: usize) -> Font<'a> {
    let subtype = dict_get(doc, font, b"Subtype").and_then(|o| o.as_name().ok());
    let two_byte = subtype == Some(b"Type0");
    let to_unicode = dict_get(doc, font, b"ToUnicode")
        .and_then(|o| o.as_stream().ok())
        .and_then(|s| s.decompressed_content_with_limit(max_bytes).ok())
        .and_then(|content| ToUnicode::parse(&content));
    let encoding = font.get_font_encoding_with_limit(doc, max_bytes).ok();
    let widths = if two_byte {
        let desc = dict_get(doc, font, b"DescendantFonts")
            .and_then(|o| o.as_array().ok())
            .and_then(|a| a.first())
            .and_then(|o| deref(doc, o).as_dict().ok());
        let default = desc
            .and_then(|d| dict_get(doc, d, b"DW"))
            .and_then(num)
            .unwrap_or(1000.0);
        let mut map = HashMap::new();
        if let Some(w) = desc
            .and_then(|d| dict_get(doc, d, b"W"))
            .and_then(|o| o.as_array().ok())
        {
            parse_cid_widths(doc, w, &mut map);
        }
        Widths::Cid { map, default }
    } else {
        let first = dict_get(doc, font, b"FirstChar")
            .and_then(num)
            .unwrap_or(0.0) as i64;
        let widths: Vec<f32> = dict_get(doc, font, b"Widths")
            .and_then(|o| o.as_array().ok())
            .map(|a| {
                a.iter()
                    .map(|o| num(deref(doc, o)).unwrap_or(0.0))
                    .collect()
            })
            .unwrap_or_default();
        let missing = dict_get(doc, font, b"FontDescriptor")
            .and_then(|o| o.as_dict().ok())
            .and_then(|d| dict_get(doc, d, b"MissingWidth"))
            .and_then(num)
            .filter(|w| *w > 0.0)
            .unwrap_or(FALLBACK_WIDTH);
        Widths::Simple {
            first,
            widths,
            missing,
        }
    };
    Font {
        to_unicode,
        encoding,
        two_byte,
        widths,
    }
}

/// `/W` arrays come as `c [w1 w2 …]` or `cfirst clast w`.
fn parse_cid_widths(doc: &Document, w: &[Object], map: &mut HashMap<u32, f32>) {
    let mut i = 0;
    while i < w.len() {
        let Some(start) = num(deref(doc, &w[i])) else {
            break;
        };
        match w.get(i + 1).map(|o| deref(doc, o)) {
            Some(Object::Array(list)) => {
                for (k, o) in list.iter().enumerate() {
                    if let Some(v) = num(deref(doc, o)) {
                        map.insert(start as u32 + k as u32, v);
                    }
                }
                i += 2;
            }
            Some(o) => {
                let (Some(end), Some(v)) = (num(o), w.get(i + 2).and_then(|o| num(deref(doc, o))))
                else {
                    break;
                };
                // Bound the range so a hostile `/W` cannot ask for billions of entries.
                let end = end.min(start + 65_535.0);
                for c in start as u32..=end as u32 {
                    map.insert(c, v);
                }
                i += 3;
            }
            None => break,
        }
    }
}

#[derive(Clone)]
struct TextState<'a> {
    font: Option<Rc<Font<'a>>>,
    size: f32,
    char_spacing: f32,
    word_spacing: f32,
    scale: f32,
    leading: f32,
    rise: f32,
}

#[derive(Clone)]
struct GState<'a> {
    ctm: Matrix,
    text: TextState<'a>,
}

/// Where an image shown on the page comes from.
#[derive(Debug, Clone)]
pub enum ImageRef {
    /// An image XObject.
    Object(ObjectId),
    /// An inline image (`BI … ID … EI`), with its abbreviated dictionary.
    Inline(Box<lopdf::Stream>),
}

/// An image drawn on the page and the size it is drawn at.
#[derive(Debug, Clone)]
pub struct ImagePlacement {
    /// The image.
    pub image: ImageRef,
    /// Drawn width in points (1/72 inch).
    pub width_pt: f32,
    /// Drawn height in points.
    pub height_pt: f32,
}

/// What a page shows: its glyphs and its images.
#[derive(Debug, Default)]
pub struct PageContent {
    /// Glyphs in content-stream order.
    pub glyphs: Vec<Glyph>,
    /// Images in drawing order, Form XObjects included.
    pub images: Vec<ImagePlacement>,
}

/// Most images recorded per page: a page tiling thousands of images is not a scan.
const MAX_IMAGES_PER_PAGE: usize = 64;

fn placement(image: ImageRef, ctm: &Matrix) -> ImagePlacement {
    ImagePlacement {
        image,
        width_pt: (ctm[0] * ctm[0] + ctm[1] * ctm[1]).sqrt(),
        height_pt: (ctm[2] * ctm[2] + ctm[3] * ctm[3]).sqrt(),
    }
}

struct Interpreter<'a> {
    doc: &'a Document,
    glyphs: Vec<Glyph>,
    images: Vec<ImagePlacement>,
    font_cache: HashMap<ObjectId, Rc<Font<'a>>>,
    forms_open: HashSet<ObjectId>,
    max_bytes: usize,
}

impl<'a> Interpreter<'a> {
    fn font_for(
        &mut self,
        fonts: &BTreeMap<Vec<u8>, (Option<ObjectId>, &'a Dictionary)>,
        name: &[u8],
    ) -> Option<Rc<Font<'a>>> {
        let (id, dict) = fonts.get(name)?;
        if let Some(id) = id {
            if let Some(f) = self.font_cache.get(id) {
                return Some(f.clone());
            }
        }
        let f = Rc::new(load_font(self.doc, dict, self.max_bytes));
        if let Some(id) = id {
            self.font_cache.insert(*id, f.clone());
        }
        Some(f)
    }

    fn run(
        &mut self,
        content: &[u8],
        resources: Option<&'a Dictionary>,
        mut gs: GState<'a>,
        depth: usize,
    ) -> Result<(), String> {
        let ops = Content::decode(content).map_err(|e| format!("content stream: {e}"))?;
        let fonts = resources.map(|r| font_map(self.doc, r)).unwrap_or_default();
        let xobjects = resources
            .and_then(|r| dict_get(self.doc, r, b"XObject"))
            .and_then(|o| o.as_dict().ok());
        let mut stack: Vec<GState<'a>> = Vec::new();
        let mut tm = IDENTITY;
        let mut tlm = IDENTITY;
        let mut inline_seen = 0usize;
        let mut inline: Option<Vec<Option<lopdf::Stream>>> = None;
        for op in &ops.operations {
            let a = &op.operands;
            let n = |i: usize| a.get(i).and_then(num).unwrap_or(0.0);
            match op.operator.as_str() {
                // Nesting past 256 levels is hostile; further saves are ignored.
                "q" if stack.len() < 256 => stack.push(gs.clone()),
                "Q" => {
                    if let Some(s) = stack.pop() {
                        gs = s;
                    }
                }
                "cm" => gs.ctm = mul(&[n(0), n(1), n(2), n(3), n(4), n(5)], &gs.ctm),
                "BT" => {
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                "Tf" => {
                    gs.text.font = a
                        .first()
                        .and_then(|o| o.as_name().ok())
                        .and_then(|name| self.font_for(&fonts, name));
                    gs.text.size = n(1);
                }
                "Tc" => gs.text.char_spacing = n(0),
                "Tw" => gs.text.word_spacing = n(0),
                "Tz" => gs.text.scale = n(0) / 100.0,
                "TL" => gs.text.leading = n(0),
                "Ts" => gs.text.rise = n(0),
                "Td" => {
                    tlm = mul(&translate(n(0), n(1)), &tlm);
                    tm = tlm;
                }
                "TD" => {
                    gs.text.leading = -n(1);
                    tlm = mul(&translate(n(0), n(1)), &tlm);
                    tm = tlm;
                }
                "Tm" => {
                    tlm = [n(0), n(1), n(2), n(3), n(4), n(5)];
                    tm = tlm;
                }
                "T*" => {
                    tlm = mul(&translate(0.0, -gs.text.leading), &tlm);
                    tm = tlm;
                }
                "Tj" => {
                    if let Some(Object::String(s, _)) = a.first() {
                        self.show(s, &gs, &mut tm);
                    }
                }
                "'" | "\"" => {
                    if op.operator == "\"" {
                        gs.text.word_spacing = n(0);
                        gs.text.char_spacing = n(1);
                    }
                    tlm = mul(&translate(0.0, -gs.text.leading), &tlm);
                    tm = tlm;
                    if let Some(Object::String(s, _)) = a.last() {
                        self.show(s, &gs, &mut tm);
                    }
                }
                "TJ" => {
                    if let Some(Object::Array(items)) = a.first() {
                        for item in items {
                            match item {
                                Object::String(s, _) => self.show(s, &gs, &mut tm),
                                other => {
                                    if let Some(adj) = num(other) {
                                        let tx = -adj / 1000.0 * gs.text.size * gs.text.scale;
                                        tm = mul(&translate(tx, 0.0), &tm);
                                    }
                                }
                            }
                        }
                    }
                }
                "Do" => {
                    let Some(name) = a.first().and_then(|o| o.as_name().ok()) else {
                        continue;
                    };
                    let Some(Ok(id)) = xobjects
                        .and_then(|x| x.get(name).ok())
                        .map(|o| o.as_reference())
                    else {
                        continue;
                    };
                    let Ok(stream) = self.doc.get_object(id).and_then(|o| o.as_stream()) else {
                        continue;
                    };
                    match dict_get(self.doc, &stream.dict, b"Subtype")
                        .and_then(|o| o.as_name().ok())
                    {
                        Some(b"Image") if self.images.len() < MAX_IMAGES_PER_PAGE => {
                            self.images.push(placement(ImageRef::Object(id), &gs.ctm));
                        }
                        Some(b"Form") if depth < MAX_FORM_DEPTH => {
                            self.run_form(id, &gs, resources, depth)?
                        }
                        _ => {}
                    }
                }
                "BI" => {
                    let k = inline_seen;
                    inline_seen += 1;
                    if self.images.len() >= MAX_IMAGES_PER_PAGE {
                        continue;
                    }
                    // lopdf decodes unfiltered inline images only; read the others ourselves.
                    let image = match a.first() {
                        Some(Object::Stream(image)) => Some(image.clone()),
                        _ => inline
                            .get_or_insert_with(|| super::inline::inline_images(content))
                            .get(k)
                            .cloned()
                            .flatten(),
                    };
                    if let Some(image) = image {
                        self.images
                            .push(placement(ImageRef::Inline(Box::new(image)), &gs.ctm));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn run_form(
        &mut self,
        id: ObjectId,
        gs: &GState<'a>,
        parent_resources: Option<&'a Dictionary>,
        depth: usize,
    ) -> Result<(), String> {
        let Ok(stream) = self.doc.get_object(id).and_then(|o| o.as_stream()) else {
            return Ok(());
        };
        if !self.forms_open.insert(id) {
            return Ok(()); // a form that draws itself
        }
        let content = stream
            .decompressed_content_with_limit(self.max_bytes)
            .or_else(|_| {
                if stream.dict.has(b"Filter") {
                    Err(())
                } else {
                    Ok(stream.content.clone())
                }
            });
        if let Ok(content) = content {
            let mut inner = gs.clone();
            if let Some(m) =
                dict_get(self.doc, &stream.dict, b"Matrix").and_then(|o| o.as_array().ok())
            {
                let v: Vec<f32> = m.iter().filter_map(num).collect();
                if v.len() == 6 {
                    inner.ctm = mul(&[v[0], v[1], v[2], v[3], v[4], v[5]], &gs.ctm);
                }
            }
            let res = dict_get(self.doc, &stream.dict, b"Resources")
                .and_then(|o| o.as_dict().ok())
                .or(parent_resources);
            self.run(&content, res, inner, depth + 1)?;
        }
        self.forms_open.remove(&id);
        Ok(())
    }

    fn show(&mut self, bytes: &[u8], gs: &GState<'a>, tm: &mut Matrix) {
        let ts = &gs.text;
        let Some(font) = ts.font.clone() else { return };
        let step = if font.two_byte { 2 } else { 1 };
        for chunk in bytes.chunks(step) {
            let code = chunk.iter().fold(0u32, |acc, b| acc * 256 + *b as u32);
            let text = match (
                font.to_unicode.as_ref().and_then(|m| m.get(code)),
                &font.encoding,
            ) {
                (Some(text), _) => text,
                (None, Some(enc)) => enc.bytes_to_string(chunk).unwrap_or_default(),
                (None, None) => String::new(),
            };
            let w0 = font.widths.get(code) / 1000.0;
            let word_space = if step == 1 && code == 32 {
                ts.word_spacing
            } else {
                0.0
            };
            let tx = (w0 * ts.size + ts.char_spacing + word_space) * ts.scale;
            let trm = mul(
                &mul(&[ts.size * ts.scale, 0.0, 0.0, ts.size, 0.0, ts.rise], tm),
                &gs.ctm,
            );
            let next = mul(&translate(tx, 0.0), tm);
            let end = mul(
                &mul(
                    &[ts.size * ts.scale, 0.0, 0.0, ts.size, 0.0, ts.rise],
                    &next,
                ),
                &gs.ctm,
            );
            *tm = next;
            let size = (trm[2] * trm[2] + trm[3] * trm[3]).sqrt();
            if !text.is_empty() && size > 0.0 && size.is_finite() {
                let dir = direction(trm[0], trm[1]);
                let (x0, y) = rotate(dir, trm[4], trm[5]);
                let (x1, _) = rotate(dir, end[4], end[5]);
                self.glyphs.push(Glyph {
                    x0,
                    x1: x1.max(x0),
                    y,
                    size,
                    dir,
                    text,
                });
            }
        }
    }
}

fn font_map<'a>(
    doc: &'a Document,
    resources: &'a Dictionary,
) -> BTreeMap<Vec<u8>, (Option<ObjectId>, &'a Dictionary)> {
    let mut out = BTreeMap::new();
    if let Some(fonts) = dict_get(doc, resources, b"Font").and_then(|o| o.as_dict().ok()) {
        for (name, o) in fonts.iter() {
            let id = o.as_reference().ok();
            if let Ok(d) = deref(doc, o).as_dict() {
                out.insert(name.clone(), (id, d));
            }
        }
    }
    out
}

/// The quadrant a text direction vector points into.
fn direction(a: f32, b: f32) -> u8 {
    if a.abs() >= b.abs() {
        if a >= 0.0 {
            0
        } else {
            2
        }
    } else if b > 0.0 {
        1
    } else {
        3
    }
}

/// Rotates a point so that direction `dir` becomes +x.
fn rotate(dir: u8, x: f32, y: f32) -> (f32, f32) {
    match dir {
        1 => (y, -x),
        2 => (-x, -y),
        3 => (-y, x),
        _ => (x, y),
    }
}

/// The page's resources, merged from the page and the nodes it inherits from.
fn page_resources(doc: &Document, page_id: ObjectId) -> Option<&Dictionary> {
    let (own, inherited) = doc.get_page_resources(page_id).ok()?;
    own.or_else(|| inherited.iter().find_map(|id| doc.get_dictionary(*id).ok()))
}

/// Glyphs and images of one page. `max_bytes` bounds every decompressed stream.
pub fn page_content(
    doc: &Document,
    page_id: ObjectId,
    max_bytes: usize,
) -> Result<PageContent, String> {
    let content = doc
        .get_page_content_with_limit(page_id, max_bytes)
        .map_err(|e| format!("page content: {e}"))?;
    let mut interp = Interpreter {
        doc,
        glyphs: Vec::new(),
        images: Vec::new(),
        font_cache: HashMap::new(),
        forms_open: HashSet::new(),
        max_bytes,
    };
    let gs = GState {
        ctm: IDENTITY,
        text: TextState {
            font: None,
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            scale: 1.0,
            leading: 0.0,
            rise: 0.0,
        },
    };
    interp.run(&content, page_resources(doc, page_id), gs, 0)?;
    Ok(PageContent {
        glyphs: interp.glyphs,
        images: interp.images,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_compose_in_pdf_order() {
        let m = mul(&translate(10.0, 0.0), &[2.0, 0.0, 0.0, 2.0, 0.0, 0.0]);
        assert_eq!(m, [2.0, 0.0, 0.0, 2.0, 20.0, 0.0]);
        assert_eq!(direction(0.0, 1.0), 1);
        assert_eq!(rotate(1, 0.0, 5.0), (5.0, 0.0));
    }
}
