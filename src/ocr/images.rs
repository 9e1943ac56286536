//! Page images decoded into something Tesseract reads.
//!
//! JPEG (`DCTDecode`) bytes go to Leptonica as they are. Everything else is decoded here to
//! 8-bit grey: raw or Flate/LZW-compressed samples (predictors are undone by lopdf) in grey,
//! RGB, CMYK, Indexed, ICC-based, Separation colour spaces at 1, 2, 4, 8 or 16 bits, and CCITT
//! Group 3 and 4 fax images, the usual encoding of black-and-white scans.

use lopdf::{Dictionary, Document, Object, Stream};

/// An image ready for OCR.
#[derive(Debug, Clone, PartialEq)]
pub enum OcrImage {
    /// Encoded bytes Leptonica decodes itself (JPEG).
    Encoded {
        /// The file bytes.
        bytes: Vec<u8>,
        /// Width in pixels, from the PDF.
        width: u32,
        /// Height in pixels, from the PDF.
        height: u32,
    },
    /// 8-bit grey pixels, row by row.
    Gray {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// `width * height` bytes, 0 black, 255 white.
        pixels: Vec<u8>,
    },
}

impl OcrImage {
    /// Width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            OcrImage::Encoded { width, height, .. } | OcrImage::Gray { width, height, .. } => {
                (*width, *height)
            }
        }
    }
}

/// Largest image decoded, in pixels (a 600 dpi A3 page is about 35 million).
pub const MAX_PIXELS: u64 = 80_000_000;

/// Looks a key up by its full or inline-image abbreviated name.
fn get<'a>(doc: &'a Document, d: &'a Dictionary, keys: &[&[u8]]) -> Option<&'a Object> {
    keys.iter().find_map(|k| d.get(k).ok()).map(|o| match o {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(o),
        _ => o,
    })
}

fn int(o: Option<&Object>) -> Option<i64> {
    match o? {
        Object::Integer(i) => Some(*i),
        Object::Real(r) => Some(*r as i64),
        _ => None,
    }
}

fn name_of(o: &Object) -> Option<&[u8]> {
    o.as_name().ok()
}

/// Expands the abbreviated filter names inline images use.
fn full_filter_name(n: &[u8]) -> &[u8] {
    match n {
        b"AHx" => b"ASCIIHexDecode",
        b"A85" => b"ASCII85Decode",
        b"LZW" => b"LZWDecode",
        b"Fl" => b"FlateDecode",
        b"RL" => b"RunLengthDecode",
        b"CCF" => b"CCITTFaxDecode",
        b"DCT" => b"DCTDecode",
        other => other,
    }
}

/// Colour model of the samples.
#[derive(Debug, Clone, PartialEq)]
enum Color {
    Gray,
    Rgb,
    Cmyk,
    /// Ink coverage: 1 is full ink (dark).
    Tint,
    Indexed {
        base: Box<Color>,
        palette: Vec<u8>,
    },
}

impl Color {
    fn components(&self) -> usize {
        match self {
            Color::Gray | Color::Tint | Color::Indexed { .. } => 1,
            Color::Rgb => 3,
            Color::Cmyk => 4,
        }
    }
}

