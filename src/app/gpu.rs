//! GPU rendering of the map through an egui paint callback: two wgpu pipelines (WGSL in
//! `shaders/`): triangulated fills and screen-width boundary lines. Meshes are uploaded once
//! (and again only when their version changes); pan and zoom only rewrite a small uniform.

use super::tessellate::{FillMesh, Segment};
use eframe::egui_wgpu::{self, wgpu};
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use wgpu::util::DeviceExt;

/// CPU-side geometry to draw, shared with the GPU cache by `Arc`.
#[derive(Debug)]
pub enum MeshData {
    /// Triangles.
    Fill(FillMesh),
    /// Segments.
    Lines(Vec<Segment>),
}

/// A mesh with an identity and a version (bump the version when its content changes).
#[derive(Debug)]
pub struct Mesh {
    /// Unique id.
    pub id: u64,
    /// Content version.
    pub version: u64,
    /// The geometry.
    pub data: MeshData,
}

impl Mesh {
    /// A new mesh with a fresh id.
    pub fn new(data: MeshData) -> Arc<Mesh> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Arc::new(Mesh { id: NEXT.fetch_add(1, Ordering::Relaxed), version: 0, data })
    }
}

/// One draw: a mesh, a tint (multiplies colours; alpha = layer opacity), a line width.
#[derive(Clone)]
pub struct DrawCmd {
    /// The mesh.
    pub mesh: Arc<Mesh>,
    /// RGBA multiplier, 0..1.
    pub tint: [f32; 4],
    /// Line width in points (lines only).
    pub width: f32,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ViewUniform {
    center: [f32; 2],
    scale: [f32; 2],
    half_size: [f32; 2],
    width: f32,
    lon_shift: f32,
    tint: [f32; 4],
    proj: f32,
    _pad: [f32; 3],
}

struct Uploaded {
    version: u64,
    mesh: Weak<Mesh>,
    vertex: wgpu::Buffer,
    index: Option<wgpu::Buffer>,
    count: u32,
}

/// The GPU side: pipelines, uniforms and uploaded meshes. Lives in egui's callback resources.
pub struct MapGpu {
    fill: wgpu::RenderPipeline,
    line: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    uniforms: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    slots: usize,
    stride: u64,
    meshes: HashMap<u64, Uploaded>,
}

const UNIFORM_SIZE: u64 = std::mem::size_of::<ViewUniform>() as u64;

impl MapGpu {
    /// Creates the pipelines for the given render target and registers them with egui.
    /// `samples` must be the sample count egui's render pass uses (eframe's
    /// `NativeOptions::multisampling`, 1 when off).
    pub fn install(rs: &egui_wgpu::RenderState, samples: u32) {
        let gpu = MapGpu::new(&rs.device, rs.target_format, samples.max(1));
        rs.renderer.write().callback_resources.insert(gpu);
    }

