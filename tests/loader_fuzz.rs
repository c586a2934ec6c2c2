//! Files are hostile: the loaders must turn any bytes into rows or a clear error,
//! never a panic. Property tests with arbitrary bytes and JSON-ish noise, plus the
//! classic cases (BOM, CRLF, NUL, truncated last line, deep nesting, NaN, numbers
//! as strings, duplicate keys, an id that is an object, very many tags).

use std::path::Path;

use benchgate::error::Error;
use benchgate::load::{load_bytes, FieldMap};
use proptest::prelude::*;

fn load(name: &str, bytes: &[u8]) -> Result<usize, Error> {
    load_bytes(Path::new(name), bytes.to_vec(), &FieldMap::default()).map(|d| d.rows.len())
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{\"id\": \"a\", \"prediction\": \"x\"}".to_string()),
        Just(
            "{\"id\": 1, \"prediction\": \"y\", \"reference\": [\"a\", \"b\"], \"score\": 0.5}"
                .to_string()
        ),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just("\"".to_string()),
        Just("NaN".to_string()),
        Just("\u{feff}".to_string()),
        Just("id,prediction,reference\n".to_string()),
        Just("a,\"b\nc\",d\n".to_string()),
        "[a-z0-9{}\\[\\]:,\" \n]{0,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        for name in ["r.jsonl", "r.json", "r.csv", "r.tsv", "r.jsonl.gz"] {
            let _ = load(name, &bytes);
        }
    }

    #[test]
    fn json_and_csv_noise_never_panics(parts in proptest::collection::vec(fragment(), 0..30)) {
        let text = parts.concat();
        for name in ["r.jsonl", "r.json", "r.csv", "r.tsv"] {
            let _ = load(name, text.as_bytes());
        }
    }
}

#[test]
fn classic_hostile_files() {
    let ok = |name: &str, bytes: &[u8], rows: usize| {
        assert_eq!(
            load(name, bytes).unwrap_or_else(|e| panic!("{name}: {e}")),
            rows,
            "{name}"
        );
    };
    let err = |name: &str, bytes: &[u8], needle: &str| {
        let e = load(name, bytes).expect_err(name).to_string();
        assert!(e.contains(needle), "{name}: {e}");
    };
    ok(
        "bom.jsonl",
        b"\xef\xbb\xbf{\"id\": \"a\", \"prediction\": \"x\"}\n",
        1,
    );
    ok(
        "crlf.jsonl",
        b"{\"id\": \"a\", \"prediction\": \"x\"}\r\n{\"id\": \"b\", \"prediction\": \"y\"}\r\n",
        2,
    );
    ok("crlf.csv", b"id,prediction\r\na,x\r\nb,y\r\n", 2);
    ok(
        "truncated-newline.jsonl",
        b"{\"id\": \"a\", \"prediction\": \"x\"}",
        1,
    );
    err(
        "truncated.jsonl",
        b"{\"id\": \"a\", \"prediction\": \"x\"}\n{\"id\": \"b\", \"predi",
        ":2:",
    );
    ok(
        "nul.jsonl",
        b"{\"id\": \"a\", \"prediction\": \"x\\u0000y\"}\n",
        1,
    );
    err(
        "raw-nul.jsonl",
        b"{\"id\": \"a\", \"prediction\": \"x\0y\"}\n",
        ":1:",
    );
    err(
        "nan.jsonl",
        b"{\"id\": \"a\", \"prediction\": \"x\", \"s\": NaN}\n",
        "non-finite",
    );
    err(
        "inf.jsonl",
        b"{\"id\": \"a\", \"prediction\": \"x\", \"s\": Infinity}\n",
        "non-finite",
    );
    err(
        "object-id.jsonl",
        b"{\"id\": {\"x\": 1}, \"prediction\": \"x\"}\n",
        "an id must be a string or a number",
    );
    ok(
        "dup-keys.jsonl",
        b"{\"id\": \"a\", \"id\": \"b\", \"prediction\": \"x\"}\n",
        1,
    );
    ok(
        "numbers-as-strings.csv",
        b"id,prediction,score\n1,x,\"0.5\"\n",
        1,
    );
    let deep = format!(
        "{{\"id\": \"a\", \"prediction\": \"x\", \"deep\": {}{}}}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    err("deep.jsonl", deep.as_bytes(), "recursion limit");
    err("invalid-utf8.csv", b"id,prediction\na,\xff\xfe\n", "UTF-8");
    // A million tags on one row: loads (bounded by the file's size), no blow-up.
    let mut many = String::from("{\"id\": \"a\", \"prediction\": \"x\"");
    for i in 0..1_000_000 {
        many.push_str(&format!(", \"t{i}\": \"v\""));
    }
    many.push_str("}\n");
    ok("many-tags.jsonl", many.as_bytes(), 1);
    // A 100 MB single line.
    let huge = format!(
        "{{\"id\": \"a\", \"prediction\": \"{}\"}}\n",
        "w ".repeat(50_000_000)
    );
    ok("huge-line.jsonl", huge.as_bytes(), 1);
}
