//! The world demo (Natural Earth countries > provinces, geography regions): well-known
//! cross-border regions get the bodies one would expect. Chosen because each has a real
//! treaty body to compare with:
//! - the Alps (Alpine Convention: AT, CH, DE, FR, IT, LI, MC, SI; LI and SI hold small shares),
//! - the Pyrenees (France and Spain; Andorra is small and inside),
//! - the Carpathians (Carpathian Convention: CZ, HU, PL, RO, RS, SK, UA),
//! - islands shared by two states: Hispaniola, Ireland, Borneo (with Brunei, small).

use crossbound::analysis::Params;
use crossbound::governance::{Body, Convener, GovParams, propose};
use crossbound::progress::NoProgress;
use crossbound::study::{Inputs, Study};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn world() -> (Study, Vec<Body>) {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    let s = Study::build(&Inputs::world_demo(&data), &NoProgress).expect("world demo loads");
    let p = Params::default();
    let a = s.analyse(&p);
    let b = propose(&s, &a, &p, &GovParams::default());
    (s, b)
}

fn body_for<'a>(s: &Study, bodies: &'a [Body], zone_name: &str) -> &'a Body {
    let e = 0;
    let z =
        s.eco[e].layer.units.iter().position(|u| u.name == zone_name).unwrap_or_else(|| panic!("no zone {zone_name}"));
    bodies.iter().find(|b| b.level == 0 && b.zones.contains(&z)).unwrap_or_else(|| panic!("no body for {zone_name}"))
}

fn ids(s: &Study, units: impl Iterator<Item = usize>) -> BTreeSet<String> {
    units.map(|u| s.hierarchy.levels[0].indexed.layer.units[u].id.clone()).collect()
}

fn set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn well_known_cross_border_regions_get_the_expected_bodies() {
    let (s, bodies) = world();
    // Provinces nest in countries through the adm0_a3 field.
    assert_eq!(s.hierarchy.levels[1].parent_source, crossbound::hierarchy::ParentSource::Field("adm0_a3".into()));

    let alps = body_for(&s, &bodies, "ALPS");
    assert_eq!(ids(&s, alps.members.iter().map(|m| m.unit)), set(&["AUT", "CHE", "DEU", "FRA", "ITA"]));
    let obs = ids(&s, alps.observers.iter().map(|o| o.unit));
    assert!(obs.contains("SVN") && obs.contains("LIE"), "{obs:?}");
    assert_eq!(alps.convener, Convener::AboveTop, "several countries: an international convener");

    let pyr = body_for(&s, &bodies, "PYRENEES");
    assert_eq!(ids(&s, pyr.members.iter().map(|m| m.unit)), set(&["ESP", "FRA"]));
    assert_eq!(ids(&s, pyr.observers.iter().map(|o| o.unit)), set(&["AND"]));

    let carp = body_for(&s, &bodies, "CARPATHIAN MOUNTAINS");
    let all: BTreeSet<String> =
        ids(&s, carp.members.iter().map(|m| m.unit).chain(carp.observers.iter().map(|o| o.unit)));
    assert_eq!(all, set(&["CZE", "HUN", "POL", "ROU", "SRB", "SVK", "UKR"]), "the Carpathian Convention's seven");
    assert_eq!(
        s.hierarchy.levels[0].indexed.layer.units[carp.chair.first].id, "ROU",
        "Romania holds the largest share"
    );

    for (zone, members) in
        [("HISPANIOLA", &["DOM", "HTI"][..]), ("IRELAND", &["GBR", "IRL"][..]), ("BORNEO", &["IDN", "MYS"][..])]
    {
        let b = body_for(&s, &bodies, zone);
        assert_eq!(ids(&s, b.members.iter().map(|m| m.unit)), set(members), "{zone}");
        let cost: f64 = b.members.iter().map(|m| m.cost_share).sum();
        assert!((cost - 1.0).abs() < 1e-12);
    }
    assert!(ids(&s, body_for(&s, &bodies, "BORNEO").observers.iter().map(|o| o.unit)).contains("BRN"));
}
