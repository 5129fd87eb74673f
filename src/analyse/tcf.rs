//! Decode IAB TCF v2 consent strings into facts an auditor can read.
//!
//! # What TCF is
//!
//! The IAB Europe Transparency & Consent Framework (TCF) is the advertising
//! industry's protocol for passing a visitor's choice to the ad-tech
//! companies on a page. A consent management platform (CMP) registered
//! with IAB Europe shows the banner, records the choice in a *TC string*
//! (often also kept in the `euconsent-v2` cookie) and hands it out through
//! the `__tcfapi` JavaScript function. Every registered company ("vendor")
//! has a numeric id in the Global Vendor List and reads the string to decide
//! whether it may process the visitor's data. The browser engine asks
//! `__tcfapi` for the string in every frame, before any click (`load`) and
//! after the consent click (`after_choice`); see
//! [`TcfReading`](crate::evidence::TcfReading). This module decodes the
//! string's core segment into [`TcfFacts`](crate::facts::TcfFacts); the
//! rules judge them.
//!
//! # What the fields mean for an auditor
//!
//! * **Purposes** (`purposes_consent`, `purposes_li`) are the standard
//!   processing purposes: 1 store and/or access information on a device;
//!   2 use limited data to select advertising; 3 create profiles for
//!   personalised advertising; 4 use profiles to select personalised
//!   advertising; 5 create profiles to personalise content; 6 use profiles
//!   to select personalised content; 7 measure advertising performance;
//!   8 measure content performance; 9 understand audiences through
//!   statistics or combinations of data; 10 develop and improve services;
//!   11 use limited data to select content (added by TCF 2.2). A *consent*
//!   bit says the visitor agreed. A *legitimate interest* (LI) bit says the
//!   visitor was told and has not objected: vendors then process without
//!   any consent, so an LI bit set by default works as a pre-ticked box.
//! * **Vendors** (`vendors_consent_count`, `vendors_li_count`): how many
//!   companies the string lets process on consent, or on legitimate
//!   interest.
//! * **Special features** (`special_features`): 1 use precise geolocation
//!   data, 2 actively scan device characteristics for identification. They
//!   need an explicit opt-in.
//! * **Policy version** (`policy_version`): the version of the TCF policies
//!   the string was written under; 4 and up is TCF 2.2, mandatory since
//!   20 November 2023.
//! * **Event status** (`event_status`): `tcloaded` (a string was ready when
//!   the page loaded: a stored choice, or the CMP's defaults), `cmpuishown`
//!   (the banner is showing; the string holds defaults), `useractioncomplete`
//!   (the visitor has just chosen).
//! * `consent_signalled`: the string says "yes" to at least one purpose or
//!   vendor. Before any click that is consent nobody gave; after "reject
//!   all" it contradicts the refusal.
//!
//! # Why legitimate interest for purposes 1 and 3 to 6 is flagged
//!
//! Since TCF 2.2 (policy version 4) purposes 3, 4, 5 and 6, the profiles
//! for personalised advertising and content and the selection based on
//! them, may rely on consent only; purpose 1 (storing or accessing
//! information on a device, the cookie itself) could never rely on
//! legitimate interest in TCF v2, because the ePrivacy Directive
//! (article 5(3)) requires consent for it, strictly necessary storage
//! aside. The EDPB cookie banner taskforce (report of January 2023,
//! practice G, legitimate interest claimed in the banner) adds that
//! legitimate interest is no legal basis for storing or reading cookies.
//! An LI bit on any of these purposes is therefore listed in
//! `li_for_consent_purposes`, whatever the policy version (the string says
//! it), so the rules can flag it.
//!
//! # What is decoded
//!
//! The core segment only: a TC string may carry further segments after a
//! `.` (disclosed vendors, allowed vendors, publisher purposes); they are
//! tolerated and ignored, and so are `=` padding and a string padded to
//! 6 bits rather than to bytes. Decoding is done by the `lib_tcstring` crate,
//! after `check_core` has walked the segment's structure: the crate
//! indexes past the end of a truncated section and adds one to a vendor id
//! of 65535, and both would panic on a hostile page's string.

use std::collections::BTreeSet;

use lib_tcstring::{TcModelV2, TcsError};

use crate::evidence::TcfReading;
use crate::facts::TcfFacts;

