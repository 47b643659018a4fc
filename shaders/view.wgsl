// Shared by fill.wgsl and line.wgsl (src/app/gpu.rs puts it in front of each): the view
// uniform and the projection of lon/lat vertices to map units.

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
