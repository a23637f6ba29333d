//! Putting the worker shim in front of an app's service worker script. Pure functions: decode the
//! body, prepend the shim, and rewrite validators so that a new shim is a new script to the
//! browser (a normal worker update) while an unchanged one still revalidates with 304.

use std::io::Read;

/// The shim for one origin: its bytes (config line and shim source) and their version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shim {
    prefix: Vec<u8>,
    version: String,
}

impl Shim {
    /// A shim from the bytes to prepend.
    pub fn new(prefix: impl Into<Vec<u8>>) -> Self {
        let prefix = prefix.into();
        let version = format!("{:016x}", fnv1a(&prefix));
        Self { prefix, version }
    }

    /// A short stable hash of the shim's bytes.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The app's script with the shim in front. A newline keeps a final `//` comment in the
    /// shim from swallowing the app's first line.
    pub fn inject(&self, script: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.prefix.len() + 1 + script.len());
        out.extend_from_slice(&self.prefix);
        out.push(b'\n');
        out.extend_from_slice(script);
        out
    }

    /// The ETag sent to the browser for an upstream ETag: the shim version is part of it.
    pub fn response_etag(&self, upstream: &str) -> Option<String> {
        let (weak, inner) = split_etag(upstream.trim())?;
        Some(format!(
            "{}\"{inner}-ss{}\"",
            if weak { "W/" } else { "" },
            self.version
        ))
    }

    /// The If-None-Match to send upstream for the browser's: our ETags of this shim version
    /// become the upstream ones; ETags of an older shim are dropped, so the script is fetched in
    /// full and the browser sees the new shim. `None`: send no If-None-Match.
    pub fn upstream_if_none_match(&self, browser: &str) -> Option<String> {
        let suffix = format!("-ss{}", self.version);
        let tags: Vec<String> = etag_list(browser)
            .into_iter()
            .filter_map(|t| {
                let (weak, inner) = split_etag(t.trim())?;
                let upstream = inner.strip_suffix(&suffix)?;
                Some(format!("{}\"{upstream}\"", if weak { "W/" } else { "" }))
            })
            .collect();
        (!tags.is_empty()).then(|| tags.join(", "))
    }
}

/// The entries of an `If-None-Match` list. A comma inside quotes is part of an entity tag
/// (RFC 9110 section 8.8.3 allows it there), not a separator: found by fuzzing, a server's
/// `"a,b"` never revalidated.
fn etag_list(value: &str) -> Vec<&str> {
    let mut tags = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, b) in value.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                tags.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    tags.push(&value[start..]);
    tags
}

fn split_etag(tag: &str) -> Option<(bool, &str)> {
    let (weak, quoted) = match tag.strip_prefix("W/") {
        Some(rest) => (true, rest),
        None => (false, tag),
    };
    let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
    Some((weak, inner))
}

/// FNV-1a: a tiny stable hash; the version only has to change when the shim does.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Why a script's body cannot be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// A content coding the proxy does not undo (lower-cased as it was matched).
    #[error("unsupported Content-Encoding \"{0}\"")]
    Unsupported(String),
    /// The body is not valid in one of its codings.
    #[error("cannot decode {coding} body: {source}")]
    Corrupt {
        /// The coding that failed.
        coding: String,
        /// What the decoder said.
        source: std::io::Error,
    },
    /// Decoded, the script would be larger than the limit (the number of bytes).
    #[error("decoded script is larger than {0} bytes")]
    TooLarge(usize),
}

