//! Shim injection into service worker scripts (`syncshell_proxy::inject`): `decode` undoes the
//! script's `Content-Encoding` list, `Shim::inject` puts the shim in front, and the ETag helpers
//! carry the shim version both ways. Two kinds of input:
//! - a script compressed here with a list of codings (gzip, x-gzip, zlib and raw deflate, br,
//!   identity, unknown ones), in fuzzed spellings: decoding gives the script back byte for byte,
//!   or the crate's typed error for exactly the case it documents (an unsupported coding, a layer
//!   larger than the limit); the injected script is the shim, a newline, then the script;
//! - any bytes under any `Content-Encoding`: a typed error or a result, never a panic or more
//!   than `limit` bytes.
//!
//! And an upstream ETag made ours is turned back into the upstream one, and never by another shim.

#![no_main]

use std::io::Write;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use syncshell_proxy::inject::{decode, DecodeError, Shim};

#[derive(Debug, Arbitrary)]
enum Coding {
    Gzip { level: u8 },
    XGzip,
    Zlib { level: u8 },
    RawDeflate { level: u8 },
    Br { quality: u8, lgwin: u8 },
    Identity,
    Unknown(String),
}

impl Coding {
    /// The coding's name in the header, and the body encoded with it (`None`: an unknown coding,
    /// left as is).
    fn apply(&self, data: &[u8]) -> std::io::Result<(String, Option<Vec<u8>>)> {
        let level = |l: &u8| flate2::Compression::new(u32::from(*l % 10));
        Ok(match self {
            Coding::Gzip { level: l } => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), level(l));
                e.write_all(data)?;
                ("gzip".into(), Some(e.finish()?))
            }
            Coding::XGzip => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(data)?;
                ("x-gzip".into(), Some(e.finish()?))
            }
            Coding::Zlib { level: l } => {
                let mut e = flate2::write::ZlibEncoder::new(Vec::new(), level(l));
                e.write_all(data)?;
                ("deflate".into(), Some(e.finish()?))
            }
            Coding::RawDeflate { level: l } => {
                let mut e = flate2::write::DeflateEncoder::new(Vec::new(), level(l));
                e.write_all(data)?;
                ("deflate".into(), Some(e.finish()?))
            }
            Coding::Br { quality, lgwin } => {
                let mut out = Vec::new();
                {
                    // Quality above 5 costs more time per run than it finds.
                    let mut w = brotli::CompressorWriter::new(
                        &mut out,
                        4096,
                        u32::from(*quality % 6),
                        10 + u32::from(*lgwin % 15),
                    );
                    w.write_all(data)?;
                }
                ("br".into(), Some(out))
            }
            Coding::Identity => ("identity".into(), Some(data.to_vec())),
            Coding::Unknown(name) => (name.clone(), None),
        })
    }
}

#[derive(Debug, Arbitrary)]
enum Input {
    /// A script the server compressed with `codings`, applied in order.
    Encoded {
        shim: Vec<u8>,
        script: Vec<u8>,
        codings: Vec<Coding>,
        upper_case: Vec<bool>,
        limit: u16,
    },
    /// Whatever the server sent.
    Raw {
        content_encoding: Option<String>,
        body: Vec<u8>,
        limit: u16,
    },
    /// Validators.
    Etags {
        shim: Vec<u8>,
        other_shim: Vec<u8>,
        upstream: String,
        browser: String,
    },
}

fuzz_target!(|input: Input| match input {
    Input::Encoded {
        shim,
        script,
        codings,
        upper_case,
        limit,
    } => encoded(&shim, &script, &codings, &upper_case, usize::from(limit)),
    Input::Raw {
        content_encoding,
        body,
        limit,
    } => {
        let limit = usize::from(limit);
        if let Ok(decoded) = decode(content_encoding.as_deref(), &body, limit) {
            let identity_only = content_encoding.as_deref().is_none_or(|h| {
                h.split(',')
                    .all(|c| c.trim().is_empty() || c.trim().eq_ignore_ascii_case("identity"))
            });
            if identity_only {
                assert_eq!(decoded, body);
            } else {
                assert!(
                    decoded.len() <= limit,
                    "{} bytes over a limit of {limit}",
                    decoded.len()
                );
            }
        }
    }
    Input::Etags {
        shim,
        other_shim,
        upstream,
        browser,
    } => etags(
        &Shim::new(shim),
        &Shim::new(other_shim),
        &upstream,
        &browser
    ),
});

