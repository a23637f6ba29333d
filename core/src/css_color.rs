//! Validation of CSS colours, enough for manifest `theme_color` / `background_color`, which the
//! manifest spec says to ignore when they do not parse as a colour.

const NAMED: &str = "aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue \
blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk crimson cyan darkblue \
darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki darkmagenta darkolivegreen darkorange darkorchid \
darkred darksalmon darkseagreen darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink \
deepskyblue dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite gold \
goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki lavender lavenderblush \
lawngreen lemonchiffon lightblue lightcoral lightcyan lightgoldenrodyellow lightgray lightgreen lightgrey \
lightpink lightsalmon lightseagreen lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime \
limegreen linen magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen \
mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream mistyrose moccasin \
navajowhite navy oldlace olive olivedrab orange orangered orchid palegoldenrod palegreen paleturquoise \
palevioletred papayawhip peachpuff peru pink plum powderblue purple rebeccapurple red rosybrown royalblue \
saddlebrown salmon sandybrown seagreen seashell sienna silver skyblue slateblue slategray slategrey snow \
springgreen steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow yellowgreen \
transparent";

const FUNCTIONS: [&str; 8] = ["rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "color"];

/// The colour, trimmed, if it parses as a CSS colour (hex, a named colour, or a colour function);
/// `None` otherwise. `currentcolor` is refused: a manifest colour has no element to inherit from.
pub fn parse(value: &str) -> Option<String> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    let ok = if let Some(hex) = lower.strip_prefix('#') {
        matches!(hex.len(), 3 | 4 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    } else if let Some(open) = lower.find('(') {
        let name = &lower[..open];
        let args = &lower[open + 1..];
        FUNCTIONS.contains(&name)
            && args.ends_with(')')
            && args.matches(')').count() == 1
            && args[..args.len() - 1].chars().any(|c| c.is_ascii_digit())
            && args[..args.len() - 1]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " .,%/+-".contains(c))
    } else {
        NAMED.split(' ').any(|n| n == lower)
    };
    ok.then(|| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn accepts_the_usual_forms() {
        for c in [
            "#fff",
            "#FFFA",
            "#336699",
            "#33669980",
            "RebeccaPurple",
            " navy ",
            "rgb(0, 10, 20)",
            "rgba(0 10 20 / 50%)",
            "hsl(120deg 100% 50%)",
        ] {
            assert!(parse(c).is_some(), "{c}");
        }
        assert_eq!(parse(" navy ").as_deref(), Some("navy"));
    }

    #[test]
    fn refuses_what_is_not_a_colour() {
        for c in [
            "",
            "#ggg",
            "#12345",
            "notacolor",
            "rgb(",
            "rgb()",
            "url(x)",
            "rgb(1,2,3) red",
            "currentcolor",
            "expression(alert(1))",
        ] {
            assert!(parse(c).is_none(), "{c}");
        }
    }
}