    fn new(device: &wgpu::Device, format: wgpu::TextureFormat, samples: u32) -> Self {
        // WGSL has no includes: the shared view uniform and projection go in front of each.
        let view = include_str!("../../shaders/view.wgsl");
        let fill_src = [view, include_str!("../../shaders/fill.wgsl")].concat();
        let line_src = [view, include_str!("../../shaders/line.wgsl")].concat();
        let fill_mod = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("crossbound fill"),
            source: wgpu::ShaderSource::Wgsl(fill_src.into()),
        });
        let line_mod = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("crossbound line"),
            source: wgpu::ShaderSource::Wgsl(line_src.into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("crossbound view"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX | wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: true,
                    min_binding_size: wgpu::BufferSize::new(UNIFORM_SIZE),
                },
                count: None,
            }],
        });
        let pl = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("crossbound map"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let target = [Some(wgpu::ColorTargetState {
            format,
            blend: Some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING),
            write_mask: wgpu::ColorWrites::ALL,
        })];
        let fill_attrs = wgpu::vertex_attr_array![0 => Float32x2, 1 => Unorm8x4];
        let fill = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("crossbound fill"),
            layout: Some(&pl),
            vertex: wgpu::VertexState {
                module: &fill_mod,
                entry_point: Some("vs_fill"),
                compilation_options: Default::default(),
                buffers: &[Some(wgpu::VertexBufferLayout {
                    array_stride: std::mem::size_of::<super::tessellate::FillVertex>() as u64,
                    step_mode: wgpu::VertexStepMode::Vertex,
                    attributes: &fill_attrs,
                })],
            },
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState { count: samples, ..Default::default() },
            fragment: Some(wgpu::FragmentState {
                module: &fill_mod,
                entry_point: Some("fs_fill"),
                compilation_options: Default::default(),
                targets: &target,
            }),
            multiview_mask: None,
            cache: None,
        });
        let line_attrs = wgpu::vertex_attr_array![0 => Float32x2, 1 => Float32x2, 2 => Unorm8x4];
        let line = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("crossbound line"),
            layout: Some(&pl),
            vertex: wgpu::VertexState {
                module: &line_mod,
                entry_point: Some("vs_line"),
                compilation_options: Default::default(),
                buffers: &[Some(wgpu::VertexBufferLayout {
                    array_stride: std::mem::size_of::<Segment>() as u64,
                    step_mode: wgpu::VertexStepMode::Instance,
                    attributes: &line_attrs,
                })],
            },
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState { count: samples, ..Default::default() },
            fragment: Some(wgpu::FragmentState {
                module: &line_mod,
                entry_point: Some("fs_line"),
                compilation_options: Default::default(),
                targets: &target,
            }),
            multiview_mask: None,
            cache: None,
        });
        let align = device.limits().min_uniform_buffer_offset_alignment as u64;
        let stride = UNIFORM_SIZE.div_ceil(align) * align;
        let (uniforms, bind_group) = Self::uniform_buffer(device, &layout, 64, stride);
        MapGpu { fill, line, layout, uniforms, bind_group, slots: 64, stride, meshes: HashMap::new() }
    }

    fn uniform_buffer(
        device: &wgpu::Device,
        layout: &wgpu::BindGroupLayout,
        slots: usize,
        stride: u64,
    ) -> (wgpu::Buffer, wgpu::BindGroup) {
        let buf = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("crossbound view uniforms"),
            size: stride * slots as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bg = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("crossbound view"),
            layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &buf,
                    offset: 0,
                    size: wgpu::BufferSize::new(UNIFORM_SIZE),
                }),
            }],
        });
        (buf, bg)
    }

    fn upload(&mut self, device: &wgpu::Device, mesh: &Arc<Mesh>) {
        if self.meshes.get(&mesh.id).is_some_and(|u| u.version == mesh.version) {
            return;
        }
        let up = match &mesh.data {
            MeshData::Fill(f) => Uploaded {
                version: mesh.version,
                mesh: Arc::downgrade(mesh),
                vertex: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("crossbound fill vertices"),
                    contents: bytemuck::cast_slice(if f.vertices.is_empty() {
                        &[super::tessellate::FillVertex { pos: [0.0; 2], color: [0; 4] }]
                    } else {
                        &f.vertices
                    }),
                    usage: wgpu::BufferUsages::VERTEX,
                }),
                index: Some(device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("crossbound fill indices"),
                    contents: bytemuck::cast_slice(if f.indices.is_empty() { &[0u32; 3] } else { &f.indices }),
                    usage: wgpu::BufferUsages::INDEX,
                })),
                count: f.indices.len() as u32,
            },
            MeshData::Lines(s) => Uploaded {
                version: mesh.version,
                mesh: Arc::downgrade(mesh),
                vertex: device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("crossbound segments"),
                    contents: bytemuck::cast_slice(if s.is_empty() {
                        &[Segment { a: [0.0; 2], b: [0.0; 2], color: [0; 4] }]
                    } else {
                        s
                    }),
                    usage: wgpu::BufferUsages::VERTEX,
                }),
                index: None,
                count: s.len() as u32,
            },
        };
        self.meshes.insert(mesh.id, up);
    }
}

