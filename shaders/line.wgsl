// Boundaries as screen-space quads of constant width: one instance per segment (two lon/lat
// end points and a colour), six vertices per instance, expanded in the vertex shader, with an
// anti-aliased edge in the fragment shader.

struct View {
    center: vec2<f32>,   // the view centre in map units (degrees for equirectangular)
    scale: vec2<f32>,    // points per map unit, x and y
    half_size: vec2<f32>,// half the viewport, points
    width: f32,          // line width, points (lines only)
    lon_shift: f32,      // degrees added to every longitude (the world repeated, ±360°)
    tint: vec4<f32>,     // multiplies the vertex colour (opacity per layer)
    proj: f32,           // 0: equirectangular, 1: Equal Earth
    _p0: f32,
    _p1: f32,
    _p2: f32,
};

@group(0) @binding(0) var<uniform> view: View;

// Map units of a lon/lat vertex: the same formulas as src/app/camera.rs (Equal Earth, Šavrič,
// Patterson and Jenny 2018, on the unit sphere, times 180/π).
fn project(ll: vec2<f32>) -> vec2<f32> {
    let lon = ll.x + view.lon_shift;
    if (view.proj < 0.5) {
        return vec2<f32>(lon, ll.y);
    }
    let t = asin(0.8660254 * sin(radians(ll.y)));
    let t2 = t * t;
    let t6 = t2 * t2 * t2;
    let d = 1.340264 + 3.0 * -0.081106 * t2 + t6 * (7.0 * 0.000893 + 9.0 * 0.003796 * t2);
    let x = 2.0 * 1.7320508 * radians(lon) * cos(t) / (3.0 * d);
    let y = t * (1.340264 + -0.081106 * t2 + t6 * (0.000893 + 0.003796 * t2));
    return vec2<f32>(degrees(x), degrees(y));
}

struct VsOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) color: vec4<f32>,
    @location(1) across: f32, // -1..1 across the line
    @location(2) lon: f32,    // shifted longitude, for the Equal Earth globe's edge
};

@vertex
fn vs_line(
    @builtin(vertex_index) vi: u32,
    @location(0) a: vec2<f32>,
    @location(1) b: vec2<f32>,
    @location(2) color: vec4<f32>,
) -> VsOut {
    // Corners: (t along, side across) for two triangles.
    var ts = array<f32, 6>(0.0, 1.0, 1.0, 0.0, 1.0, 0.0);
    var ss = array<f32, 6>(-1.0, -1.0, 1.0, -1.0, 1.0, 1.0);
    let t = ts[vi];
    let side = ss[vi];
    let pa = (project(a) - view.center) * view.scale;
    let pb = (project(b) - view.center) * view.scale;
    var dir = pb - pa;
    let len = length(dir);
    if (len > 1e-6) {
        dir = dir / len;
    } else {
        dir = vec2<f32>(1.0, 0.0);
    }
    let normal = vec2<f32>(-dir.y, dir.x);
    let hw = 0.5 * view.width + 0.5; // half a point extra for the anti-aliased edge
    let p = mix(pa, pb, t) + normal * side * hw + dir * (t * 2.0 - 1.0) * 0.5 * view.width;
    var out: VsOut;
    let ndc = p / view.half_size;
    out.pos = vec4<f32>(ndc.x, ndc.y, 0.0, 1.0);
    out.color = color * view.tint;
    out.across = side * hw;
    out.lon = mix(a.x, b.x, t) + view.lon_shift;
    return out;
}

@fragment
fn fs_line(in: VsOut) -> @location(0) vec4<f32> {
    if (view.proj > 0.5 && abs(in.lon) > 180.0) {
        discard;
    }
    // Coverage falls off over the outer half point.
    let edge = 0.5 * view.width + 0.5 - abs(in.across);
    let a = in.color.a * clamp(edge * 2.0, 0.0, 1.0);
    return vec4<f32>(in.color.rgb * a, a);
}
