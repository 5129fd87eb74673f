//! Page weight and its ecological cost.
//!
//! Data minimisation is also about bytes: every request to a third party is
//! data sent about the visitor *and* energy spent. For each visit we add up
//! what the engine measured (`Request::encoded_bytes`, `decoded_bytes`) and
//! estimate emissions with the **Sustainable Web Design Model, version 4**
//! (SWDM v4, 2024), the model behind most website-carbon calculators. It
//! turns bytes transferred into energy with one intensity per system segment,
//! then energy into CO2e with the global average grid intensity. Its
//! constants and their sources are written out in `docs/weight.md`; change
//! them there and here together.
//!
//! The estimate is for one uncached view (no return-visit discount, no green
//! hosting factor): we compare sites with one another, not to measure a
//! site's real footprint.

use crate::evidence::{Party, Request, Visit};
use crate::facts::WeightFacts;

/// The model and its version, as reports name it.
pub const MODEL: &str = "Sustainable Web Design Model v4 (2024)";

/// Operational energy per gigabyte transferred (kWh/GB), per segment:
/// data centres, networks, user devices.
pub const OPERATIONAL_KWH_PER_GB: [f64; 3] = [0.055, 0.059, 0.080];

/// Embodied energy per gigabyte (kWh/GB): data centres, networks, user
/// devices.
pub const EMBODIED_KWH_PER_GB: [f64; 3] = [0.012, 0.013, 0.081];

/// Global average grid carbon intensity (g CO2e/kWh) the model uses.
pub const GRID_G_PER_KWH: f64 = 494.0;

/// Bytes in a gigabyte, as the model counts them (decimal).
pub const BYTES_PER_GB: f64 = 1e9;

/// Energy per gigabyte, operational plus embodied (0.3 kWh/GB).
pub fn kwh_per_gb() -> f64 {
    OPERATIONAL_KWH_PER_GB.iter().sum::<f64>() + EMBODIED_KWH_PER_GB.iter().sum::<f64>()
}

/// Grams of CO2e for transferring `bytes` once.
pub fn co2e_grams(bytes: u64) -> f64 {
    let grams = bytes as f64 / BYTES_PER_GB * kwh_per_gb() * GRID_G_PER_KWH;
    (grams * 10_000.0).round() / 10_000.0
}

/// Weight of a set of requests.
pub fn weigh<'a>(requests: impl IntoIterator<Item = &'a Request>) -> WeightFacts {
    let mut w = WeightFacts::default();
    for r in requests {
        w.requests += 1;
        let Some(bytes) = r.encoded_bytes else {
            continue;
        };
        w.measured_requests += 1;
        w.bytes += bytes;
        w.decoded_bytes += r.decoded_bytes.unwrap_or(bytes);
        if r.party == Party::Third {
            w.third_party_bytes += bytes;
        }
    }
    if w.bytes > 0 {
        w.third_party_share =
            ((w.third_party_bytes as f64 / w.bytes as f64) * 1000.0).round() / 1000.0;
    }
    w.co2e_grams = co2e_grams(w.bytes);
    w
}

/// Bytes of the home page as first loaded: every request made while it was
/// the top-level page, before any consent click.
pub fn home_page_bytes(v: &Visit) -> u64 {
    let Some(home) = v.pages.first() else {
        return 0;
    };
    v.requests
        .iter()
        .filter(|r| r.page_url == home.url && !r.after_choice)
        .filter_map(|r| r.encoded_bytes)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::ResourceType;

    fn req(party: Party, bytes: Option<u64>) -> Request {
        Request {
            url: "https://x.test/".into(),
            host: "x.test".into(),
            method: "GET".into(),
            resource_type: ResourceType::Script,
            party,
            page_url: "https://x.test/".into(),
            initiator: None,
            status: Some(200),
            redirects: Vec::new(),
            after_choice: false,
            started_at: None,
            cookies_sent: Vec::new(),
            encoded_bytes: bytes,
            decoded_bytes: bytes.map(|b| b * 3),
            error: None,
        }
    }

    #[test]
    fn swdm_v4_constants() {
        assert!((kwh_per_gb() - 0.3).abs() < 1e-9);
        // 1 GB: 0.3 kWh at 494 g/kWh.
        assert_eq!(co2e_grams(1_000_000_000), 148.2);
        // A 2 MB page: about 0.3 g.
        assert_eq!(co2e_grams(2_000_000), 0.2964);
        assert_eq!(co2e_grams(0), 0.0);
    }

    #[test]
    fn shares_and_unmeasured_requests() {
        let rs = [
            req(Party::First, Some(300)),
            req(Party::Third, Some(100)),
            req(Party::Third, None),
        ];
        let w = weigh(&rs);
        assert_eq!(w.requests, 3);
        assert_eq!(w.measured_requests, 2);
        assert_eq!(w.bytes, 400);
        assert_eq!(w.decoded_bytes, 1200);
        assert_eq!(w.third_party_bytes, 100);
        assert_eq!(w.third_party_share, 0.25);
        let empty = weigh(&[]);
        assert_eq!(empty.third_party_share, 0.0);
    }
}