/// A CMP (Didomi, CMP id 7) that says "yes" to everything before any click.
///
/// Core segment only, TCF v2 with policy version 4 (TCF 2.2), created and
/// last updated 2024-01-01 00:00:00 UTC, CMP version 1, consent screen 1,
/// consent language FR, vendor list version 300, service-specific, standard
/// texts, publisher country FR, no publisher restriction. It encodes consent
/// for purposes 1 to 10, opt-in to special features 1 (precise geolocation)
/// and 2 (device scanning), consent for vendors 1 to 10, and no legitimate
/// interest for any purpose or vendor. Decoded: `consent_signalled` true,
/// `vendors_consent_count` 10, `li_for_consent_purposes` empty.
pub const FIXTURE_CONSENT_ALL: &str = "CP3tAUAP3tAUAAHABBFREsEsAP_AAAAAAAqIAFP_AAAAAA";

/// A correct refusal (Didomi, CMP id 7): nothing consented, nothing on
/// legitimate interest.
///
/// Same header as [`FIXTURE_CONSENT_ALL`] (TCF v2, policy version 4,
/// 2024-01-01, language and country FR, vendor list version 300). No
/// purpose consent, no purpose legitimate interest, no special feature, and
/// empty vendor consent and vendor legitimate interest sections (highest
/// vendor id 0). This is what a correct CMP reports after "reject all", and
/// what it answers before any choice when it answers with a string at all.
/// Decoded: `consent_signalled` false, every list empty, both vendor counts 0.
pub const FIXTURE_REFUSED: &str = "CP3tAUAP3tAUAAHABBFREsEgAAAAAAAAAAqIAAAAAAAA";

/// Legitimate interest switched on by default (Didomi, CMP id 7).
///
/// Same header as [`FIXTURE_CONSENT_ALL`] (TCF v2, policy version 4,
/// 2024-01-01, language and country FR, vendor list version 300). No
/// purpose consent, no special feature and no vendor consent, but the
/// legitimate interest bits are on for purposes 2, 3, 4, 7, 9 and 10 and
/// for vendors 1 to 5: the visitor has "not objected" to anything yet.
/// Purposes 3 and 4 (advertising profiles) may only rest on consent under
/// TCF 2.2, so decoding gives `li_for_consent_purposes == [3, 4]`, with
/// `consent_signalled` false and `vendors_li_count` 5.
pub const FIXTURE_LI_DEFAULT: &str = "CP3tAUAP3tAUAAHABBFREsEgAAAAAHLAAAqIAAAAFfAA";

/// Purposes that may never rely on legitimate interest: 1 (store or
/// access information on a device) and, since TCF 2.2, 3 to 6 (profiles
/// for personalised advertising and content, and their use).
pub const CONSENT_ONLY_PURPOSES: [i64; 5] = [1, 3, 4, 5, 6];

/// Bits of the core segment's fixed fields, up to the vendor sections.
const CORE_FIXED_BITS: usize = 213;

/// Vendor ids that range sections may expand to, in all. Valid ranges do
/// not overlap, so a real string stays far below; a hostile one could
/// otherwise ask for billions.
const MAX_EXPANDED_IDS: u64 = 1 << 20;

/// Decode one `__tcfapi` answer into facts.
///
/// The event status and the string are copied; the CMP id comes from the
/// answer, else from the string. `present` is true only when the string
/// decodes. An answer without a string keeps its own error (a timeout, an
/// exception); an undecodable string gives `cannot decode the TC string:`
/// and the reason. Never panics.
pub fn decode(reading: &TcfReading) -> TcfFacts {
    let mut facts = TcfFacts {
        event_status: reading.event_status.clone(),
        cmp_id: reading.cmp_id.map(i64::from).unwrap_or(0),
        tc_string: reading.tc_string.clone(),
        ..Default::default()
    };
    let tc = reading.tc_string.trim();
    if tc.is_empty() {
        facts.error = match (&reading.error, reading.gdpr_applies) {
            (Some(e), _) if !e.trim().is_empty() => e.clone(),
            (_, Some(false)) => {
                "no TC string: the CMP says GDPR does not apply (gdprApplies false)".into()
            }
            _ => "cannot decode the TC string: it is empty".into(),
        };
        return facts;
    }
    let model = match decode_core(tc) {
        Ok(model) => model,
        Err(why) => {
            facts.error = format!("cannot decode the TC string: {why}");
            return facts;
        }
    };
    let ids = |v: &[u8]| -> Vec<i64> {
        let set: BTreeSet<i64> = v.iter().map(|&x| i64::from(x)).collect();
        set.into_iter().collect()
    };
    let count = |v: &[u16]| v.iter().collect::<BTreeSet<_>>().len() as i64;
    facts.present = true;
    if facts.cmp_id == 0 {
        facts.cmp_id = i64::from(model.cmp_id);
    }
    facts.policy_version = i64::from(model.tcf_policy_version);
    facts.purposes_consent = ids(&model.purposes_consent);
    facts.purposes_li = ids(&model.purposes_li_transparency);
    facts.special_features = ids(&model.special_feature_opt_ins);
    facts.vendors_consent_count = count(&model.vendors_consent);
    facts.vendors_li_count = count(&model.vendors_li_consent);
    facts.consent_signalled = !facts.purposes_consent.is_empty() || facts.vendors_consent_count > 0;
    facts.li_for_consent_purposes = facts
        .purposes_li
        .iter()
        .copied()
        .filter(|p| CONSENT_ONLY_PURPOSES.contains(p))
        .collect();
    facts
}

