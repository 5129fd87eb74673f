//! Benchmarks of the pipeline on the local test web (`tests/web`).
//!
//! - `rules/evaluate`: the full catalogue over one site's facts (target:
//!   under 100 µs, so 10,000 sites re-score in about a second);
//! - `analyse/facts`: evidence to facts;
//! - `audit/http_3_pages`: an in-process http audit of a 3-page site with
//!   10 subresources on its home page (engine, analysis, rules, score).
//!
//! Run with `cargo bench --bench pipeline`. Whole-command timings (process
//! start included) come from `scripts/bench`.

use std::path::PathBuf;
use std::time::Duration;

use barometer::audit::{AuditConfig, Auditor};
use barometer::crawl::{CrawlOptions, EngineChoice};
use barometer::net::ResolveRule;
use barometer::testweb::{Server, Web};
use criterion::{criterion_group, criterion_main, Criterion};

fn pipeline(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let web = Web::from_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/web")).unwrap();
    let server = rt.block_on(Server::start(web, 0)).unwrap();
    let config = AuditConfig {
        engine: EngineChoice::Http,
        crawl: CrawlOptions {
            resolve: vec![ResolveRule::parse("*:127.0.0.1").unwrap()],
            insecure: true,
            timeout: Duration::from_secs(10),
            ..CrawlOptions::default()
        },
        judge: Default::default(),
    };
    let auditor = Auditor::new(config, &mut |_| {}).unwrap();
    let url = url::Url::parse(&server.url("www.bench.test")).unwrap();
    let report = rt.block_on(auditor.audit(&url));
    assert!(report.audited);
    // 3 pages and the policy page; 10 subresources on the home page, 2 on each other page.
    assert_eq!(report.evidence.visits[0].requests.len(), 4 + 10 + 2 * 2);

    c.bench_function("rules/evaluate", |b| {
        b.iter(|| auditor.judge.rules.evaluate(&report.facts))
    });
    c.bench_function("analyse/facts", |b| {
        b.iter(|| auditor.judge.analyser.facts(&report.evidence))
    });
    c.bench_function("audit/http_3_pages", |b| {
        b.iter(|| rt.block_on(auditor.audit(&url)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(5));
    targets = pipeline
}
criterion_main!(benches);