/// Undoes `Content-Encoding` (a list, applied in order, so undone in reverse). `limit` caps the
/// decoded size, so a compression bomb cannot exhaust memory.
pub fn decode(
    content_encoding: Option<&str>,
    body: &[u8],
    limit: usize,
) -> Result<Vec<u8>, DecodeError> {
    let mut data = body.to_vec();
    let codings: Vec<String> = content_encoding
        .unwrap_or("")
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    for coding in codings.iter().rev() {
        let reader: Box<dyn Read + '_> = match coding.as_str() {
            "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(&data[..])),
            // "deflate" is zlib-wrapped by the spec, raw in some servers: try zlib first.
            "deflate" if data.first().is_some_and(|b| b & 0x0f == 8) => {
                Box::new(flate2::read::ZlibDecoder::new(&data[..]))
            }
            "deflate" => Box::new(flate2::read::DeflateDecoder::new(&data[..])),
            "br" => Box::new(brotli::Decompressor::new(&data[..], 4096)),
            other => return Err(DecodeError::Unsupported(other.to_owned())),
        };
        let mut out = Vec::new();
        reader
            .take(limit as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|source| DecodeError::Corrupt {
                coding: coding.clone(),
                source,
            })?;
        if out.len() > limit {
            return Err(DecodeError::TooLarge(limit));
        }
        data = out;
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_shim_goes_first_on_its_own_line() {
        let shim = Shim::new("self.__syncshellConfig = {};//end");
        assert_eq!(
            shim.inject(b"app();"),
            b"self.__syncshellConfig = {};//end\napp();".to_vec()
        );
    }

    #[test]
    fn versions_follow_the_shim_bytes() {
        assert_eq!(Shim::new("a").version(), Shim::new("a").version());
        assert_ne!(Shim::new("a").version(), Shim::new("b").version());
    }

    #[test]
    fn etags_carry_the_shim_version_both_ways() {
        let shim = Shim::new("s");
        let ours = shim.response_etag("\"v1\"").unwrap();
        assert_eq!(ours, format!("\"v1-ss{}\"", shim.version()));
        assert_eq!(
            shim.upstream_if_none_match(&ours).as_deref(),
            Some("\"v1\"")
        );
        let weak = shim.response_etag("W/\"v2\"").unwrap();
        assert!(weak.starts_with("W/\""));
        assert_eq!(
            shim.upstream_if_none_match(&format!("{ours}, {weak}"))
                .as_deref(),
            Some("\"v1\", W/\"v2\"")
        );
        assert_eq!(shim.response_etag("unquoted"), None);
    }

    #[test]
    fn an_etag_with_a_comma_comes_back_whole() {
        let shim = Shim::new("s");
        let ours = shim.response_etag("\"z,\"").unwrap();
        assert_eq!(
            shim.upstream_if_none_match(&ours).as_deref(),
            Some("\"z,\"")
        );
        let both = format!("{ours}, {}", shim.response_etag("W/\"a,b\"").unwrap());
        assert_eq!(
            shim.upstream_if_none_match(&both).as_deref(),
            Some("\"z,\", W/\"a,b\"")
        );
    }

    #[test]
    fn etags_of_an_older_shim_force_a_full_fetch() {
        let old = Shim::new("old");
        let new = Shim::new("new");
        let theirs = old.response_etag("\"v1\"").unwrap();
        assert_eq!(new.upstream_if_none_match(&theirs), None);
        assert_eq!(
            new.upstream_if_none_match("\"v1\""),
            None,
            "not ours: the browser never saw it"
        );
    }

    #[test]
    fn decodes_every_common_encoding() {
        let text = b"self.addEventListener('sync', () => {});".repeat(20);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&text).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(decode(Some("gzip"), &gz, 1 << 20).unwrap(), text);
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        zlib.write_all(&text).unwrap();
        assert_eq!(
            decode(Some("deflate"), &zlib.finish().unwrap(), 1 << 20).unwrap(),
            text
        );
        let mut raw =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        raw.write_all(&text).unwrap();
        assert_eq!(
            decode(Some("Deflate"), &raw.finish().unwrap(), 1 << 20).unwrap(),
            text
        );
        let mut br = Vec::new();
        brotli::CompressorWriter::new(&mut br, 4096, 5, 22)
            .write_all(&text)
            .unwrap();
        assert_eq!(decode(Some("br"), &br, 1 << 20).unwrap(), text);
        assert_eq!(decode(None, &text, 1 << 20).unwrap(), text);
        assert_eq!(decode(Some("identity"), &text, 1 << 20).unwrap(), text);
    }

    #[test]
    fn unknown_encodings_and_bombs_are_refused() {
        assert!(decode(Some("zstd"), b"x", 100)
            .unwrap_err()
            .to_string()
            .contains("unsupported"));
        let zeros = vec![0u8; 100_000];
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&zeros).unwrap();
        let err = decode(Some("gzip"), &gz.finish().unwrap(), 1_000)
            .unwrap_err()
            .to_string();
        assert!(err.contains("larger than 1000"), "{err}");
    }
}
