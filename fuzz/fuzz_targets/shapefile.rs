//! Shapefile decoder (.shp records and .dbf table, with code pages) and the layer builder.
//! The input is split in two: the first two bytes say where the .dbf starts.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let split = (u16::from_le_bytes([data[0], data[1]]) as usize).min(data.len() - 2);
    let (shp, dbf) = data[2..].split_at(split);
    let cpg = ["GBK", "UTF-8", "1252", "bogus"][data[0] as usize % 4];
    let dbf = (!dbf.is_empty()).then_some(dbf);
    if let Ok(d) = crossbound::io::shapefile::decode_parts("fuzz.shp", shp, dbf, None, Some(cpg), true) {
        let _ = crossbound::io::build(&crossbound::model::LayerSpec::new("fuzz.shp"), d);
    }
});
