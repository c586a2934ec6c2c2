//! The floor under loading JSON Lines on this machine: how fast the leanest
//! loader could go, for `bench/scale.py` to print beside `wc -l` and benchgate.
//!
//! It reads each file (one thread per file, both at once) through one reused
//! 1 MiB buffer, checks every line is UTF-8 without control characters, finds
//! each flat object's keys and values with `memchr`, and keeps only what
//! aligning needs: the ids in one byte arena, the numbers, and an XXH3 digest
//! of each line's `input` and `reference`. No row, no retained text, no
//! allocation per line; lines it cannot read this way are only counted. Then
//! it pairs the two sides by id (both are in id order) and compares digests.
//!
//! ```text
//! cargo run --release --manifest-path bench/floor/Cargo.toml -- baseline.jsonl current.jsonl
//! ```
//!
//! It prints one JSON object: seconds for load and for align, rows per side,
//! lines it skipped, and pairs.

use std::cmp::Ordering;
use std::io::Read;
use std::time::Instant;

/// What a side keeps: columns, not rows.
#[derive(Default)]
struct Columns {
    ids: Vec<u8>,
    id_ends: Vec<usize>,
    numbers: Vec<f64>,
    digests: Vec<u128>,
    skipped: usize,
}

impl Columns {
    fn id(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.id_ends[i - 1] };
        &self.ids[start..self.id_ends[i]]
    }
}

fn has_control(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let found = words.by_ref().any(|w| {
        let w = u64::from_le_bytes(w.try_into().unwrap_or_default());
        w.wrapping_sub(0x2020_2020_2020_2020) & !w & 0x8080_8080_8080_8080 != 0
    });
    found || words.remainder().iter().any(|&b| b < 0x20)
}

/// The end of the string whose opening quote is at `at`, if it has no escapes.
fn string_end(line: &[u8], at: usize) -> Option<usize> {
    let end = at + 1 + memchr::memchr2(b'"', b'\\', &line[at + 1..])?;
    (line[end] == b'"').then_some(end)
}

fn spaces(line: &[u8], mut i: usize) -> usize {
    while line.get(i) == Some(&b' ') {
        i += 1;
    }
    i
}

/// Reads one flat-object line into the columns; `None` when it is not one.
fn line(line: &[u8], out: &mut Columns) -> Option<()> {
    if has_control(line) {
        return None;
    }
    let mut i = spaces(line, 0);
    (line.get(i) == Some(&b'{')).then_some(())?;
    let mut digest = xxhash_rust::xxh3::Xxh3Default::new();
    let mut id = None;
    loop {
        i = spaces(line, i + 1);
        (line.get(i) == Some(&b'"')).then_some(())?;
        let key_end = string_end(line, i)?;
        let key = &line[i + 1..key_end];
        i = spaces(line, key_end + 1);
        (line.get(i) == Some(&b':')).then_some(())?;
        i = spaces(line, i + 1);
        match line.get(i)? {
            b'"' => {
                let end = string_end(line, i)?;
                let value = &line[i + 1..end];
                match key {
                    b"id" => id = Some(value),
                    b"input" | b"reference" => {
                        digest.update(value);
                        digest.update(&[0x1f]);
                    }
                    _ => {}
                }
                i = end + 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while line
                    .get(i)
                    .is_some_and(|b| matches!(b, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
                {
                    i += 1;
                }
                let text = std::str::from_utf8(&line[start..i]).ok()?;
                out.numbers.push(text.parse().ok()?);
            }
            _ => return None,
        }
        i = spaces(line, i);
        match line.get(i)? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    (spaces(line, i + 1) == line.len()).then_some(())?;
    out.ids.extend_from_slice(id?);
    out.id_ends.push(out.ids.len());
    out.digests.push(digest.digest128());
    Some(())
}

fn load(path: &str) -> std::io::Result<Columns> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut filled = 0;
    let mut out = Columns::default();
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let got = file.read(&mut buf[filled..])?;
        let whole = if got == 0 {
            filled
        } else {
            filled += got;
            match memchr::memrchr(b'\n', &buf[..filled]) {
                Some(i) => i + 1,
                None => continue,
            }
        };
        let text = std::str::from_utf8(&buf[..whole])
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        let text = text.as_bytes();
        let mut start = 0;
        for end in
            memchr::memchr_iter(b'\n', text).chain((start < text.len()).then_some(text.len()))
        {
            let raw = &text[start..end];
            if !raw.is_empty() && line(raw, &mut out).is_none() {
                out.skipped += 1;
            }
            start = end + 1;
        }
        if got == 0 {
            return Ok(out);
        }
        buf.copy_within(whole..filled, 0);
        filled -= whole;
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [baseline, current] = args.as_slice() else {
        eprintln!("usage: jsonl-floor BASELINE.jsonl CURRENT.jsonl");
        std::process::exit(2);
    };
    let clock = Instant::now();
    let (base, cur) = rayon::join(|| load(baseline), || load(current));
    let (base, cur) = (base?, cur?);
    let load_s = clock.elapsed().as_secs_f64();
    let clock = Instant::now();
    let (mut b, mut c, mut pairs, mut edited) = (0, 0, 0, 0);
    while b < base.id_ends.len() && c < cur.id_ends.len() {
        match base.id(b).cmp(cur.id(c)) {
            Ordering::Less => b += 1,
            Ordering::Greater => c += 1,
            Ordering::Equal => {
                if base.digests[b] == cur.digests[c] {
                    pairs += 1;
                } else {
                    edited += 1;
                }
                b += 1;
                c += 1;
            }
        }
    }
    let align_s = clock.elapsed().as_secs_f64();
    println!(
        "{{\"load_s\": {load_s:.4}, \"align_s\": {align_s:.4}, \"rows\": [{}, {}], \"skipped\": [{}, {}], \"pairs\": {pairs}, \"edited\": {edited}, \"numbers\": {}}}",
        base.id_ends.len(),
        cur.id_ends.len(),
        base.skipped,
        cur.skipped,
        base.numbers.len() + cur.numbers.len(),
    );
    Ok(())
}
