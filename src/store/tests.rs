//! Store tests on real audits of an in-process test web.

use std::time::Duration;

use super::*;
use crate::audit::{AuditConfig, Auditor};
use crate::crawl::{CrawlOptions, EngineChoice};
use crate::net::ResolveRule;
use crate::targets::Targets;
use crate::testweb::{Server, Web};

/// Two real audits: one reachable site with a tracker cookie, one site
/// that refuses connections (nothing listens on port 1), so not audited.
fn audits() -> (SiteReport, SiteReport) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut web = Web::default();
    web.insert(
        "www.ok.test",
        "index.html",
        "<html><body><p>Hello</p><script>1</script></body></html>",
    );
    let server = rt.block_on(Server::start(web, 0)).unwrap();
    let auditor = Auditor::new(
        AuditConfig {
            engine: EngineChoice::Http,
            crawl: CrawlOptions {
                resolve: vec![ResolveRule::parse("*:127.0.0.1").unwrap()],
                insecure: true,
                timeout: Duration::from_secs(5),
                ..CrawlOptions::default()
            },
            judge: Default::default(),
        },
        &mut |_| {},
    )
    .unwrap();
    let ok = rt.block_on(auditor.audit(&url::Url::parse(&server.url("www.ok.test")).unwrap()));
    let bad = rt.block_on(auditor.audit(&url::Url::parse("https://www.gone.test:1/").unwrap()));
    assert!(ok.audited);
    assert!(!bad.audited);
    (ok, bad)
}

fn new_campaign(name: &str) -> NewCampaign {
    NewCampaign {
        name: name.into(),
        rules_version: "test".into(),
        lists: serde_json::json!([]),
        engine: "http".into(),
        options: serde_json::json!({"pages": 3}),
        sites_file: Some("sites.txt".into()),
        skipped: Vec::new(),
    }
}

#[test]
fn resume_skips_done_sites_and_retry_takes_failed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite");
    let (ok, bad) = audits();
    let targets = Targets::parse("a.test\nb.test\nc.test\n");
    let urls: Vec<String> = targets.sites.iter().map(|s| s.url.to_string()).collect();
    {
        let mut store = Store::open(&path).unwrap();
        let c = store.begin(&new_campaign("top"), &targets.sites).unwrap();
        assert_eq!(
            store
                .todo(c.id, targets.sites.clone(), false)
                .unwrap()
                .len(),
            3
        );
        store.save(c.id, &urls[0], &ok, Utc::now(), 12).unwrap();
        store.save(c.id, &urls[1], &bad, Utc::now(), 7).unwrap();
        assert_eq!(
            store.counts(c.id).unwrap(),
            Counts {
                pending: 1,
                done: 1,
                failed: 1
            }
        );
    }
    // A second run of the same campaign: only the pending site is left,
    // or the pending and failed ones with --retry-failed.
    let mut store = Store::open(&path).unwrap();
    let c = store.begin(&new_campaign("top"), &targets.sites).unwrap();
    let todo: Vec<String> = store
        .todo(c.id, targets.sites.clone(), false)
        .unwrap()
        .iter()
        .map(|s| s.url.to_string())
        .collect();
    assert_eq!(todo, vec![urls[2].clone()]);
    let retry: Vec<String> = store
        .todo(c.id, targets.sites.clone(), true)
        .unwrap()
        .iter()
        .map(|s| s.url.to_string())
        .collect();
    assert_eq!(retry, vec![urls[1].clone(), urls[2].clone()]);
    // What was stored reads back: evidence, state, error.
    let mut seen = Vec::new();
    store
        .for_each_site(c.id, |s| {
            seen.push((
                s.url.clone(),
                s.state,
                s.error.clone(),
                s.parse_evidence()?.is_some(),
            ));
            Ok(())
        })
        .unwrap();
    assert_eq!(seen[0].1, SiteState::Done);
    assert!(seen[0].3);
    assert_eq!(seen[1].1, SiteState::Failed);
    assert!(
        seen[1].2.as_deref().unwrap_or("").contains("refused"),
        "{:?}",
        seen[1]
    );
    assert_eq!(seen[2].1, SiteState::Pending);
    assert!(!seen[2].3);
    // Findings were written with the site.
    let n: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM findings WHERE url = ?1",
            params![urls[0]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n as usize, ok.findings.len());
}

