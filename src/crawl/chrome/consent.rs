//! The banner, as a visitor meets it: found in the rendered page, its
//! buttons measured (on screen or not, and how they look), the way to a
//! choice clicked (the first layer, else through the settings layer), and
//! whether the banner asks again after the choice.

use std::time::{Duration, Instant};

use scraper::Html;
use url::Url;

use super::browser::Session;
use super::dom::{click, is_on, style_of, toggles};
use super::{cdp, dom, ChromeEngine, POLL, QUIET_MAX, RECHECK_CONFIRM};
use crate::banner;
use crate::crawl::links;
use crate::evidence::*;

impl ChromeEngine {
    /// Look for the banner until it shows or the settle time runs out.
    /// Also returns the page links and the flattened DOM the banner was
    /// read from (the forms are read from it too).
    pub(super) fn find_banner(
        &self,
        s: &Session,
        page: &Url,
    ) -> Result<(Banner, Vec<links::Link>, String), String> {
        let deadline = Instant::now() + self.opts.settle;
        loop {
            let flat = self.snapshot(s)?;
            let (found, page_links) = {
                let html = Html::parse_document(&flat);
                (
                    banner::detect(&html, page, &self.knowledge),
                    links::page_links(&html, page),
                )
            };
            if let Some(mut b) = found {
                self.measure(s, &mut b);
                if b.buttons.iter().any(|x| x.layer == 1) || Instant::now() >= deadline {
                    return Ok((b, page_links, flat));
                }
            } else if Instant::now() >= deadline {
                let mut b = Banner::not_seen(
                    BannerStatus::Absent,
                    format!(
                        "no consent banner in the rendered page after {:.1} s",
                        self.opts.settle.as_secs_f64()
                    ),
                );
                b.page_url = Some(page.to_string());
                return Ok((b, page_links, flat));
            }
            std::thread::sleep(POLL);
        }
    }

    /// After a choice, on the next page: does the banner ask again, as a
    /// visitor sees it? Asked again means an accept or reject button on
    /// screen and visible ([`dom::shown`]), read after the page settled and
    /// still there a moment later (a platform may draw its banner, then
    /// hide it once it has read the stored choice). Markup left hidden in
    /// the page does not count, nor does a lone "cookie settings" button:
    /// that is the way to change one's mind (GDPR 7(3)), not a new
    /// question. A banner slower than this is missed, never invented.
    /// Also returns the links that reopen the choice.
    pub(super) fn asks_again(
        &self,
        s: &Session,
        url: &Url,
    ) -> Option<(bool, Vec<crate::evidence::BannerLink>)> {
        let mut reopen = Vec::new();
        let mut shown = false;
        for attempt in 0..2 {
            if attempt > 0 {
                std::thread::sleep(RECHECK_CONFIRM);
            }
            let flat = self.snapshot(s).ok()?;
            let found = {
                let html = Html::parse_document(&flat);
                if attempt == 0 {
                    reopen = links::reopen_links(&html, url, &self.knowledge.lexicons);
                }
                banner::detect(&html, url, &self.knowledge)
            };
            shown = found.is_some_and(|mut b| {
                self.measure(s, &mut b);
                b.buttons.iter().any(|x| {
                    x.layer == 1 && matches!(x.role, ButtonRole::Accept | ButtonRole::Reject)
                })
            });
            if !shown {
                break;
            }
        }
        Some((shown, reopen))
    }

    /// Which buttons are on screen (first layer), and how they look.
    ///
    /// Every DevTools call costs tens of milliseconds, so only choice
    /// buttons are measured, and only the first reject and first accept
    /// get their colours read (what R504 compares).
    pub(super) fn measure(&self, s: &Session, b: &mut Banner) {
        let mut styled = Vec::new();
        for button in b.buttons.iter_mut() {
            let Some(node) = button.node else { continue };
            if button.role == ButtonRole::Other {
                continue;
            }
            match on_screen(s, node) {
                Some((_, _, w, h)) => {
                    button.layer = 1;
                    if matches!(button.role, ButtonRole::Reject | ButtonRole::Accept)
                        && !styled.contains(&button.role)
                    {
                        styled.push(button.role);
                        button.style = style_of(&s.tab, node, w, h);
                    }
                }
                None => button.layer = 2,
            }
        }
    }

