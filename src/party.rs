//! First or third party: the registrable domain (eTLD+1) decides.
//!
//! `www.example.co.uk` and `cdn.example.co.uk` are one party; `example.com`
//! and `example-cdn.com` are two. Public suffixes come from the `psl` crate's
//! built-in list. Hosts without a known suffix (`site-a.test`, IP
//! addresses, `localhost`) are treated as their own registrable domain.

use crate::evidence::Party;

/// The registrable domain of `host`, lower case.
pub fn registrable_domain(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return host;
    }
    psl::domain_str(&host).map(str::to_string).unwrap_or(host)
}

/// Is `host` first or third party to the site whose registrable domain is `site`?
pub fn party(host: &str, site: &str) -> Party {
    if registrable_domain(host) == site {
        Party::First
    } else {
        Party::Third
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(registrable_domain("www.example.co.uk"), "example.co.uk");
        assert_eq!(registrable_domain("WWW.Site-A.test."), "site-a.test");
        assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
        assert_eq!(party("stats.lemonde.fr", "lemonde.fr"), Party::First);
        assert_eq!(
            party("www.google-analytics.com", "lemonde.fr"),
            Party::Third
        );
    }
}