#[test]
fn campaign_choice_and_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite");
    let targets = Targets::parse("a.test\n");
    let mut store = Store::open(&path).unwrap();
    store.begin(&new_campaign("2025"), &targets.sites).unwrap();
    assert_eq!(store.campaign(None).unwrap().name, "2025");
    store.begin(&new_campaign("2026"), &targets.sites).unwrap();
    let err = store.campaign(None).unwrap_err().to_string();
    assert!(err.contains("several campaigns (2025, 2026)"), "{err}");
    let err = store.campaign(Some("1999")).unwrap_err().to_string();
    assert!(err.contains("no campaign named `1999`"), "{err}");

    let junk = dir.path().join("junk.sqlite");
    std::fs::write(
        &junk,
        b"this is not a database, just text that is long enough",
    )
    .unwrap();
    let err = format!("{:#}", Store::open(&junk).err().unwrap());
    assert!(err.contains("is not a barometer database"), "{err}");

    let other = dir.path().join("other.sqlite");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let err = format!("{:#}", Store::open(&other).err().unwrap());
    assert!(err.contains("not a barometer one"), "{err}");

    let newer = dir.path().join("newer.sqlite");
    drop(Store::open(&newer).unwrap());
    Connection::open(&newer)
        .unwrap()
        .execute(
            "UPDATE meta SET value = '99' WHERE key = 'store_version'",
            [],
        )
        .unwrap();
    let err = format!("{:#}", Store::open(&newer).err().unwrap());
    assert!(err.contains("newer barometer"), "{err}");

    let err = format!(
        "{:#}",
        Store::open_existing(&dir.path().join("missing.sqlite"))
            .err()
            .unwrap()
    );
    assert!(err.contains("no campaign database at"), "{err}");
}

#[test]
fn merge_keeps_the_best_result_of_each_site() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, bad) = audits();
    let targets = Targets::parse("a.test\nb.test\nc.test\n");
    let urls: Vec<String> = targets.sites.iter().map(|s| s.url.to_string()).collect();
    // Shard 1 audited a (done) and b (failed); shard 2 audited b (done).
    let one = dir.path().join("1.sqlite");
    let two = dir.path().join("2.sqlite");
    {
        let mut s = Store::open(&one).unwrap();
        let c = s.begin(&new_campaign("top"), &targets.sites[..2]).unwrap();
        s.save(c.id, &urls[0], &ok, Utc::now(), 1).unwrap();
        s.save(c.id, &urls[1], &bad, Utc::now(), 1).unwrap();
        s.end(c.id).unwrap();
    }
    {
        let mut s = Store::open(&two).unwrap();
        let c = s.begin(&new_campaign("top"), &targets.sites[1..]).unwrap();
        s.save(c.id, &urls[1], &ok, Utc::now(), 1).unwrap();
    }
    let all = dir.path().join("all.sqlite");
    let summary = merge::merge(&[one.clone(), two.clone()], &all).unwrap();
    assert_eq!(summary.campaigns, vec!["top".to_string()]);
    assert_eq!(summary.sites_written, 4); // a, b (failed), then b (done), c
    let store = Store::open_existing(&all).unwrap();
    let c = store.campaign(None).unwrap();
    assert_eq!(
        store.counts(c.id).unwrap(),
        Counts {
            pending: 1,
            done: 2,
            failed: 0
        }
    );
    // Shard 2 never ended: neither has the merged campaign.
    assert!(c.ended_at.is_none());
    // Merging again changes nothing.
    drop(store);
    let again = merge::merge(&[one, two], &all).unwrap();
    assert_eq!(again.sites_written, 0);
    assert_eq!(again.sites_kept, 4);
    // An input that is not a store is refused before anything is written.
    let junk = dir.path().join("junk.sqlite");
    std::fs::write(&junk, b"not a database at all, not even close to one").unwrap();
    let err = format!("{:#}", merge::merge(&[junk], &all).unwrap_err());
    assert!(err.contains("junk.sqlite"), "{err}");
}

#[test]
fn two_processes_creating_one_store_at_once_both_succeed() {
    // Each round, two openers race on a new file: one creates the tables,
    // the other finds them (no "UNIQUE constraint failed: meta.key").
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("race-{round}.sqlite"));
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let openers: Vec<_> = (0..2)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&path).map(|_| ()).map_err(|e| format!("{e:#}"))
                })
            })
            .collect();
        for o in openers {
            assert_eq!(o.join().unwrap(), Ok(()), "round {round}");
        }
    }
}

#[test]
fn a_read_only_open_reads_and_never_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.sqlite");
    let (ok, _) = audits();
    let targets = Targets::parse("a.test\n");
    {
        let mut store = Store::open(&path).unwrap();
        let c = store.begin(&new_campaign("top"), &targets.sites).unwrap();
        store
            .save(c.id, targets.sites[0].url.as_str(), &ok, Utc::now(), 3)
            .unwrap();
    }
    let mut store = Store::open_read_only(&path).unwrap();
    let c = store.campaign(Some("top")).unwrap();
    assert_eq!(store.counts(c.id).unwrap().done, 1);
    let err = store
        .conn()
        .execute("DELETE FROM sites", [])
        .unwrap_err()
        .to_string();
    assert!(err.contains("readonly"), "{err}");
    // A file that is not a store, or no file, is refused as before.
    let err = format!(
        "{:#}",
        Store::open_read_only(&dir.path().join("missing.sqlite"))
            .err()
            .unwrap()
    );
    assert!(err.contains("no campaign database"), "{err}");
}
