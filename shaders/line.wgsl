// Boundaries as screen-space quads of constant width: one instance per segment (two lon/lat
// end points and a colour), six vertices per instance, expanded in the vertex shader, with an
// anti-aliased edge in the fragment shader. The view uniform and `project` are in view.wgsl.

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
