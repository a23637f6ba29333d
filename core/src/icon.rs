//! Choosing the launcher icon and recognising the image formats a freedesktop icon theme takes.

use url::Url;

use crate::html::PageIcon;
use crate::manifest::{parse_sizes, IconSize, ManifestIcon, Purpose};

/// The size launchers look best at; larger icons scale down cleanly, smaller ones blur.
const IDEAL_PX: u32 = 256;

/// An image format an icon theme accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// PNG, with its pixel size.
    Png {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// SVG (scalable).
    Svg,
}

/// Recognises PNG and SVG by content, never by the server's Content-Type (which is often wrong).
pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
    const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() >= 24 && bytes.starts_with(PNG_MAGIC) && &bytes[12..16] == b"IHDR" {
        let width = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
        let height = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
        return (width > 0 && height > 0).then_some(ImageKind::Png { width, height });
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if (head.starts_with('<')) && head.contains("<svg") {
        return Some(ImageKind::Svg);
    }
    None
}

/// The hicolor directory an image of this kind goes in: the largest standard size not above it.
pub fn theme_dir(kind: ImageKind) -> String {
    const SIZES: [u32; 11] = [16, 22, 24, 32, 48, 64, 96, 128, 192, 256, 512];
    match kind {
        ImageKind::Svg => "scalable".into(),
        ImageKind::Png { width, height } => {
            let px = width.max(height);
            let size = SIZES
                .iter()
                .rev()
                .find(|&&s| s <= px)
                .copied()
                .unwrap_or(16);
            format!("{size}x{size}")
        }
    }
}

/// Icon URLs to try, best first: manifest icons meant to be shown as is, ranked by size (closest
/// to 256 px from above, then the largest below, scalable ones first), then the page's own icon
/// links. Nothing undeclared (such as `/favicon.ico`) is guessed, and maskable or monochrome
/// icons are skipped: shown unmasked they look cropped or flat.
pub fn candidates(manifest_icons: &[ManifestIcon], page_icons: &[PageIcon]) -> Vec<Url> {
    let mut ranked: Vec<(u64, &Url)> = manifest_icons
        .iter()
        .filter(|i| i.purposes.contains(&Purpose::Any))
        .filter(|i| {
            i.mime
                .as_deref()
                .is_none_or(|m| m == "image/png" || m == "image/svg+xml")
        })
        .map(|i| (rank(&i.sizes, i.mime.as_deref()), &i.src))
        .collect();
    ranked.extend(page_icons.iter().map(|i| {
        let sizes = i.sizes.as_deref().map(parse_sizes).unwrap_or_default();
        // Page icons come after every manifest icon: the manifest is the app's own statement.
        (1_000_000 + rank(&sizes, None), &i.url)
    }));
    ranked.sort_by_key(|(r, _)| *r);
    let mut out: Vec<Url> = Vec::new();
    for (_, url) in ranked {
        if !out.contains(url) {
            out.push(url.clone());
        }
    }
    out
}

/// Lower is better.
fn rank(sizes: &[IconSize], mime: Option<&str>) -> u64 {
    if sizes.contains(&IconSize::Any) || mime == Some("image/svg+xml") {
        return 0;
    }
    let best = sizes
        .iter()
        .filter_map(|s| match s {
            IconSize::Px(w, h) => Some((*w).max(*h)),
            IconSize::Any => None,
        })
        .max();
    match best {
        Some(px) if px >= IDEAL_PX => 1 + u64::from(px - IDEAL_PX),
        Some(px) => 100_000 + u64::from(IDEAL_PX - px),
        // Unknown size: better than a known-small one, worse than a known-large one.
        None => 50_000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn icon(src: &str, sizes: &str, purpose: Purpose, mime: Option<&str>) -> ManifestIcon {
        ManifestIcon {
            src: Url::parse(src).unwrap(),
            sizes: parse_sizes(sizes),
            mime: mime.map(str::to_owned),
            purposes: vec![purpose],
        }
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        b.extend(width.to_be_bytes());
        b.extend(height.to_be_bytes());
        b
    }

    #[test]
    fn sniffs_png_size_and_svg() {
        assert_eq!(
            sniff(&png(192, 192)),
            Some(ImageKind::Png {
                width: 192,
                height: 192
            })
        );
        assert_eq!(
            sniff(b"<?xml version='1.0'?>\n<svg xmlns='...'/>"),
            Some(ImageKind::Svg)
        );
        assert_eq!(sniff(b"<!doctype html><html>"), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(&png(0, 5)), None);
    }

    #[test]
    fn theme_dirs_round_down_to_a_standard_size() {
        assert_eq!(
            theme_dir(ImageKind::Png {
                width: 192,
                height: 192
            }),
            "192x192"
        );
        assert_eq!(
            theme_dir(ImageKind::Png {
                width: 300,
                height: 300
            }),
            "256x256"
        );
        assert_eq!(
            theme_dir(ImageKind::Png {
                width: 8,
                height: 8
            }),
            "16x16"
        );
        assert_eq!(theme_dir(ImageKind::Svg), "scalable");
    }

    #[test]
    fn prefers_scalable_then_closest_above_256_then_largest_below() {
        let icons = vec![
            icon("https://a.test/48.png", "48x48", Purpose::Any, None),
            icon(
                "https://a.test/512.png",
                "512x512",
                Purpose::Any,
                Some("image/png"),
            ),
            icon("https://a.test/288.png", "288x288", Purpose::Any, None),
            icon(
                "https://a.test/mask.png",
                "256x256",
                Purpose::Maskable,
                None,
            ),
            icon(
                "https://a.test/a.webp",
                "256x256",
                Purpose::Any,
                Some("image/webp"),
            ),
            icon("https://a.test/192.png", "192x192", Purpose::Any, None),
            icon("https://a.test/any.svg", "any", Purpose::Any, None),
        ];
        let order: Vec<String> = candidates(&icons, &[])
            .iter()
            .map(|u| u.path().to_owned())
            .collect();
        assert_eq!(
            order,
            ["/any.svg", "/288.png", "/512.png", "/192.png", "/48.png"]
        );
    }

    #[test]
    fn page_icons_come_after_manifest_icons() {
        let icons = vec![icon("https://a.test/16.png", "16x16", Purpose::Any, None)];
        let page = vec![PageIcon {
            url: Url::parse("https://a.test/fav.png").unwrap(),
            sizes: Some("512x512".into()),
        }];
        let order: Vec<String> = candidates(&icons, &page)
            .iter()
            .map(|u| u.path().to_owned())
            .collect();
        assert_eq!(order, ["/16.png", "/fav.png"]);
    }
}