    /// Click the way to `choice`: the first-level button, else (a refusal
    /// or an acceptance) through the settings layer (open it, then reject/accept all, or save with
    /// everything unticked). Returns the labels clicked.
    pub(super) fn choose(
        &self,
        s: &Session,
        page: &Url,
        banner: &Banner,
        choice: ButtonRole,
    ) -> ConsentAction {
        let mut clicks = Vec::new();
        let direct = banner
            .buttons
            .iter()
            .find(|b| b.role == choice && b.layer == 1 && b.node.is_some());
        if let Some(b) = direct {
            return match click_choice(s, b.node.unwrap_or_default()) {
                Ok(()) => ConsentAction::done(choice, vec![b.label.clone()]),
                Err(e) => ConsentAction::failed(choice, clicks, e),
            };
        }
        // A close button is on the first layer or nowhere: the settings
        // layer is the way to a choice, not to a close.
        if choice == ButtonRole::Close {
            return ConsentAction::failed(choice, clicks, "no close button on the first layer");
        }
        let Some(settings) = banner
            .buttons
            .iter()
            .find(|b| b.role == ButtonRole::Settings && b.layer == 1 && b.node.is_some())
        else {
            return ConsentAction::failed(
                choice,
                clicks,
                format!(
                    "no {} button and no settings button on the first layer",
                    choice.as_str()
                ),
            );
        };
        if let Err(e) = click(s, settings.node.unwrap_or_default()) {
            return ConsentAction::failed(choice, clicks, e);
        }
        clicks.push(settings.label.clone());
        // The settings layer usually opens at once, sometimes after an
        // animation or a fetch: look for it until its button shows.
        let deadline = Instant::now() + QUIET_MAX;
        let mut second = None;
        let mut second_flat = String::new();
        loop {
            std::thread::sleep(Duration::from_millis(100));
            let flat = self.snapshot(s).unwrap_or_default();
            let layer =
                banner::detect(&Html::parse_document(&flat), page, &self.knowledge).map(|mut b| {
                    self.measure(s, &mut b);
                    b
                });
            let ready = layer.as_ref().is_some_and(|b| {
                b.buttons.iter().any(|x| {
                    x.layer == 1
                        && (x.role == choice
                            || (choice == ButtonRole::Reject && x.role == ButtonRole::Save))
                })
            });
            if layer.is_some() {
                second = layer;
                second_flat = flat;
            }
            if ready || Instant::now() >= deadline {
                break;
            }
        }
        let Some(second) = second else {
            return ConsentAction::failed(choice, clicks, "the settings layer could not be read");
        };
        let target = second
            .buttons
            .iter()
            .find(|b| b.role == choice && b.layer == 1)
            .or_else(|| {
                if choice == ButtonRole::Reject {
                    second
                        .buttons
                        .iter()
                        .find(|b| b.role == ButtonRole::Save && b.layer == 1)
                } else {
                    None
                }
            });
        // "Save" after unticking every purpose ticked in advance (a script
        // may tick them after load: their live state is read). Without
        // this, saving would accept what the site pre-selected.
        let mut preticked = Vec::new();
        if let Some(save) = target.filter(|b| b.role == ButtonRole::Save) {
            if save.node.is_some() {
                for (node, label_node, label) in toggles(&second_flat, second.selector.as_deref()) {
                    if is_on(&s.tab, node) != Some(true) {
                        continue;
                    }
                    preticked.push(label.clone());
                    let clicked =
                        click(s, node).or_else(|e| label_node.map_or(Err(e), |l| click(s, l)));
                    if clicked.is_ok() && is_on(&s.tab, node) == Some(false) {
                        clicks.push(format!("untick: {label}"));
                    }
                }
            }
        }
        let mut action = match target.and_then(|b| b.node.map(|n| (b, n))) {
            Some((b, n)) => match click_choice(s, n) {
                Ok(()) => {
                    clicks.push(b.label.clone());
                    ConsentAction::done(choice, clicks)
                }
                Err(e) => ConsentAction::failed(choice, clicks, e),
            },
            None => ConsentAction::failed(
                choice,
                clicks,
                format!("no {} button on the settings layer", choice.as_str()),
            ),
        };
        action.preticked = preticked;
        action
    }

