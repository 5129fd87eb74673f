//! `--shard K/N`: a deterministic share of a sites list.
//!
//! N machines given the same list each run one shard, 1/N to N/N, and
//! together audit every site exactly once. A site's shard depends only on
//! its URL, so it does not move when the list is reordered or grows.

use std::fmt;
use std::str::FromStr;

use url::Url;

/// The share `index` of `count` (both 1-based, `K/N` as the user writes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// K, from 1 to `count`.
    pub index: u32,
    /// N, at least 1.
    pub count: u32,
}

/// Why a `K/N` shard argument was refused; one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ShardError(String);

impl Shard {
    /// The whole list: 1/1.
    pub fn all() -> Shard {
        Shard { index: 1, count: 1 }
    }

    /// Whether the site at `url` belongs to this shard.
    ///
    /// The hash must give the same answer on every machine of a campaign,
    /// whatever its platform and whichever Rust release built it, or shards
    /// would overlap and leave gaps. `std::hash::DefaultHasher` promises no
    /// such thing (its algorithm may change between releases, and
    /// `RandomState` is seeded per process), so the hash is FNV-1a 64,
    /// written out below and fixed by its published test vectors.
    pub fn contains(&self, url: &Url) -> bool {
        let count = u64::from(self.count.max(1));
        // FNV-1a's low bits are its weakest; fold the high half in before
        // taking the remainder (a power-of-two N would use only low bits).
        let h = fnv1a64(url.as_str().as_bytes());
        (h ^ (h >> 32)) % count == u64::from(self.index.saturating_sub(1))
    }
}

impl Default for Shard {
    fn default() -> Self {
        Shard::all()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let expected = || ShardError(format!("shard {s:?}: K/N expected, e.g. 2/5"));
        let (k, n) = s.split_once('/').ok_or_else(expected)?;
        let index: u32 = k.trim().parse().map_err(|_| expected())?;
        let count: u32 = n.trim().parse().map_err(|_| expected())?;
        if count == 0 {
            return Err(ShardError(format!(
                "shard {index}/{count}: N must be at least 1"
            )));
        }
        if index == 0 || index > count {
            return Err(ShardError(format!(
                "shard {index}/{count}: K must be between 1 and N"
            )));
        }
        Ok(Shard { index, count })
    }
}

const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a, 64 bits (Fowler, Noll, Vo): for each byte, xor it in, then
/// multiply by the FNV prime, wrapping.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV_OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        s.parse::<Shard>().unwrap_err().to_string()
    }

    #[test]
    fn parses_and_displays() {
        let shard: Shard = "2/5".parse().unwrap();
        assert_eq!(shard, Shard { index: 2, count: 5 });
        assert_eq!(shard.to_string(), "2/5");
        assert_eq!(" 1 / 1 ".parse::<Shard>().unwrap(), Shard::all());
        assert_eq!(Shard::all().to_string(), "1/1");
        assert_eq!(Shard::default(), Shard::all());
    }

    #[test]
    fn parse_errors_are_one_line() {
        assert_eq!(err("6/5"), "shard 6/5: K must be between 1 and N");
        assert_eq!(err("0/5"), "shard 0/5: K must be between 1 and N");
        assert_eq!(err("1/0"), "shard 1/0: N must be at least 1");
        assert_eq!(err("0/0"), "shard 0/0: N must be at least 1");
        for bad in ["", "2", "2/", "/5", "a/b", "2/5/7", "-1/5", "1.5/3", "2-5"] {
            let message = err(bad);
            assert!(message.contains("K/N expected"), "{bad:?}: {message}");
            assert!(!message.contains('\n'));
        }
    }

    #[test]
    fn fnv1a64_known_values() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn shard_of_a_url_is_pinned() {
        // Computed independently; a change here moves sites between
        // machines of a running campaign.
        let url = Url::parse("https://example.fr/").unwrap();
        assert_eq!(fnv1a64(url.as_str().as_bytes()), 0x9cf36857a1ea3397);
        // h ^ (h >> 32) = 0x9cf368573d195bc0, mod 7 = 4: shard 5/7.
        let n = 7;
        let k = 5;
        for index in 1..=n as u32 {
            let shard = Shard {
                index,
                count: n as u32,
            };
            assert_eq!(shard.contains(&url), index == k);
        }
        assert!(Shard::all().contains(&url));
    }

    fn urls() -> Vec<Url> {
        (0..1000)
            .map(|i| Url::parse(&format!("https://site{i}.example/")).unwrap())
            .collect()
    }

    #[test]
    fn shards_partition_the_list() {
        let urls = urls();
        for count in 1..=9 {
            let shards: Vec<Shard> = (1..=count).map(|index| Shard { index, count }).collect();
            for url in &urls {
                let owners = shards.iter().filter(|s| s.contains(url)).count();
                assert_eq!(owners, 1, "{url} in {owners} of {count} shards");
            }
        }
    }

    #[test]
    fn shards_are_balanced() {
        let urls = urls();
        let count = 4;
        let expected = urls.len() as f64 / f64::from(count);
        for index in 1..=count {
            let shard = Shard { index, count };
            let size = urls.iter().filter(|u| shard.contains(u)).count() as f64;
            assert!(
                (size - expected).abs() <= 0.3 * expected,
                "shard {shard} has {size} sites, expected about {expected}"
            );
        }
    }
}
