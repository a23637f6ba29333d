//! The tray icon's pixmaps, drawn from syncshell's own icon: as it is, greyed out while paused,
//! and with a badge while syncs wait. A StatusNotifierItem carries ARGB32 pixmaps itself, so no
//! icon theme or temporary file is involved.

use super::model::Look;

/// The sizes sent (the desktop picks the closest; sending the full-size icon would be a
/// megabyte per change).
const SIZES: [u32; 2] = [32, 64];

/// An RGBA image, row by row.
#[derive(Debug, Clone)]
pub struct Rgba {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes.
    pub pixels: Vec<u8>,
}

/// The icon's pixmaps for each look.
#[derive(Debug, Clone, Default)]
pub struct TrayIcons {
    normal: Vec<ksni::Icon>,
    paused: Vec<ksni::Icon>,
    attention: Vec<ksni::Icon>,
}

impl TrayIcons {
    /// The three looks of `icon` (none if it is not a whole RGBA image).
    pub fn from_rgba(icon: &Rgba) -> Self {
        if icon.width == 0
            || icon.height == 0
            || icon.pixels.len() != (icon.width * icon.height * 4) as usize
        {
            return Self::default();
        }
        let scaled: Vec<Rgba> = SIZES.iter().map(|&size| scale(icon, size)).collect();
        let look = |f: fn(&mut Rgba)| {
            scaled
                .iter()
                .map(|image| {
                    let mut image = image.clone();
                    f(&mut image);
                    to_argb(&image)
                })
                .collect()
        };
        Self {
            normal: look(|_| {}),
            paused: look(grey_out),
            attention: look(badge),
        }
    }

    /// The pixmaps of `look`.
    pub fn for_look(&self, look: Look) -> Vec<ksni::Icon> {
        match look {
            Look::Normal => self.normal.clone(),
            Look::Paused => self.paused.clone(),
            Look::Attention => self.attention.clone(),
        }
    }
}

/// `image` scaled to `size` x `size` by averaging the source pixels under each target pixel
/// (weighted by alpha, so transparent edges do not darken).
fn scale(image: &Rgba, size: u32) -> Rgba {
    let mut pixels = Vec::with_capacity((size * size * 4) as usize);
    for ty in 0..size {
        let (y0, y1) = span(ty, size, image.height);
        for tx in 0..size {
            let (x0, x1) = span(tx, size, image.width);
            // Colour channels weighted by alpha, then alpha itself.
            let mut colour = [0u64; 3];
            let mut alpha = 0u64;
            for y in y0..y1 {
                for x in x0..x1 {
                    let i = ((y * image.width + x) * 4) as usize;
                    let a = u64::from(image.pixels[i + 3]);
                    for (sum, &channel) in colour.iter_mut().zip(&image.pixels[i..i + 3]) {
                        *sum += u64::from(channel) * a;
                    }
                    alpha += a;
                }
            }
            let count = u64::from((y1 - y0) * (x1 - x0)).max(1);
            for sum in colour {
                pixels.push(sum.checked_div(alpha).unwrap_or(0) as u8);
            }
            pixels.push((alpha / count) as u8);
        }
    }
    Rgba {
        width: size,
        height: size,
        pixels,
    }
}

/// The source range `[start, end)` under target pixel `t` of `target` (never empty).
fn span(t: u32, target: u32, source: u32) -> (u32, u32) {
    let start = t * source / target;
    let end = ((t + 1) * source / target).max(start + 1).min(source);
    (start.min(source - 1), end)
}

/// Grey, and half transparent: "nothing runs now".
fn grey_out(image: &mut Rgba) {
    for px in image.pixels.chunks_exact_mut(4) {
        let luma =
            (u32::from(px[0]) * 299 + u32::from(px[1]) * 587 + u32::from(px[2]) * 114) / 1000;
        px[0] = luma as u8;
        px[1] = luma as u8;
        px[2] = luma as u8;
        px[3] /= 2;
    }
}

/// An amber dot with a white ring in the bottom-right corner: "syncs are waiting".
fn badge(image: &mut Rgba) {
    let size = image.width as f32;
    let radius = size * 0.22;
    let (cx, cy) = (size - radius - 0.5, size - radius - 0.5);
    for y in 0..image.height {
        for x in 0..image.width {
            let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
            let colour = if d <= radius - size / 16.0 {
                [0xf5, 0x9e, 0x0b, 0xff]
            } else if d <= radius {
                [0xff, 0xff, 0xff, 0xff]
            } else {
                continue;
            };
            let i = ((y * image.width + x) * 4) as usize;
            image.pixels[i..i + 4].copy_from_slice(&colour);
        }
    }
}

/// ARGB32 in network byte order, as StatusNotifierItem wants it.
fn to_argb(image: &Rgba) -> ksni::Icon {
    let data = image
        .pixels
        .chunks_exact(4)
        .flat_map(|px| [px[3], px[0], px[1], px[2]])
        .collect();
    ksni::Icon {
        width: image.width as i32,
        height: image.height as i32,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(size: u32, rgba: [u8; 4]) -> Rgba {
        Rgba {
            width: size,
            height: size,
            pixels: rgba.repeat((size * size) as usize),
        }
    }

    #[test]
    fn each_look_comes_in_every_size_as_argb() {
        let icons = TrayIcons::from_rgba(&solid(100, [10, 20, 30, 255]));
        for look in [Look::Normal, Look::Paused, Look::Attention] {
            let pixmaps = icons.for_look(look);
            assert_eq!(
                pixmaps.iter().map(|p| p.width).collect::<Vec<_>>(),
                [32, 64]
            );
            for p in &pixmaps {
                assert_eq!(p.data.len(), (p.width * p.height * 4) as usize);
            }
        }
        let normal = &icons.for_look(Look::Normal)[0];
        assert_eq!(&normal.data[..4], &[255, 10, 20, 30], "ARGB");
        let paused = &icons.for_look(Look::Paused)[0];
        assert_eq!(
            &paused.data[..4],
            &[127, 18, 18, 18],
            "grey, half transparent"
        );
        let attention = &icons.for_look(Look::Attention)[0];
        let centre = (24 * 32 + 24) * 4; // the badge's centre, near the bottom-right corner
        assert_eq!(
            &attention.data[centre..centre + 4],
            &[0xff, 0xf5, 0x9e, 0x0b]
        );
        assert_eq!(
            &attention.data[..4],
            &[255, 10, 20, 30],
            "the rest untouched"
        );
    }

    #[test]
    fn scaling_keeps_transparent_pixels_from_darkening_the_edges() {
        let mut image = solid(2, [200, 100, 50, 255]);
        image.pixels[4..8].copy_from_slice(&[0, 0, 0, 0]);
        let one = scale(&image, 1);
        assert_eq!(one.pixels, [200, 100, 50, 191]);
        // Upscaling a small icon repeats its pixels.
        assert_eq!(
            scale(&solid(1, [1, 2, 3, 4]), 3).pixels,
            [1, 2, 3, 4].repeat(9)
        );
    }

    #[test]
    fn a_broken_image_gives_no_pixmaps() {
        let broken = Rgba {
            width: 4,
            height: 4,
            pixels: vec![0; 3],
        };
        assert!(TrayIcons::from_rgba(&broken)
            .for_look(Look::Normal)
            .is_empty());
    }
}
