//! Cookie walls, blocking modals and "pay or accept".
//!
//! A banner that holds the page (scrolling locked, content made inert, or
//! the viewport covered) is not wrong in itself: a blocking modal with a
//! free "reject" is a fair question. It is a **cookie wall** when the only
//! ways on are to accept or to pay. Keeping the two apart is the point:
//! EDPB 05/2020 (§39-41) makes consent under a wall invalid, the Conseil
//! d'État (19 June 2020) ruled that a general ban is not for the CNIL to set
//! (case by case), and EDPB Opinion 08/2024 doubts that "pay or okay" is a
//! free choice for large platforms.

use crate::evidence::{ButtonRole, Visit};
use crate::facts::WallFacts;
use crate::knowledge::lexicon::normalise;
use crate::knowledge::{Lexicons, TextCategory};

/// Share of the viewport a banner must cover to hold the page on its own.
pub const COVERAGE_BLOCKING: f64 = 0.8;

/// Judge the first visit's banner. `close_is_refusal`: the profile counts
/// the ✕ as a refusal. `refused_by`: the clicks of a refusal that worked
/// (the reject visit), at whatever layer: a page held until the visitor
/// answers, with a free way to refuse, is a blocking modal, not a wall.
pub fn judge(
    v: &Visit,
    lex: &Lexicons,
    close_is_refusal: bool,
    refused_by: Option<&[String]>,
) -> WallFacts {
    let b = &v.banner;
    let mut w = WallFacts::default();
    if b.status != crate::evidence::BannerStatus::Present {
        return w;
    }
    let first = |role: ButtonRole| b.buttons.iter().any(|x| x.layer == 1 && x.role == role);
    w.free_refusal = first(ButtonRole::Reject) || (close_is_refusal && first(ButtonRole::Close));
    // A paid alternative: a first-layer button or a banner link offering to
    // subscribe or pay (these are never classified as a choice).
    let offers = b
        .buttons
        .iter()
        .filter(|x| x.layer == 1)
        .map(|x| (x.label.as_str(), x.href.as_deref().unwrap_or("")))
        .chain(b.links.iter().map(|l| (l.text.as_str(), l.href.as_str())));
    for (label, href) in offers {
        if lex
            .find(TextCategory::PaidAlternative, &normalise(label))
            .is_some()
        {
            w.pay_or_accept = true;
            w.paid_alternative_label = label.to_string();
            w.paid_alternative_url = href.to_string();
            w.details
                .push(format!("paid alternative offered: \"{label}\""));
            break;
        }
    }
    if let Some(o) = &v.overlay {
        w.measured = true;
        w.blocking = o.scroll_locked || o.content_inert || o.coverage >= COVERAGE_BLOCKING;
        w.details.extend(o.details.iter().cloned());
        if o.coverage > 0.0 {
            w.details.push(format!(
                "fixed layers cover {:.0}% of the viewport",
                o.coverage * 100.0
            ));
        }
    }
    // A refusal reached through the settings layer is free too, if harder
    // (B202 and R502 judge that); one seen there but not tried counts the
    // same, since only a refusal that costs nothing was looked for.
    let deeper_refusal = match refused_by {
        Some(clicks) => {
            w.details.push(format!(
                "a free refusal was reached: {}",
                clicks.join(" → ")
            ));
            true
        }
        None => b
            .buttons
            .iter()
            .any(|x| x.layer != 1 && x.role == ButtonRole::Reject),
    };
    let refusal = w.free_refusal || deeper_refusal;
    // Pay or accept holds the content as surely as an overlay does.
    let held = w.blocking || w.pay_or_accept;
    w.cookie_wall = held && !refusal;
    w.blocking_modal = w.blocking && refusal;
    w
}
