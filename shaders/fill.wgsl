// Filled polygons, triangulated once on the CPU (earcut) into lon/lat vertices with a colour.
// Pan and zoom only change the uniform; the projection (equirectangular scaled by the cosine of
// the view centre's latitude, or Equal Earth) is applied here (`project`, in view.wgsl).

struct VsOut {
    @builtin(position) pos: vec4<f32>,
    @location(0) color: vec4<f32>,
    @location(1) lon: f32, // shifted longitude, for the Equal Earth globe's edge
};

@vertex
fn vs_fill(@location(0) lonlat: vec2<f32>, @location(1) color: vec4<f32>) -> VsOut {
    var out: VsOut;
    let p = (project(lonlat) - view.center) * view.scale / view.half_size;
    out.pos = vec4<f32>(p.x, p.y, 0.0, 1.0);
    let c = color * view.tint;
    out.color = vec4<f32>(c.rgb * c.a, c.a); // premultiplied, as egui's render pass expects
    out.lon = lonlat.x + view.lon_shift;
    return out;
}

@fragment
fn fs_fill(in: VsOut) -> @location(0) vec4<f32> {
    // Equal Earth shows the globe once: what lies beyond ±180° (units drawn across the
    // antimeridian) is drawn by the copy shifted by 360°, and cut here.
    if (view.proj > 0.5 && abs(in.lon) > 180.0) {
        discard;
    }
    return in.color;
}