    /// A viewport screenshot and a close-up of the banner, as data URIs.
    pub(super) fn screenshots(&self, s: &Session, b: &Banner) -> Vec<String> {
        let mut shots = Vec::new();
        if let Ok(v) = s.tab.call(cdp::Screenshot {
            format: "jpeg",
            quality: 70,
            capture_beyond_viewport: false,
        }) {
            if let Some(data) = v["data"].as_str() {
                shots.push(format!("data:image/jpeg;base64,{data}"));
            }
        }
        // Close-up: the box around every first-layer button, with margin.
        let boxes: Vec<(f64, f64, f64, f64)> = b
            .buttons
            .iter()
            .filter_map(|x| x.node.and_then(|n| s.page_box(n)))
            .collect();
        if !boxes.is_empty() {
            let x0 = boxes.iter().map(|b| b.0).fold(f64::MAX, f64::min) - 200.0;
            let y0 = boxes.iter().map(|b| b.1).fold(f64::MAX, f64::min) - 150.0;
            let x1 = boxes.iter().map(|b| b.0 + b.2).fold(0.0, f64::max) + 200.0;
            let y1 = boxes.iter().map(|b| b.1 + b.3).fold(0.0, f64::max) + 40.0;
            let clip = cdp::Clip {
                x: x0.max(0.0),
                y: y0.max(0.0),
                width: (x1 - x0.max(0.0)).min(1366.0),
                height: (y1 - y0.max(0.0)).min(900.0),
                scale: 1.0,
            };
            if let Ok(v) = s.tab.call(cdp::ScreenshotClip {
                format: "jpeg",
                quality: 80,
                clip,
            }) {
                if let Some(data) = v["data"].as_str() {
                    shots.push(format!("data:image/jpeg;base64,{data}"));
                }
            }
        }
        shots
    }
}

/// The box of a button on screen: one of more than a pixel, and visible to
/// a person (a faded-out or off-screen layer keeps its box).
fn on_screen(s: &Session, node: i64) -> Option<(f64, f64, f64, f64)> {
    s.page_box(node)
        .filter(|&(_, _, w, h)| w > 1.0 && h > 1.0 && dom::shown(&s.tab, node) != Some(false))
}

/// How long a clicked choice button may stay on screen before it is
/// clicked again, and how often it may be.
const CHOICE_GONE_WITHIN: Duration = Duration::from_millis(1200);
const CHOICE_CLICKS: usize = 3;

/// Click a choice button as a person would: when the click changes
/// nothing and the button is still on screen a moment later, click it
/// again. Some platforms draw their buttons before they listen to them
/// (tarteaucitron.js attaches its handlers 500 ms after it shows the
/// banner); a visitor who clicks in that gap clicks again, and a click the
/// page ignored must not be recorded as the visitor's choice. A button
/// that leaves the screen (as [`ChromeEngine::measure`] tells it), or a
/// page that navigates away, ends it.
fn click_choice(s: &Session, node: i64) -> Result<(), String> {
    click(s, node)?;
    for _ in 1..CHOICE_CLICKS {
        let deadline = Instant::now() + CHOICE_GONE_WITHIN;
        loop {
            std::thread::sleep(Duration::from_millis(200));
            if on_screen(s, node).is_none() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                break;
            }
        }
        if click(s, node).is_err() {
            return Ok(());
        }
    }
    Ok(())
}