fn color_space(doc: &Document, o: Option<&Object>, depth: usize) -> Result<Color, String> {
    let Some(o) = o else { return Ok(Color::Gray) };
    let o = match o {
        Object::Reference(id) => doc.get_object(*id).map_err(|e| e.to_string())?,
        o => o,
    };
    if depth > 4 {
        return Err("colour space nests too deeply".into());
    }
    match o {
        Object::Name(n) => match n.as_slice() {
            b"DeviceGray" | b"G" | b"CalGray" => Ok(Color::Gray),
            b"DeviceRGB" | b"RGB" | b"CalRGB" => Ok(Color::Rgb),
            b"DeviceCMYK" | b"CMYK" => Ok(Color::Cmyk),
            other => Err(format!(
                "unsupported colour space {}",
                String::from_utf8_lossy(other)
            )),
        },
        Object::Array(a) => {
            let family = a.first().and_then(name_of).unwrap_or(b"");
            match family {
                b"ICCBased" => {
                    let n = a
                        .get(1)
                        .and_then(|o| o.as_reference().ok())
                        .and_then(|id| doc.get_object(id).ok())
                        .and_then(|o| o.as_stream().ok())
                        .and_then(|s| int(s.dict.get(b"N").ok()))
                        .unwrap_or(3);
                    Ok(match n {
                        1 => Color::Gray,
                        4 => Color::Cmyk,
                        _ => Color::Rgb,
                    })
                }
                b"Indexed" | b"I" => {
                    let base = color_space(doc, a.get(1), depth + 1)?;
                    let lookup = a.get(3).map(|o| match o {
                        Object::Reference(id) => doc.get_object(*id).unwrap_or(o),
                        o => o,
                    });
                    let palette = match lookup {
                        Some(Object::String(s, _)) => s.clone(),
                        Some(Object::Stream(s)) => s
                            .decompressed_content()
                            .unwrap_or_else(|_| s.content.clone()),
                        _ => return Err("Indexed colour space without a lookup table".into()),
                    };
                    Ok(Color::Indexed {
                        base: Box::new(base),
                        palette,
                    })
                }
                b"Separation" | b"DeviceN" => Ok(Color::Tint),
                b"CalGray" => Ok(Color::Gray),
                b"CalRGB" | b"Lab" => Ok(Color::Rgb),
                other => Err(format!(
                    "unsupported colour space {}",
                    String::from_utf8_lossy(other)
                )),
            }
        }
        _ => Err("unreadable colour space".into()),
    }
}

fn to_gray(color: &Color, c: &[u8]) -> u8 {
    match color {
        Color::Gray => c[0],
        Color::Tint => 255 - c[0],
        Color::Rgb => ((299 * c[0] as u32 + 587 * c[1] as u32 + 114 * c[2] as u32) / 1000) as u8,
        Color::Cmyk => {
            let ink = (30 * c[0] as u32 + 59 * c[1] as u32 + 11 * c[2] as u32) / 100 + c[3] as u32;
            255 - ink.min(255) as u8
        }
        Color::Indexed { base, palette } => {
            let n = base.components();
            let i = c[0] as usize * n;
            match palette.get(i..i + n) {
                Some(entry) => to_gray(base, entry),
                None => 255,
            }
        }
    }
}