/// The paint callback for one frame of the map.
pub struct MapCallback {
    /// What to draw, in order.
    pub cmds: Vec<DrawCmd>,
    /// View centre in map units (see [`super::camera`]).
    pub center: [f64; 2],
    /// Points per map unit, x and y.
    pub scale: [f64; 2],
    /// Map size in points.
    pub size: [f32; 2],
    /// The projection (`Projection::shader_id`).
    pub projection: f32,
    /// Longitude shifts at which every command is drawn again (the repeated world).
    pub shifts: Vec<f32>,
}

impl MapCallback {
    /// Uploads meshes and writes the uniforms of this frame.
    fn prepare_with(&self, gpu: &mut MapGpu, device: &wgpu::Device, queue: &wgpu::Queue) {
        gpu.meshes.retain(|_, u| u.mesh.strong_count() > 0);
        for c in &self.cmds {
            gpu.upload(device, &c.mesh);
        }
        let n = self.cmds.len() * self.shifts.len();
        if n > gpu.slots {
            let slots = n.next_power_of_two();
            let (b, g) = MapGpu::uniform_buffer(device, &gpu.layout, slots, gpu.stride);
            gpu.uniforms = b;
            gpu.bind_group = g;
            gpu.slots = slots;
        }
        let mut bytes = vec![0u8; gpu.stride as usize * n];
        for (i, (c, shift)) in self.draws().enumerate() {
            let u = ViewUniform {
                center: [self.center[0] as f32, self.center[1] as f32],
                scale: [self.scale[0] as f32, self.scale[1] as f32],
                half_size: [self.size[0] / 2.0, self.size[1] / 2.0],
                width: c.width,
                lon_shift: shift,
                tint: c.tint,
                proj: self.projection,
                _pad: [0.0; 3],
            };
            let off = i * gpu.stride as usize;
            bytes[off..off + UNIFORM_SIZE as usize].copy_from_slice(bytemuck::bytes_of(&u));
        }
        if !bytes.is_empty() {
            queue.write_buffer(&gpu.uniforms, 0, &bytes);
        }
    }

    /// Records the draws.
    fn paint_with(&self, gpu: &MapGpu, pass: &mut wgpu::RenderPass<'_>) {
        for (i, (c, _)) in self.draws().enumerate() {
            let Some(up) = gpu.meshes.get(&c.mesh.id) else { continue };
            if up.count == 0 {
                continue;
            }
            pass.set_bind_group(0, &gpu.bind_group, &[(i as u64 * gpu.stride) as u32]);
            pass.set_vertex_buffer(0, up.vertex.slice(..));
            match &up.index {
                Some(ix) => {
                    pass.set_pipeline(&gpu.fill);
                    pass.set_index_buffer(ix.slice(..), wgpu::IndexFormat::Uint32);
                    pass.draw_indexed(0..up.count, 0, 0..1);
                }
                None => {
                    pass.set_pipeline(&gpu.line);
                    pass.draw(0..6, 0..up.count);
                }
            }
        }
    }

    /// (command, shift) in draw order: each command at every shift before the next command,
    /// so layers stay in order across the copies.
    fn draws(&self) -> impl Iterator<Item = (&DrawCmd, f32)> {
        self.cmds.iter().flat_map(|c| self.shifts.iter().map(move |&s| (c, s)))
    }
}

impl egui_wgpu::CallbackTrait for MapCallback {
    fn prepare(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen: &egui_wgpu::ScreenDescriptor,
        _encoder: &mut wgpu::CommandEncoder,
        resources: &mut egui_wgpu::CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        if let Some(gpu) = resources.get_mut::<MapGpu>() {
            self.prepare_with(gpu, device, queue);
        }
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        pass: &mut wgpu::RenderPass<'static>,
        resources: &egui_wgpu::CallbackResources,
    ) {
        if let Some(gpu) = resources.get::<MapGpu>() {
            self.paint_with(gpu, pass);
        }
    }
}

