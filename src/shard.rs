//! Splitting one folder's documents between independent runs (`--shard K/N`), as scheduler
//! array jobs run them: every run walks the same folder and keeps the documents whose content
//! hash falls in its shard, so the shards are disjoint and together hold every document,
//! whatever order the walk finds them in and whichever machine runs which index.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Shard `index` of `count` (1-based, as written on the command line: `2/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// Which shard, 1..=count.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl Shard {
    /// Shard `index` of `count`; `None` unless 1 <= index <= count.
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (index >= 1 && index <= count).then_some(Shard { index, count })
    }

    /// Does a document belong here? `key` is the hex SHA-256 of its bytes (or, for a file that
    /// cannot be read, of its path: see [`path_key`]).
    pub fn holds(&self, key: &str) -> bool {
        shard_of(key, self.count) == self.index
    }

    /// The shard a scheduler's array task is: `SLURM_ARRAY_TASK_ID` (counted from
    /// `SLURM_ARRAY_TASK_MIN`, so `--array=0-7` and `--array=1-8` both work) or Kubernetes'
    /// `JOB_COMPLETION_INDEX` (0-based), looked up with `var`.
    pub fn from_scheduler(
        count: u32,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Shard, String> {
        let number = |name: &str| -> Result<Option<i64>, String> {
            match var(name) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| format!("{name}={v:?} is not a number")),
            }
        };
        let (index, from) = if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
            let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(id.min(1));
            (id - min + 1, "SLURM_ARRAY_TASK_ID")
        } else if let Some(i) = number("JOB_COMPLETION_INDEX")? {
            (i + 1, "JOB_COMPLETION_INDEX")
        } else {
            return Err(
                "--shard auto/N needs SLURM_ARRAY_TASK_ID (a Slurm array job) or \
                        JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) in the environment"
                    .into(),
            );
        };
        u32::try_from(index)
            .ok()
            .and_then(|i| Shard::new(i, count))
            .ok_or_else(|| {
                format!(
                    "{from} makes this shard {index} of {count}: the array must have exactly \
                     {count} tasks (e.g. --array=1-{count}, or completions: {count})"
                )
            })
    }
}

/// The shard (1..=count) of a document with hash `key`: the first 64 bits of the hash, modulo
/// the count. Hashes are uniform, so shards get about equal numbers of documents.
pub fn shard_of(key: &str, count: u32) -> u32 {
    let prefix = key.get(..16).unwrap_or(key);
    let n = u64::from_str_radix(prefix, 16).unwrap_or_else(|_| {
        // Not a hex hash: fall back to hashing the text itself.
        u64::from_str_radix(&crate::digest::sha256_hex(key.as_bytes())[..16], 16).unwrap_or(0)
    });
    (n % u64::from(count.max(1))) as u32 + 1
}

/// The key of a file that cannot be read (too large, unreadable): its path relative to the
/// input folder, hashed, so every shard run still agrees on where it belongs.
pub fn path_key(rel: &str) -> String {
    crate::digest::sha256_hex(format!("path:{rel}").as_bytes())
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// `K/N` on the command line, or `auto/N` (see [`Shard::from_scheduler`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardSpec {
    /// A given shard.
    Fixed(Shard),
    /// The shard the scheduler's array index names, of this many.
    Auto(u32),
}

impl ShardSpec {
    /// The shard this spec names in this process's environment.
    pub fn resolve(self) -> Result<Shard, String> {
        match self {
            ShardSpec::Fixed(s) => Ok(s),
            ShardSpec::Auto(n) => Shard::from_scheduler(n, |k| std::env::var(k).ok()),
        }
    }
}

impl FromStr for ShardSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{s:?}: expected K/N with 1 <= K <= N (e.g. 2/8), or auto/N");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        if n == 0 {
            return Err(bad());
        }
        if k.trim() == "auto" {
            return Ok(ShardSpec::Auto(n));
        }
        let k: u32 = k.trim().parse().map_err(|_| bad())?;
        Shard::new(k, n).map(ShardSpec::Fixed).ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_bad_ones_say_what_is_expected() {
        assert_eq!(
            "2/8".parse::<ShardSpec>(),
            Ok(ShardSpec::Fixed(Shard { index: 2, count: 8 }))
        );
        assert_eq!("auto/4".parse::<ShardSpec>(), Ok(ShardSpec::Auto(4)));
        for bad in ["0/3", "4/3", "1/0", "x/3", "3", "auto/0"] {
            let e = bad.parse::<ShardSpec>().unwrap_err();
            assert!(e.contains("K/N"), "{bad}: {e}");
        }
    }

    #[test]
    fn shards_partition_documents_evenly() {
        let keys: Vec<String> = (0..3000)
            .map(|i| crate::digest::sha256_hex(format!("doc {i}").as_bytes()))
            .collect();
        let mut sizes = [0usize; 3];
        for k in &keys {
            let holders: Vec<u32> = (1..=3)
                .filter(|&i| Shard::new(i, 3).unwrap().holds(k))
                .collect();
            assert_eq!(holders.len(), 1, "exactly one shard holds each document");
            sizes[holders[0] as usize - 1] += 1;
        }
        assert!(sizes.iter().all(|&n| (900..1100).contains(&n)), "{sizes:?}");
        assert_eq!(shard_of(&keys[0], 1), 1);
        assert_eq!(shard_of("not hex", 5), shard_of("not hex", 5));
    }

    #[test]
    fn scheduler_indices_become_shards() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let s = |i| Shard { index: i, count: 4 };
        assert_eq!(
            Shard::from_scheduler(4, env(&[("SLURM_ARRAY_TASK_ID", "3")])),
            Ok(s(3))
        );
        assert_eq!(
            Shard::from_scheduler(
                4,
                env(&[("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_MIN", "0")])
            ),
            Ok(s(1))
        );
        assert_eq!(
            Shard::from_scheduler(4, env(&[("JOB_COMPLETION_INDEX", "3")])),
            Ok(s(4))
        );
        let e = Shard::from_scheduler(4, env(&[("JOB_COMPLETION_INDEX", "4")])).unwrap_err();
        assert!(e.contains("exactly 4 tasks"), "{e}");
        let e = Shard::from_scheduler(4, env(&[])).unwrap_err();
        assert!(e.contains("SLURM_ARRAY_TASK_ID"), "{e}");
    }
}
