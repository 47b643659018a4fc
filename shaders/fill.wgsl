// Filled polygons, triangulated once on the CPU (earcut) into lon/lat vertices with a colour.
// Pan and zoom only change the uniform: an equirectangular view scaled by the cosine of the
// view centre's latitude.

struct View {
    center: vec2<f32>,   // lon, lat of the view centre (degrees)
    scale: vec2<f32>,    // points per degree of longitude, latitude
    half_size: vec2<f32>,// half the viewport, points
    width: f32,          // line width, points (lines only)
    _pad: f32,
    tint: vec4<f32>,     // multiplies the vertex colour (opacity per layer)
};

@group(0) @binding(0) var<uniform> view: View;

struct VsOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) color: vec4<f32>,
};

@vertex
fn vs_fill(@location(0) lonlat: vec2<f32>, @location(1) color: vec4<f32>) -> VsOut {
    var out: VsOut;
    let p = (lonlat - view.center) * view.scale / view.half_size;
    out.pos = vec4<f32>(p.x, p.y, 0.0, 1.0);
    let c = color * view.tint;
    out.color = vec4<f32>(c.rgb * c.a, c.a); // premultiplied, as egui's render pass expects
    return out;
}

@fragment
fn fs_fill(in: VsOut) -> @location(0) vec4<f32> {
    return in.color;
}
