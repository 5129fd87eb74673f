//! `barometer demo`: audit the built-in sample web; `barometer serve`.

use std::path::Path;
use std::process::ExitCode;

use super::scan::{print_warnings, write_report};
use super::{fail, warn, DemoArgs, EXIT_OK, EXIT_USAGE};
use crate::audit::{AuditConfig, Auditor};
use crate::crawl::CrawlOptions;
use crate::net::ResolveRule;
use crate::report::render::Format;
use crate::testweb::{Server, Web};
use crate::verdict::Report;

pub fn run(args: DemoArgs) -> ExitCode {
    let runtime = match super::runtime() {
        Ok(r) => r,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let result = runtime.block_on(async {
        let web = Web::from_embedded(&crate::demo::WEB)?;
        let server = Server::start(web, 0).await?;
        eprintln!(
            "sample web on https://127.0.0.1:{} ({} sites)",
            server.port(),
            crate::demo::SITES.len()
        );
        let crawl = CrawlOptions {
            resolve: vec![ResolveRule::parse("*:127.0.0.1")?],
            insecure: true,
            ..CrawlOptions::default()
        };
        let config = AuditConfig {
            engine: args.engine,
            crawl,
            judge: Default::default(),
        };
        let auditor = Auditor::new(config, &mut |w| warn(&w))?;
        tokio::spawn(super::scan::end_browsers_on_interrupt(
            auditor.engine.clone(),
        ));
        let mut sites = Vec::new();
        for host in crate::demo::SITES {
            let url = url::Url::parse(&server.url(host))?;
            eprintln!("auditing {url}");
            let site = auditor.audit(&url).await;
            print_warnings(&site, true);
            sites.push(site);
        }
        anyhow::Ok(Report::new(sites, auditor.judge.rules_version()))
    });
    let report = match result {
        Ok(r) => r,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    super::warn_rule_errors(&report.rule_errors);
    if let Err(e) = write_report(&report, Format::Html, Some(&args.output), None) {
        return fail(EXIT_USAGE, &e);
    }
    if let Err(e) = write_report(&report, Format::Text, None, None) {
        return fail(EXIT_USAGE, &e);
    }
    eprintln!(
        "open {} in a browser for the full report",
        args.output.display()
    );
    ExitCode::from(EXIT_OK)
}

pub fn serve(dir: &Path, port: u16) -> ExitCode {
    let runtime = match super::runtime() {
        Ok(r) => r,
        Err(e) => return fail(EXIT_USAGE, &e),
    };
    let result: anyhow::Result<()> = runtime.block_on(async {
        // A built site has its pages at the top; a test web has one
        // folder per host name and no page of its own.
        let site_folder = ["index.html", "index.htm"]
            .iter()
            .any(|f| dir.join(f).is_file());
        let web = if site_folder {
            Web::from_site_dir(crate::local::LOCAL_HOST, dir)?
        } else {
            Web::from_dir(dir)?
        };
        let hosts = web.hosts();
        let server = Server::start(web, port).await?;
        eprintln!(
            "serving {} hosts on https://127.0.0.1:{}; Ctrl-C to stop",
            hosts.len(),
            server.port()
        );
        for h in hosts {
            eprintln!("  {}", server.url(&h));
        }
        eprintln!(
            "every host and port through its proxy: chromium --proxy-server=http://{} --proxy-bypass-list='<-loopback>' --ignore-certificate-errors",
            server.proxy
        );
        tokio::signal::ctrl_c().await?;
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(e) => fail(EXIT_USAGE, &e),
    }
}
