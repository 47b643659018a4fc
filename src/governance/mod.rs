//! Joint-governance proposals: for every cut zone and admin level, the body that should govern
//! the zone as a whole, built the way real basin bodies are (DRBC, ICPR, ICPDR, MRC, MDBA, the
//! Yangtze mechanism):
//!
//! - **members**: jurisdictions holding at least the member threshold of the zone (default: the
//!   cut threshold), one vote each;
//! - **observers**: jurisdictions below the member threshold but holding at least the observer
//!   threshold (default 0) and not a sliver;
//! - **convener**: the lowest common administrative ancestor of the members (counties of one
//!   state → that state), or the level above the top loaded level when none is loaded;
//! - **chair**: rotates among members by share, largest first (ties by id);
//! - **cost shares**: each member's area share renormalised over the members; when the admin
//!   layer has a population field, population-weighted shares by areal interpolation
//!   (population × piece area / unit area), renormalised over members;
//! - **merge**: zones of one layer at one level with the same member set that touch or overlap
//!   form one body;
//! - **nesting**: a body whose members are a subset of another's at the same level and whose
//!   zones lie inside the other's zones (≥ 99% of their area) is its sub-body.
//!
//! Everything is derived from the study's overlay and the analysis: no new overlay.

pub mod body;
pub mod jurisdiction;

pub use body::{Body, Chair, Convener, CostBasis, GovParams, Member, Observer, propose, propose_with};
pub use jurisdiction::{JurisdictionView, Role, SharedZone, jurisdiction_view};