/// Renders `cb` (the screen's draw commands, camera, projection and shaders) offscreen into an
/// image of `cb.size` pixels (rounded) on `clear`, with `samples`× MSAA (1 = off; the export uses 4): the
/// PNG export is drawn by the same pipeline as the screen, not by a second renderer. Blocks
/// until the GPU is done.
pub fn render_offscreen(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    format: wgpu::TextureFormat,
    cb: &MapCallback,
    clear: [u8; 4],
    samples: u32,
) -> Result<MapImage, String> {
    let samples = samples.max(1);
    let (w, h) = (cb.size[0].round().max(1.0) as u32, cb.size[1].round().max(1.0) as u32);
    let mut gpu = MapGpu::new(device, format, samples);
    cb.prepare_with(&mut gpu, device, queue);
    let size = wgpu::Extent3d { width: w, height: h, depth_or_array_layers: 1 };
    let texture = |samples: u32, usage: wgpu::TextureUsages| {
        device.create_texture(&wgpu::TextureDescriptor {
            label: Some("crossbound export"),
            size,
            mip_level_count: 1,
            sample_count: samples,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage,
            view_formats: &[],
        })
    };
    let resolved = texture(1, wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC);
    let resolved_view = resolved.create_view(&Default::default());
    let msaa_view = (samples > 1)
        .then(|| texture(samples, wgpu::TextureUsages::RENDER_ATTACHMENT).create_view(&Default::default()));
    // The clear colour in the target's encoding (sRGB targets take linear values).
    let channel = |c: u8| {
        let v = c as f64 / 255.0;
        if format.is_srgb() { if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) } } else { v }
    };
    let mut encoder =
        device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("crossbound export") });
    {
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("crossbound export"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: msaa_view.as_ref().unwrap_or(&resolved_view),
                depth_slice: None,
                resolve_target: msaa_view.as_ref().map(|_| &resolved_view),
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color {
                        r: channel(clear[0]),
                        g: channel(clear[1]),
                        b: channel(clear[2]),
                        a: clear[3] as f64 / 255.0,
                    }),
                    // Multisampled: only the resolved image is kept.
                    store: if samples > 1 { wgpu::StoreOp::Discard } else { wgpu::StoreOp::Store },
                },
            })],
            ..Default::default()
        });
        cb.paint_with(&gpu, &mut pass);
    }
    let row = (w * 4).div_ceil(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT) * wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
    let buffer = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("crossbound export readback"),
        size: row as u64 * h as u64,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    encoder.copy_texture_to_buffer(
        resolved.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &buffer,
            layout: wgpu::TexelCopyBufferLayout { offset: 0, bytes_per_row: Some(row), rows_per_image: None },
        },
        size,
    );
    let index = queue.submit(std::iter::once(encoder.finish()));
    let (tx, rx) = std::sync::mpsc::channel();
    buffer.slice(..).map_async(wgpu::MapMode::Read, move |r| drop(tx.send(r)));
    device
        .poll(wgpu::PollType::Wait { submission_index: Some(index), timeout: Some(std::time::Duration::from_secs(60)) })
        .map_err(|e| format!("the GPU did not finish the image: {e}"))?;
    rx.recv().map_err(|e| e.to_string())?.map_err(|e| format!("reading the image back: {e}"))?;
    let bgra = matches!(format, wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb);
    let mut out = Vec::with_capacity((w * h * 4) as usize);
    {
        let data = buffer.slice(..).get_mapped_range().map_err(|e| format!("reading the image back: {e:?}"))?;
        for y in 0..h as usize {
            for px in data[y * row as usize..][..w as usize * 4].chunks_exact(4) {
                out.extend_from_slice(&if bgra { [px[2], px[1], px[0], 255] } else { [px[0], px[1], px[2], 255] });
            }
        }
    }
    buffer.unmap();
    Ok((w, h, out))
}

/// A map image: width, height (px) and RGBA pixels, row-major.
pub type MapImage = (u32, u32, Vec<u8>);