/// Decodes the image shown on a page into an [`OcrImage`].
pub fn decode(doc: &Document, stream: &Stream, max_bytes: usize) -> Result<OcrImage, String> {
    let d = &stream.dict;
    let width = int(get(doc, d, &[b"Width", b"W"])).ok_or("image without a width")?;
    let height = int(get(doc, d, &[b"Height", b"H"])).ok_or("image without a height")?;
    if width <= 0 || height <= 0 {
        return Err(format!("image of {width}x{height} pixels"));
    }
    if (width as u64) * (height as u64) > MAX_PIXELS {
        return Err(format!(
            "image of {width}x{height} pixels is over the limit of {MAX_PIXELS} pixels"
        ));
    }
    let (width, height) = (width as u32, height as u32);
    let filters: Vec<Vec<u8>> = match get(doc, d, &[b"Filter", b"F"]) {
        Some(Object::Name(n)) => vec![full_filter_name(n).to_vec()],
        Some(Object::Array(a)) => a
            .iter()
            .filter_map(name_of)
            .map(|n| full_filter_name(n).to_vec())
            .collect(),
        _ => Vec::new(),
    };
    let parms_list: Vec<Option<&Dictionary>> = match get(doc, d, &[b"DecodeParms", b"DP"]) {
        Some(Object::Dictionary(p)) => vec![Some(p)],
        Some(Object::Array(a)) => a
            .iter()
            .map(|o| match o {
                Object::Reference(id) => doc.get_dictionary(*id).ok(),
                o => o.as_dict().ok(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let last = filters.last().map(|f| f.as_slice());
    let image_filter = matches!(
        last,
        Some(b"DCTDecode" | b"CCITTFaxDecode" | b"JBIG2Decode" | b"JPXDecode")
    );
    // Undo the general-purpose filters (all of them, or all before the image codec).
    let data = if image_filter && filters.len() == 1 {
        stream.content.clone()
    } else {
        let mut s = stream.clone();
        let keep = if image_filter {
            filters.len() - 1
        } else {
            filters.len()
        };
        let names: Vec<Object> = filters[..keep]
            .iter()
            .map(|f| Object::Name(f.clone()))
            .collect();
        s.dict.set("Filter", Object::Array(names));
        if parms_list.len() > 1 {
            let parms: Vec<Object> = parms_list[..keep]
                .iter()
                .map(|p| {
                    p.map(|p| Object::Dictionary(p.clone()))
                        .unwrap_or(Object::Null)
                })
                .collect();
            s.dict.set("DecodeParms", Object::Array(parms));
        } else if let Some(Some(p)) = parms_list.first().filter(|_| !image_filter) {
            s.dict.set("DecodeParms", Object::Dictionary((*p).clone()));
        } else {
            s.dict.remove(b"DecodeParms");
        }
        s.dict.remove(b"DP");
        s.dict.remove(b"F");
        if keep == 0 {
            stream.content.clone()
        } else {
            s.decompressed_content_with_limit(max_bytes)
                .map_err(|e| format!("image data: {e}"))?
        }
    };
    match last {
        Some(b"DCTDecode") => Ok(OcrImage::Encoded {
            bytes: data,
            width,
            height,
        }),
        Some(b"CCITTFaxDecode") => {
            let parms = parms_list.last().copied().flatten();
            ccitt(doc, &data, width, height, parms, decode_inverts(doc, d))
        }
        Some(b"JBIG2Decode") => {
            Err("JBIG2 images are not supported (no maintained decoder available)".into())
        }
        Some(b"JPXDecode") => Err("JPEG 2000 images are not supported".into()),
        _ => samples(doc, d, &data, width, height),
    }
}

/// A `/Decode [1 0]` array swaps dark and light.
fn decode_inverts(doc: &Document, d: &Dictionary) -> bool {
    match get(doc, d, &[b"Decode", b"D"]) {
        Some(Object::Array(a)) => a
            .first()
            .and_then(|o| o.as_float().ok())
            .is_some_and(|v| v > 0.5),
        _ => false,
    }
}

fn samples(
    doc: &Document,
    d: &Dictionary,
    data: &[u8],
    width: u32,
    height: u32,
) -> Result<OcrImage, String> {
    let mask = matches!(
        get(doc, d, &[b"ImageMask", b"IM"]),
        Some(Object::Boolean(true))
    );
    let bpc = if mask {
        1
    } else {
        int(get(doc, d, &[b"BitsPerComponent", b"BPC"])).unwrap_or(8) as u32
    };
    if !matches!(bpc, 1 | 2 | 4 | 8 | 16) {
        return Err(format!("{bpc} bits per component"));
    }
    let color = if mask {
        Color::Gray
    } else {
        color_space(doc, get(doc, d, &[b"ColorSpace", b"CS"]), 0)?
    };
    let comps = color.components();
    let invert = decode_inverts(doc, d);
    let row_bytes = (width as usize * comps * bpc as usize).div_ceil(8);
    let need = row_bytes * height as usize;
    if data.len() < need {
        return Err(format!(
            "image data is {} bytes, {need} expected",
            data.len()
        ));
    }
    let max = (1u32 << bpc.min(8)) - 1;
    let mut pixels = Vec::with_capacity(width as usize * height as usize);
    let mut comp = [0u8; 4];
    for row in data[..need].chunks_exact(row_bytes) {
        for x in 0..width as usize {
            for (k, slot) in comp.iter_mut().enumerate().take(comps) {
                let i = x * comps + k;
                let v = match bpc {
                    8 => row[i] as u32,
                    16 => row[2 * i] as u32,
                    _ => {
                        let bit = i * bpc as usize;
                        ((row[bit / 8] >> (8 - bpc as usize - bit % 8)) as u32) & max
                    }
                };
                // Indexed samples are palette indices, not intensities.
                *slot = if matches!(color, Color::Indexed { .. }) || bpc >= 8 {
                    v as u8
                } else {
                    (v * 255 / max) as u8
                };
            }
            let mut g = to_gray(&color, &comp[..comps]);
            if invert {
                g = 255 - g;
            }
            pixels.push(g);
        }
    }
    Ok(OcrImage::Gray {
        width,
        height,
        pixels,
    })
}

fn ccitt(
    doc: &Document,
    data: &[u8],
    width: u32,
    height: u32,
    parms: Option<&Dictionary>,
    invert: bool,
) -> Result<OcrImage, String> {
    let p = |k: &[u8]| parms.and_then(|d| get(doc, d, &[k]));
    let k = int(p(b"K")).unwrap_or(0);
    let columns = int(p(b"Columns")).unwrap_or(1728).max(1) as u32;
    let rows = int(p(b"Rows")).map(|r| r as u32).unwrap_or(height);
    let black_is_1 = matches!(p(b"BlackIs1"), Some(Object::Boolean(true)));
    if columns > u16::MAX as u32 || columns != width {
        return Err(format!(
            "CCITT image of {columns} columns in a {width}-pixel-wide image"
        ));
    }
    let mut pixels: Vec<u8> = Vec::with_capacity((width * height) as usize);
    let mut lines = 0u32;
    let mut push_line = |transitions: &[u16]| {
        if lines < height {
            for c in fax::decoder::pels(transitions, columns as u16) {
                // The sample value: black is 0 unless /BlackIs1; then the grey colour space
                // (and a /Decode inversion) say what the sample looks like.
                let bit_one = (c == fax::Color::Black) == black_is_1;
                pixels.push(if bit_one != invert { 255 } else { 0 });
            }
            lines += 1;
        }
    };
    let ok = if k < 0 {
        fax::decoder::decode_g4(
            data.iter().copied(),
            columns as u16,
            Some(rows.min(u16::MAX as u32) as u16),
            &mut push_line,
        )
    } else if k == 0 {
        fax::decoder::decode_g3(data.iter().copied(), &mut push_line)
    } else {
        return Err("mixed 1-D/2-D CCITT Group 3 (K > 0) is not supported".into());
    };
    if ok.is_none() && lines == 0 {
        return Err("CCITT data did not decode".into());
    }
    // A stream that ends early leaves the rest of the page white.
    pixels.resize((width * height) as usize, 255);
    Ok(OcrImage::Gray {
        width,
        height,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::dictionary;

    #[test]
    fn one_bit_images_expand_to_grey_and_decode_arrays_invert() {
        let doc = Document::new();
        let d = dictionary! { "Width" => 8, "Height" => 1, "BitsPerComponent" => 1, "ColorSpace" => "DeviceGray" };
        let img = decode(&doc, &Stream::new(d, vec![0b1010_0000]), 1 << 20).unwrap();
        assert_eq!(
            img,
            OcrImage::Gray {
                width: 8,
                height: 1,
                pixels: vec![255, 0, 255, 0, 0, 0, 0, 0]
            }
        );

        let d = dictionary! { "Width" => 2, "Height" => 1, "ImageMask" => true, "Decode" => vec![1.into(), 0.into()] };
        let img = decode(&doc, &Stream::new(d, vec![0b1000_0000]), 1 << 20).unwrap();
        assert_eq!(
            img,
            OcrImage::Gray {
                width: 2,
                height: 1,
                pixels: vec![0, 255]
            }
        );
    }

    #[test]
    fn rgb_cmyk_and_indexed_samples_become_luminance() {
        let doc = Document::new();
        let d = dictionary! { "Width" => 2, "Height" => 1, "BitsPerComponent" => 8, "ColorSpace" => "DeviceRGB" };
        let img = decode(&doc, &Stream::new(d, vec![255, 255, 255, 0, 0, 0]), 1 << 20).unwrap();
        assert_eq!(
            img,
            OcrImage::Gray {
                width: 2,
                height: 1,
                pixels: vec![255, 0]
            }
        );

        let d = dictionary! { "Width" => 1, "Height" => 1, "BitsPerComponent" => 8, "ColorSpace" => "DeviceCMYK" };
        let img = decode(&doc, &Stream::new(d, vec![0, 0, 0, 255]), 1 << 20).unwrap();
        assert_eq!(
            img,
            OcrImage::Gray {
                width: 1,
                height: 1,
                pixels: vec![0]
            }
        );

        let cs = Object::Array(vec![
            "Indexed".into(),
            "DeviceGray".into(),
            1.into(),
            Object::string_literal(vec![10u8, 200]),
        ]);
        let d = dictionary! { "Width" => 2, "Height" => 1, "BitsPerComponent" => 8, "ColorSpace" => cs };
        let img = decode(&doc, &Stream::new(d, vec![1, 0]), 1 << 20).unwrap();
        assert_eq!(
            img,
            OcrImage::Gray {
                width: 2,
                height: 1,
                pixels: vec![200, 10]
            }
        );
    }

    #[test]
    fn jpeg_passes_through_and_absurd_sizes_are_refused() {
        let doc = Document::new();
        let d = dictionary! { "Width" => 3, "Height" => 2, "Filter" => "DCTDecode" };
        let img = decode(&doc, &Stream::new(d, vec![0xFF, 0xD8, 0xFF]), 1 << 20).unwrap();
        assert!(matches!(
            img,
            OcrImage::Encoded {
                width: 3,
                height: 2,
                ..
            }
        ));

        let d =
            dictionary! { "Width" => 1_000_000, "Height" => 1_000_000, "BitsPerComponent" => 8 };
        let err = decode(&doc, &Stream::new(d, vec![]), 1 << 20).unwrap_err();
        assert!(err.contains("over the limit"), "{err}");
    }

    #[test]
    fn truncated_sample_data_is_an_error_not_a_panic() {
        let doc = Document::new();
        let d = dictionary! { "Width" => 100, "Height" => 100, "BitsPerComponent" => 8 };
        assert!(decode(&doc, &Stream::new(d, vec![0; 10]), 1 << 20).is_err());
    }

    #[test]
    fn ccitt_group4_round_trips_through_the_fax_encoder() {
        // Encode a 16x2 bitmap with a black bar using the fax crate's encoder, then decode.
        let width = 16u16;
        let mut enc = fax::encoder::Encoder::new(fax::VecWriter::new());
        let row1: Vec<fax::Color> = (0..width)
            .map(|x| {
                if (4..12).contains(&x) {
                    fax::Color::Black
                } else {
                    fax::Color::White
                }
            })
            .collect();
        enc.encode_line(row1.iter().copied(), width).unwrap();
        enc.encode_line(row1.iter().copied(), width).unwrap();
        let data = enc.finish().unwrap().finish();
        let doc = Document::new();
        let parms = dictionary! { "K" => -1, "Columns" => 16, "Rows" => 2 };
        let d = dictionary! { "Width" => 16, "Height" => 2, "BitsPerComponent" => 1, "Filter" => "CCITTFaxDecode", "DecodeParms" => parms };
        let OcrImage::Gray { pixels, .. } = decode(&doc, &Stream::new(d, data), 1 << 20).unwrap()
        else {
            panic!()
        };
        let expect: Vec<u8> = row1
            .iter()
            .map(|c| if *c == fax::Color::Black { 0 } else { 255 })
            .collect();
        assert_eq!(&pixels[..16], &expect[..]);
        assert_eq!(&pixels[16..], &expect[..]);
    }
}