/// The answer to judge for a moment (`load` or `after_choice`).
///
/// Several frames may answer (the page and the CMP's or an ad's iframe).
/// The first answer of that moment with a non-empty string is taken, as
/// the browser engine lists the top frame's answer first. Failing that, the first answer
/// with an error, and failing that the first answer of the moment at all
/// (an answer without a string, for instance when the CMP says GDPR does
/// not apply). `None` when nothing answered at that moment.
pub fn pick<'a>(readings: &'a [TcfReading], moment: &str) -> Option<&'a TcfReading> {
    let mut at = readings.iter().filter(|r| r.moment == moment);
    let first = at.clone().next();
    at.clone()
        .find(|r| !r.tc_string.trim().is_empty())
        .or_else(|| at.find(|r| r.error.as_deref().is_some_and(|e| !e.trim().is_empty())))
        .or(first)
}

/// Decode the core segment of a TC string, or say why not.
fn decode_core(tc: &str) -> Result<TcModelV2, String> {
    let core = tc.split('.').next().unwrap_or("").trim_end_matches('=');
    if core.is_empty() {
        return Err("the core segment is empty".into());
    }
    let bytes = from_base64url(core)?;
    check_core(&bytes)?;
    // The crate is strict about base64 (no padding, no stray bits after
    // the last byte, which encoders that pad to 6 bits leave): it gets the
    // same bytes written canonically.
    let canonical = to_base64url(&bytes);
    // check_core rules out every input known to make the crate panic; a
    // panic that slipped through is still reported, not propagated.
    match std::panic::catch_unwind(|| TcModelV2::try_from(canonical.as_str())) {
        Ok(Ok(model)) => Ok(model),
        Ok(Err(e)) => Err(describe(&e)),
        Err(_) => Err("the decoder failed on a malformed string".into()),
    }
}

/// The crate's error, in words.
fn describe(e: &TcsError) -> String {
    match e {
        TcsError::InsufficientLength => "too short".into(),
        TcsError::UnsupportedVersion => "not a TCF v2 string".into(),
        TcsError::InvalidUrlSafeBase64(e) => format!("not URL-safe base64 ({e})"),
        TcsError::InvalidAlphabetOffset => {
            "the language or country code is not two letters A to Z".into()
        }
        other => format!("malformed vendor or restriction section ({other})"),
    }
}