fn encoded(shim: &[u8], script: &[u8], codings: &[Coding], upper_case: &[bool], limit: usize) {
    let limit = limit.max(1);
    let mut body = script.to_vec();
    let mut names = Vec::new();
    let mut unknown = false;
    // The largest any layer gets when decoded: the one the limit is checked against.
    let mut largest_layer = 0;
    for (i, coding) in codings.iter().take(4).enumerate() {
        let Ok((mut name, encoded)) = coding.apply(&body) else {
            return;
        };
        if upper_case.get(i).copied().unwrap_or(false) {
            name = name.to_ascii_uppercase();
        }
        match encoded {
            Some(e) => {
                if !name.eq_ignore_ascii_case("identity") {
                    largest_layer = largest_layer.max(body.len());
                }
                body = e;
            }
            None => unknown = true,
        }
        names.push(name);
    }
    let header = names.join(", ");
    // A fuzzed name may still spell a known coding ("GZIP", "identity", "", "br,gzip"), so what
    // counts is whether every coding the header lists is one the proxy undoes.
    let header_known = header.split(',').all(|c| {
        let c = c.trim().to_ascii_lowercase();
        c.is_empty() || ["gzip", "x-gzip", "deflate", "br", "identity"].contains(&c.as_str())
    });
    match decode(Some(&header), &body, limit) {
        Ok(decoded) => {
            assert!(header_known, "an unknown coding decoded: {header:?}");
            if unknown {
                // A fuzzed name that spells a known coding was applied to a body not encoded
                // with it: no claim about what comes out.
                return;
            }
            assert_eq!(decoded, script, "not the script back for {header:?}");
            let injected = Shim::new(shim.to_vec()).inject(&decoded);
            assert_eq!(injected.len(), shim.len() + 1 + script.len());
            assert!(injected.starts_with(shim));
            assert_eq!(injected[shim.len()], b'\n');
            assert!(injected.ends_with(script));
        }
        Err(DecodeError::Unsupported(name)) => {
            assert!(!header_known, "{header:?} refused as unsupported ({name})");
        }
        Err(DecodeError::TooLarge(n)) => {
            assert_eq!(n, limit);
            assert!(
                unknown || largest_layer > limit,
                "{largest_layer} byte layers refused under a limit of {limit} ({header:?})"
            );
        }
        Err(e @ DecodeError::Corrupt { .. }) => {
            assert!(unknown, "{header:?} failed on a body encoded here: {e}");
        }
    }
}

fn etags(shim: &Shim, other: &Shim, upstream: &str, browser: &str) {
    let t = upstream.trim();
    let (weak, rest) = match t.strip_prefix("W/") {
        Some(rest) => ("W/", rest),
        None => ("", t),
    };
    // RFC 9110 section 8.8.3: an entity tag is any visible ASCII but '"' (or obs-text) in quotes.
    let valid = rest.len() >= 2
        && rest.starts_with('"')
        && rest.ends_with('"')
        && rest[1..rest.len() - 1]
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80);
    if let Some(ours) = shim.response_etag(upstream).filter(|_| valid) {
        assert_eq!(
            shim.upstream_if_none_match(&ours),
            Some(format!("{weak}{rest}")),
            "{upstream:?} made ours as {ours:?} does not come back"
        );
        if other.version() != shim.version() {
            assert_eq!(other.upstream_if_none_match(&ours), None);
        }
    }
    // Whatever the browser sends, what goes upstream names no shim version of ours.
    if let Some(sent) = shim.upstream_if_none_match(browser) {
        assert!(!sent.is_empty());
    }
}