/// The URL-safe base64 alphabet TC strings are written in.
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Bytes as URL-safe base64 without padding.
fn to_base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .chain(std::iter::repeat(&0))
            .take(3)
            .fold(0u32, |n, &b| (n << 8) | u32::from(b));
        // 1, 2 or 3 bytes take 2, 3 or 4 characters.
        for i in 0..=chunk.len() {
            out.push(char::from(BASE64URL[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// URL-safe base64 without padding, as TC strings are written. Bits left
/// over after the last whole byte (a string padded to 6 bits rather than
/// to bytes) make a last byte, filled with zeros.
fn from_base64url(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for (i, c) in s.bytes().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => {
                return Err(format!(
                    "not URL-safe base64 (character {:?} at {i})",
                    char::from(c)
                ))
            }
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits > 0 {
        out.push((acc << (8 - bits)) as u8);
    }
    Ok(out)
}

/// Reads big-endian bit fields and says where a string ends too soon.
struct Bits<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn read(&mut self, width: usize, what: &str) -> Result<u64, String> {
        let len = self.bytes.len() * 8;
        if self.pos + width > len {
            return Err(format!(
                "too short: the core segment ends at bit {len}, inside the {what}"
            ));
        }
        let mut v = 0u64;
        for _ in 0..width {
            let bit = (self.bytes[self.pos / 8] >> (7 - self.pos % 8)) & 1;
            v = (v << 1) | u64::from(bit);
            self.pos += 1;
        }
        Ok(v)
    }

    fn skip(&mut self, width: usize, what: &str) -> Result<(), String> {
        let len = self.bytes.len() * 8;
        if self.pos + width > len {
            return Err(format!(
                "too short: the core segment ends at bit {len}, inside the {what}"
            ));
        }
        self.pos += width;
        Ok(())
    }
}

/// Walk the core segment's structure: version 2, the fixed fields, the
/// vendor consent and vendor legitimate interest sections (bitfield or
/// ranges) and the publisher restrictions, each inside the segment.
fn check_core(bytes: &[u8]) -> Result<(), String> {
    let mut b = Bits { bytes, pos: 0 };
    match b.read(6, "version")? {
        2 => {}
        1 => return Err("a TCF v1 string (version 1); only version 2 is read".into()),
        v => return Err(format!("version {v}, not a TCF v2 string")),
    }
    b.skip(CORE_FIXED_BITS - 6, "fixed fields")?;
    let mut budget = MAX_EXPANDED_IDS;
    for what in [
        "vendor consent section",
        "vendor legitimate interest section",
    ] {
        let max = b.read(16, what)?;
        if b.read(1, what)? == 0 {
            b.skip(max as usize, what)?;
        } else {
            check_ranges(&mut b, what, &mut budget)?;
        }
    }
    let what = "publisher restrictions";
    let restrictions = b.read(12, what)?;
    for _ in 0..restrictions {
        b.skip(8, what)?;
        check_ranges(&mut b, what, &mut budget)?;
    }
    Ok(())
}

/// A list of vendor ids and id ranges, as both vendor sections and the
/// publisher restrictions write them.
fn check_ranges(b: &mut Bits, what: &str, budget: &mut u64) -> Result<(), String> {
    let entries = b.read(12, what)?;
    for _ in 0..entries {
        let is_range = b.read(1, what)? == 1;
        let start = b.read(16, what)?;
        if !is_range {
            continue;
        }
        let end = b.read(16, what)?;
        if end == u64::from(u16::MAX) {
            return Err(format!("a range in the {what} ends at vendor id 65535"));
        }
        let span = if end >= start { end - start + 1 } else { 0 };
        *budget = budget.checked_sub(span).ok_or_else(|| {
            format!("the vendor ranges expand to more than {MAX_EXPANDED_IDS} ids")
        })?;
    }
    Ok(())
}

/// A test-only TC string encoder, to build fixtures from explicit fields.
#[cfg(test)]
pub(crate) mod encoder {
    /// A vendor section: a bitfield up to `max`, or ranges `(start, end)`
    /// (a single id when `start == end`).
    #[derive(Debug, Clone)]
    pub enum Vendors {
        Bitfield { max: u16, ids: Vec<u16> },
        Ranges { max: u16, ranges: Vec<(u16, u16)> },
    }

    /// A publisher restriction: `(purpose, restriction type, ranges)`.
    pub type Restriction = (u8, u8, Vec<(u16, u16)>);

    /// The fields of a core segment.
    #[derive(Debug, Clone)]
    pub struct Core {
        pub version: u8,
        /// Deciseconds since the Unix epoch.
        pub created: u64,
        pub updated: u64,
        pub cmp_id: u16,
        pub cmp_version: u16,
        pub consent_screen: u8,
        pub language: &'static str,
        pub vendor_list_version: u16,
        pub policy_version: u8,
        pub service_specific: bool,
        pub non_standard_texts: bool,
        pub special_features: Vec<u8>,
        pub purposes_consent: Vec<u8>,
        pub purposes_li: Vec<u8>,
        pub purpose_one_treatment: bool,
        pub publisher_cc: &'static str,
        pub vendors_consent: Vendors,
        pub vendors_li: Vendors,
        pub restrictions: Vec<Restriction>,
    }

    /// 2024-01-01 00:00:00 UTC, in deciseconds.
    pub const FIXTURE_TIME: u64 = 17_040_672_000;

    impl Core {
        /// The fixtures' shared header, with nothing consented.
        pub fn fixture() -> Core {
            Core {
                version: 2,
                created: FIXTURE_TIME,
                updated: FIXTURE_TIME,
                cmp_id: 7,
                cmp_version: 1,
                consent_screen: 1,
                language: "FR",
                vendor_list_version: 300,
                policy_version: 4,
                service_specific: true,
                non_standard_texts: false,
                special_features: vec![],
                purposes_consent: vec![],
                purposes_li: vec![],
                purpose_one_treatment: false,
                publisher_cc: "FR",
                vendors_consent: Vendors::Bitfield {
                    max: 0,
                    ids: vec![],
                },
                vendors_li: Vendors::Bitfield {
                    max: 0,
                    ids: vec![],
                },
                restrictions: vec![],
            }
        }

        /// The segment's bits, unpadded.
        pub fn bits(&self) -> Vec<bool> {
            let mut w = Writer::default();
            w.int(self.version.into(), 6);
            w.int(self.created, 36);
            w.int(self.updated, 36);
            w.int(self.cmp_id.into(), 12);
            w.int(self.cmp_version.into(), 12);
            w.int(self.consent_screen.into(), 6);
            w.letters(self.language);
            w.int(self.vendor_list_version.into(), 12);
            w.int(self.policy_version.into(), 6);
            w.flag(self.service_specific);
            w.flag(self.non_standard_texts);
            w.set(&self.special_features, 12);
            w.set(&self.purposes_consent, 24);
            w.set(&self.purposes_li, 24);
            w.flag(self.purpose_one_treatment);
            w.letters(self.publisher_cc);
            w.vendors(&self.vendors_consent);
            w.vendors(&self.vendors_li);
            w.int(self.restrictions.len() as u64, 12);
            for (purpose, kind, ranges) in &self.restrictions {
                w.int((*purpose).into(), 6);
                w.int((*kind).into(), 2);
                w.ranges(ranges);
            }
            w.0
        }

        /// The segment as a TC string.
        pub fn encode(&self) -> String {
            to_base64url(&self.bits())
        }
    }

    #[derive(Default)]
    struct Writer(Vec<bool>);

    impl Writer {
        fn int(&mut self, value: u64, width: u32) {
            assert!(width == 64 || value < 1 << width, "{value} in {width} bits");
            for i in (0..width).rev() {
                self.0.push(value >> i & 1 == 1);
            }
        }

        fn flag(&mut self, on: bool) {
            self.0.push(on);
        }

        /// Two letters, A = 0.
        fn letters(&mut self, s: &str) {
            assert_eq!(s.len(), 2);
            for c in s.bytes() {
                assert!(c.is_ascii_uppercase());
                self.int((c - b'A').into(), 6);
            }
        }

        /// A bitfield of `width` bits where id `n` is bit `n - 1`.
        fn set<T: Copy + Into<u64>>(&mut self, ids: &[T], width: usize) {
            let ids: Vec<u64> = ids.iter().map(|&x| x.into()).collect();
            for n in 1..=width as u64 {
                self.0.push(ids.contains(&n));
            }
        }

        fn ranges(&mut self, ranges: &[(u16, u16)]) {
            self.int(ranges.len() as u64, 12);
            for &(start, end) in ranges {
                self.flag(start != end);
                self.int(start.into(), 16);
                if start != end {
                    self.int(end.into(), 16);
                }
            }
        }

        fn vendors(&mut self, v: &Vendors) {
            match v {
                Vendors::Bitfield { max, ids } => {
                    self.int((*max).into(), 16);
                    self.flag(false);
                    self.set(ids, usize::from(*max));
                }
                Vendors::Ranges { max, ranges } => {
                    self.int((*max).into(), 16);
                    self.flag(true);
                    self.ranges(ranges);
                }
            }
        }
    }

    /// Pad to whole bytes with zeros, then URL-safe base64 without padding.
    pub fn to_base64url(bits: &[bool]) -> String {
        let bytes: Vec<u8> = bits
            .chunks(8)
            .map(|byte| (0..8).fold(0u8, |v, i| (v << 1) | u8::from(byte.get(i) == Some(&true))))
            .collect();
        super::to_base64url(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::encoder::{to_base64url, Core, Vendors};
    use super::*;

    fn consent_all() -> Core {
        Core {
            special_features: vec![1, 2],
            purposes_consent: (1..=10).collect(),
            vendors_consent: Vendors::Bitfield {
                max: 10,
                ids: (1..=10).collect(),
            },
            ..Core::fixture()
        }
    }

    fn refused() -> Core {
        Core::fixture()
    }

    fn li_default() -> Core {
        Core {
            purposes_li: vec![2, 3, 4, 7, 9, 10],
            vendors_li: Vendors::Bitfield {
                max: 5,
                ids: (1..=5).collect(),
            },
            ..Core::fixture()
        }
    }

    fn reading(tc: &str) -> TcfReading {
        TcfReading {
            moment: "load".into(),
            frame_url: "https://site.test/".into(),
            event_status: "tcloaded".into(),
            cmp_id: None,
            gdpr_applies: Some(true),
            tc_string: tc.into(),
            error: None,
        }
    }

    /// The facts as JSON, to compare them whole.
    fn facts_json(f: &TcfFacts) -> serde_json::Value {
        serde_json::to_value(f).expect("facts serialise")
    }

    #[test]
    fn encoder_reproduces_the_fixtures() {
        assert_eq!(consent_all().encode(), FIXTURE_CONSENT_ALL);
        assert_eq!(refused().encode(), FIXTURE_REFUSED);
        assert_eq!(li_default().encode(), FIXTURE_LI_DEFAULT);
    }

    #[test]
    fn consent_all_fixture_says_yes_to_everything() {
        let f = decode(&reading(FIXTURE_CONSENT_ALL));
        assert_eq!(
            facts_json(&f),
            serde_json::json!({
                "present": true,
                "event_status": "tcloaded",
                "cmp_id": 7,
                "policy_version": 4,
                "purposes_consent": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                "purposes_li": [],
                "vendors_consent_count": 10,
                "vendors_li_count": 0,
                "special_features": [1, 2],
                "consent_signalled": true,
                "li_for_consent_purposes": [],
                "tc_string": FIXTURE_CONSENT_ALL,
                "error": "",
            })
        );
    }

    #[test]
    fn refused_fixture_says_nothing() {
        let f = decode(&reading(FIXTURE_REFUSED));
        assert_eq!(
            facts_json(&f),
            serde_json::json!({
                "present": true,
                "event_status": "tcloaded",
                "cmp_id": 7,
                "policy_version": 4,
                "purposes_consent": [],
                "purposes_li": [],
                "vendors_consent_count": 0,
                "vendors_li_count": 0,
                "special_features": [],
                "consent_signalled": false,
                "li_for_consent_purposes": [],
                "tc_string": FIXTURE_REFUSED,
                "error": "",
            })
        );
    }

    #[test]
    fn li_default_fixture_flags_purposes_3_and_4() {
        let f = decode(&reading(FIXTURE_LI_DEFAULT));
        assert_eq!(
            facts_json(&f),
            serde_json::json!({
                "present": true,
                "event_status": "tcloaded",
                "cmp_id": 7,
                "policy_version": 4,
                "purposes_consent": [],
                "purposes_li": [2, 3, 4, 7, 9, 10],
                "vendors_consent_count": 0,
                "vendors_li_count": 5,
                "special_features": [],
                "consent_signalled": false,
                "li_for_consent_purposes": [3, 4],
                "tc_string": FIXTURE_LI_DEFAULT,
                "error": "",
            })
        );
    }

    #[test]
    fn further_segments_are_tolerated() {
        // A disclosed vendors segment: type 1, highest id 3, bitfield 111.
        let mut bits: Vec<bool> = [0, 0, 1].iter().map(|&b| b == 1).collect();
        bits.extend((0..16).map(|i| 3u16 >> (15 - i) & 1 == 1));
        bits.extend([false, true, true, true]);
        let disclosed = to_base64url(&bits);
        for tc in [
            format!("{FIXTURE_LI_DEFAULT}.segment2"),
            format!("{FIXTURE_LI_DEFAULT}.{disclosed}"),
            format!("{FIXTURE_LI_DEFAULT}.{disclosed}.!not base64!"),
            format!("  {FIXTURE_LI_DEFAULT}\n"),
            format!("{FIXTURE_LI_DEFAULT}=="),
        ] {
            let f = decode(&reading(&tc));
            assert!(f.present, "{tc}: {}", f.error);
            assert_eq!(f.li_for_consent_purposes, [3, 4], "{tc}");
            assert_eq!(f.vendors_li_count, 5, "{tc}");
            assert_eq!(f.tc_string, tc);
        }
    }

    #[test]
    fn strings_padded_to_6_bits_decode() {
        // 269 bits: padded to bytes, 46 characters; padded to 6 bits, 45.
        let tc = &FIXTURE_CONSENT_ALL[..45];
        let f = decode(&reading(tc));
        assert!(f.present, "{}", f.error);
        assert_eq!(f.vendors_consent_count, 10);
        // Stray bits after the last byte are padding too.
        let stray = format!("{}B", &FIXTURE_CONSENT_ALL[..45]);
        assert!(decode(&reading(&stray)).present);
    }

    #[test]
    fn policy_5_ranges_and_restrictions_decode() {
        // TCF 2.2 variants the fixtures do not use: policy version 5,
        // range-encoded vendor sections, publisher restrictions.
        let core = Core {
            policy_version: 5,
            purposes_consent: vec![1, 11],
            purposes_li: vec![1, 2, 6, 11],
            vendors_consent: Vendors::Ranges {
                max: 755,
                ranges: vec![(1, 3), (8, 8), (700, 755)],
            },
            vendors_li: Vendors::Ranges {
                max: 40,
                ranges: vec![(10, 40)],
            },
            restrictions: vec![(2, 1, vec![(5, 9)]), (7, 0, vec![(4, 4)])],
            ..Core::fixture()
        };
        let f = decode(&reading(&core.encode()));
        assert!(f.present, "{}", f.error);
        assert_eq!(f.policy_version, 5);
        assert_eq!(f.purposes_consent, [1, 11]);
        assert_eq!(f.purposes_li, [1, 2, 6, 11]);
        assert_eq!(f.li_for_consent_purposes, [1, 6]);
        assert_eq!(f.vendors_consent_count, 3 + 1 + 56);
        assert_eq!(f.vendors_li_count, 31);
        assert!(f.consent_signalled);
        // Vendor consent alone is a "yes" too.
        let vendor_only = Core {
            vendors_consent: Vendors::Bitfield {
                max: 755,
                ids: vec![755],
            },
            ..Core::fixture()
        };
        let f = decode(&reading(&vendor_only.encode()));
        assert!(f.consent_signalled && f.purposes_consent.is_empty());
        assert_eq!(f.vendors_consent_count, 1);
        // A TCF 2.0 string (policy version 2) is read the same way.
        let old = Core {
            policy_version: 2,
            ..li_default()
        };
        let f = decode(&reading(&old.encode()));
        assert_eq!(f.policy_version, 2);
        assert_eq!(f.li_for_consent_purposes, [3, 4]);
    }

    #[test]
    fn garbage_gives_an_error_not_a_panic() {
        let v1 = Core {
            version: 1,
            ..refused()
        };
        for tc in [
            "not-a-tc-string",
            "",
            "   ",
            "C",
            "CP",
            "C!!",
            ".",
            ".segment2",
            "CP3tAUAP3tAUAAHABBFREsEs",
            &FIXTURE_CONSENT_ALL[..FIXTURE_CONSENT_ALL.len() - 3],
            &v1.encode(),
            "{\"tcString\":null}",
        ] {
            let f = decode(&reading(tc));
            assert!(!f.present, "{tc:?} decoded");
            assert!(
                f.error.starts_with("cannot decode the TC string: "),
                "{tc:?}: {}",
                f.error
            );
            assert_eq!(f.tc_string, tc);
        }
        let f = decode(&reading("not-a-tc-string"));
        assert_eq!(
            f.error,
            "cannot decode the TC string: version 39, not a TCF v2 string"
        );
    }

    #[test]
    fn every_cut_of_a_string_is_read_without_panic() {
        let ranges = Core {
            vendors_consent: Vendors::Ranges {
                max: 90,
                ranges: vec![(1, 3), (8, 8), (50, 90)],
            },
            vendors_li: Vendors::Ranges {
                max: 9,
                ranges: vec![(9, 9)],
            },
            restrictions: vec![(2, 1, vec![(5, 9), (12, 12)])],
            ..consent_all()
        };
        for core in [consent_all(), refused(), li_default(), ranges] {
            let bits = core.bits();
            for cut in 0..bits.len() {
                let tc = to_base64url(&bits[..cut]);
                // Zeros padding a cut may still spell a shorter valid
                // string (a count cut to 0); before the vendor sections
                // nothing can.
                let f = decode(&reading(&tc));
                if cut.div_ceil(8) * 8 < CORE_FIXED_BITS + 17 {
                    assert!(!f.present, "cut at {cut} of {}: {tc}", bits.len());
                    assert!(!f.error.is_empty());
                }
            }
            // The same with whole characters cut. Cutting only padding
            // and zeros the decoder restores (a string padded to 6 bits
            // rather than to bytes) keeps the string whole.
            let full = core.encode();
            for end in 0..full.len() {
                let f = decode(&reading(&full[..end]));
                let kept = (end * 6).div_ceil(8) * 8;
                if kept < CORE_FIXED_BITS + 17 {
                    assert!(!f.present, "{} decoded", &full[..end]);
                } else if kept >= bits.len() && !bits[(end * 6).min(bits.len())..].contains(&true) {
                    assert!(f.present, "{}: {}", &full[..end], f.error);
                }
            }
            assert!(decode(&reading(&full)).present);
        }
    }

    #[test]
    fn hostile_ranges_are_refused() {
        let to_65535 = Core {
            vendors_consent: Vendors::Ranges {
                max: u16::MAX,
                ranges: vec![(65_000, u16::MAX)],
            },
            ..refused()
        };
        let f = decode(&reading(&to_65535.encode()));
        assert!(!f.present);
        assert!(f.error.contains("65535"), "{}", f.error);
        let overlapping = Core {
            vendors_consent: Vendors::Ranges {
                max: 65_000,
                ranges: vec![(1, 65_000); 40],
            },
            ..refused()
        };
        let f = decode(&reading(&overlapping.encode()));
        assert!(!f.present);
        assert!(f.error.contains("more than"), "{}", f.error);
    }

    #[test]
    fn an_answer_without_a_string_keeps_its_error() {
        let mut r = reading("");
        r.error = Some("timeout after 3 s".into());
        let f = decode(&r);
        assert!(!f.present);
        assert_eq!(f.error, "timeout after 3 s");
        assert_eq!(f.event_status, "tcloaded");
        let mut r = reading("");
        r.gdpr_applies = Some(false);
        let f = decode(&r);
        assert!(!f.present);
        assert!(f.error.contains("gdprApplies false"), "{}", f.error);
    }

    #[test]
    fn cmp_id_comes_from_the_answer_then_the_string() {
        let mut r = reading(FIXTURE_REFUSED);
        assert_eq!(decode(&r).cmp_id, 7);
        r.cmp_id = Some(28);
        assert_eq!(decode(&r).cmp_id, 28);
        r.tc_string = "garbage".into();
        assert_eq!(decode(&r).cmp_id, 28);
        r.cmp_id = None;
        assert_eq!(decode(&r).cmp_id, 0);
    }

    #[test]
    fn pick_prefers_an_answer_with_a_string() {
        let at = |moment: &str, frame: &str, tc: &str, error: Option<&str>| TcfReading {
            moment: moment.into(),
            frame_url: frame.into(),
            tc_string: tc.into(),
            error: error.map(str::to_string),
            ..reading("")
        };
        let readings = vec![
            at("load", "https://site.test/", "", Some("timeout")),
            at("load", "https://site.test/", "", None),
            at("load", "https://ads.test/frame", FIXTURE_CONSENT_ALL, None),
            at("load", "https://cmp.test/", FIXTURE_REFUSED, None),
            at("after_choice", "https://site.test/", "", None),
            at(
                "after_choice",
                "https://ads.test/frame",
                "",
                Some("no __tcfapi"),
            ),
        ];
        let load = pick(&readings, "load").expect("a load answer");
        assert_eq!(load.tc_string, FIXTURE_CONSENT_ALL);
        let after = pick(&readings, "after_choice").expect("an after_choice answer");
        assert_eq!(after.error.as_deref(), Some("no __tcfapi"));
        assert!(pick(&readings[4..5], "after_choice").is_some_and(|r| r.error.is_none()));
        assert!(pick(&readings, "browsing").is_none());
        assert!(pick(&[], "load").is_none());
    }
}
