//! Times one PBKDF2-HMAC-SHA256 hash (600,000 iterations, 32-byte output) three ways on this
//! machine, and prints a table:
//!
//! 1. the service's own code path, `PasswordHasher::hash`;
//! 2. OpenSSL, through Python's `hashlib.pbkdf2_hmac`;
//! 3. the serial limit: PBKDF2 written directly on `sha2`'s SHA-256 compression function, so that
//!    its time is that of the chain of compressions and nothing else.
//!
//! The three run in turn in every round, so that a build running beside them slows each about
//! equally. All three hash the same password and salt, and the table reports whether their outputs
//! agree.
//!
//! Run it with `cargo bench -p service --bench pbkdf2`.

use std::error::Error;
use std::fs;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use service::password::{OUTPUT_BYTES, Password, PasswordHasher};
use sha2::block_api::compress256;

/// The iteration count of the service's current policy.
const ITERATIONS: u32 = 600_000;
/// Timed runs of each measurement; odd, so that the median is one of them.
const RUNS: usize = 5;
/// Untimed runs of each measurement before the timed ones.
const WARM_UP_RUNS: usize = 1;
/// The password that every measurement hashes. It is at most 64 bytes long, so HMAC uses it as
/// its key directly.
const PASSWORD: &str = "correct horse battery staple";

type BenchResult<T> = Result<T, Box<dyn Error>>;

/// The initial SHA-256 state, the same words as `H256_256` in sha2's `consts.rs`.
const SHA256_INITIAL_STATE: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

fn main() -> BenchResult<()> {
    let hasher = PasswordHasher::new(ITERATIONS)?;
    let password = Password::normalize(PASSWORD);
    // The salt is random, so the first hash supplies the salt for the other two measurements.
    let (salt, expected) = salt_and_output(&hasher.hash(&password)?)?;

    let mut python = Python::start(&salt)?;
    let mut ours = Vec::with_capacity(RUNS);
    let mut openssl = Vec::with_capacity(RUNS);
    let mut serial = Vec::with_capacity(RUNS);
    let mut outputs_agree = true;

    for round in 0..WARM_UP_RUNS + RUNS {
        let start = Instant::now();
        black_box(hasher.hash(black_box(&password))?);
        let ours_time = start.elapsed();

        let (openssl_time, openssl_output) = python.run()?;

        let start = Instant::now();
        let serial_output = pbkdf2_from_compressions(black_box(PASSWORD.as_bytes()), &salt)?;
        let serial_time = start.elapsed();

        outputs_agree &= openssl_output == expected && serial_output[..] == expected[..];
        if round >= WARM_UP_RUNS {
            ours.push(ours_time);
            openssl.push(openssl_time);
            serial.push(serial_time);
        }
    }
    let python_info = python.finish()?;

    let (cpu_model, sha_ni) = cpu_info();
    println!(
        "PBKDF2-HMAC-SHA256, {ITERATIONS} iterations, {OUTPUT_BYTES}-byte output, {RUNS} runs \
         after {WARM_UP_RUNS} warm-up"
    );
    println!("CPU:            {cpu_model}");
    println!(
        "SHA extensions: {}",
        if sha_ni {
            "yes (sha_ni in /proc/cpuinfo)"
        } else {
            "no (no sha_ni in /proc/cpuinfo)"
        }
    );
    println!("load average:   {}", load_average());
    println!("Python:         {}", python_info.program.display());
    println!("OpenSSL:        {}", python_info.openssl_version);
    println!("pbkdf2_hmac:    {}", python_info.backing);
    println!(
        "outputs agree:  {}",
        if outputs_agree { "yes" } else { "NO" }
    );
    println!();
    println!(
        "{:<40} {:>10} {:>10} {:>10}",
        "measurement", "median", "min", "max"
    );
    let compressions = 2 * u64::from(ITERATIONS) + 2;
    let rows = [
        ("ours (service PasswordHasher::hash)", &ours),
        ("OpenSSL (Python hashlib.pbkdf2_hmac)", &openssl),
        (
            &*format!("serial limit ({compressions} compressions)"),
            &serial,
        ),
    ];
    for (name, times) in rows {
        let (median, min, max) = summary(times);
        println!(
            "{name:<40} {:>10} {:>10} {:>10}",
            milliseconds(median),
            milliseconds(min),
            milliseconds(max)
        );
    }
    println!();
    let ours_median = summary(&ours).0.as_secs_f64();
    println!(
        "ours / OpenSSL:      {:.3}",
        ours_median / summary(&openssl).0.as_secs_f64()
    );
    println!(
        "ours / serial limit: {:.3}",
        ours_median / summary(&serial).0.as_secs_f64()
    );
    Ok(())
}

/// Splits a PHC string such as `$pbkdf2-sha256$i=600000,l=32$<salt>$<hash>` into the salt and the
/// hash, both decoded from base64 without padding, which is how the pbkdf2 crate writes them.
fn salt_and_output(phc: &str) -> BenchResult<(Vec<u8>, Vec<u8>)> {
    let fields: Vec<&str> = phc.split('$').collect();
    let [_, _, _, salt, output] = fields[..] else {
        return Err(format!("unexpected PHC string {phc}").into());
    };
    Ok((
        STANDARD_NO_PAD.decode(salt)?,
        STANDARD_NO_PAD.decode(output)?,
    ))
}

/// Computes PBKDF2-HMAC-SHA256 with one 32-byte output block from SHA-256 compressions alone.
///
/// The count of compressions, which is the least that PBKDF2 needs with this output length:
/// - key setup: 2. The password, at most 64 bytes, is zero-padded to one block. The HMAC inner
///   state is the compression of that block XOR 0x36 bytes, and the outer state is the
///   compression of it XOR 0x5c bytes. Both are computed once and copied for every HMAC after.
/// - each of the `ITERATIONS` HMACs: 2. Its message is the salt and block index in the first HMAC
///   and the previous 32-byte output after that. It fits in one block with its padding, so the
///   inner hash is one compression from the inner state. The outer hash is one compression of the
///   padded 32-byte inner digest from the outer state.
///
/// That makes 2 * 600,000 + 2 = 1,200,002 compressions. After the first HMAC, each inner
/// compression takes the previous output as its message and each outer one takes the inner
/// digest, so no compression can start before the one before it ends. The chain is serial, and
/// its time is the least that any PBKDF2 built on this compression function can take on one core.
/// The XOR that accumulates the output is not on that chain.
fn pbkdf2_from_compressions(password: &[u8], salt: &[u8]) -> BenchResult<[u8; 32]> {
    if password.len() > 64 {
        return Err("a password longer than 64 bytes needs hashing first".into());
    }
    // The first message, the salt and the big-endian block index 1, must leave room in its block
    // for the padding: the 0x80 byte and the 8-byte length.
    if salt.len() + 4 + 9 > 64 {
        return Err("the salt is too long for one block".into());
    }

    let mut inner_pad = [0x36u8; 64];
    let mut outer_pad = [0x5cu8; 64];
    for (index, byte) in password.iter().enumerate() {
        inner_pad[index] ^= byte;
        outer_pad[index] ^= byte;
    }
    let mut inner_state = SHA256_INITIAL_STATE;
    compress256(&mut inner_state, &[inner_pad]);
    let mut outer_state = SHA256_INITIAL_STATE;
    compress256(&mut outer_state, &[outer_pad]);

    let mut first = [0u8; 64];
    first[..salt.len()].copy_from_slice(salt);
    first[salt.len()..salt.len() + 4].copy_from_slice(&1u32.to_be_bytes());
    first[salt.len() + 4] = 0x80;
    let first_bits = (64 + salt.len() as u64 + 4) * 8;
    first[56..].copy_from_slice(&first_bits.to_be_bytes());

    let mut inner = inner_state;
    compress256(&mut inner, &[first]);
    let mut block = padded_digest_block();
    let mut output = outer_hash(outer_state, &inner, &mut block);
    let mut accumulated = output;

    for _ in 1..ITERATIONS {
        write_words(&mut block, &output);
        let mut inner = inner_state;
        compress256(&mut inner, &[block]);
        output = outer_hash(outer_state, &inner, &mut block);
        for (sum, word) in accumulated.iter_mut().zip(output) {
            *sum ^= word;
        }
    }

    let mut bytes = [0u8; 32];
    write_words(&mut bytes, &accumulated);
    Ok(bytes)
}

/// Finishes an HMAC: one compression of the 32-byte inner digest, already padded in `block`, from
/// the outer state.
fn outer_hash(mut outer_state: [u32; 8], inner: &[u32; 8], block: &mut [u8; 64]) -> [u32; 8] {
    write_words(block, inner);
    compress256(&mut outer_state, &[*block]);
    outer_state
}

/// Returns the padded block for a 32-byte message that follows a 64-byte key block. The message
/// goes in the first 32 bytes, then come the 0x80 byte, zeros, and the length of 96 bytes in bits.
fn padded_digest_block() -> [u8; 64] {
    let mut block = [0u8; 64];
    block[32] = 0x80;
    block[56..].copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
    block
}

/// Writes a SHA-256 state as its big-endian digest bytes at the start of `bytes`.
fn write_words(bytes: &mut [u8], words: &[u32; 8]) {
    for (chunk, word) in bytes.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
}

/// The Python program: it prints its OpenSSL version, then hashes and times one PBKDF2 for each
/// line it reads and prints the seconds taken and the base64 output. One process serves the
/// whole benchmark, so no timed run includes the interpreter's start.
const PYTHON_SCRIPT: &str = r#"
import base64, hashlib, ssl, sys, time
password = sys.argv[1].encode()
salt = base64.b64decode(sys.argv[2])
iterations = int(sys.argv[3])
length = int(sys.argv[4])
try:
    import _hashlib
    backing = ("OpenSSL-backed (hashlib.pbkdf2_hmac is _hashlib.pbkdf2_hmac)"
               if hashlib.pbkdf2_hmac is _hashlib.pbkdf2_hmac
               else "NOT OpenSSL-backed (not _hashlib's)")
except ImportError:
    backing = "NOT OpenSSL-backed (no _hashlib module)"
with open("/proc/self/maps") as maps:
    libraries = sorted({line.split()[-1] for line in maps if "libcrypto" in line})
backing += "; libcrypto loaded: " + (", ".join(libraries) or "none found (static?)")
print(ssl.OPENSSL_VERSION + "\t" + backing, flush=True)
for _ in sys.stdin:
    start = time.perf_counter()
    output = hashlib.pbkdf2_hmac("sha256", password, salt, iterations, length)
    seconds = time.perf_counter() - start
    print(repr(seconds) + "\t" + base64.b64encode(output).decode(), flush=True)
"#;

/// The Python interpreter used, and the OpenSSL facts that it printed.
struct PythonInfo {
    program: PathBuf,
    openssl_version: String,
    backing: String,
}

/// A running Python process that times `hashlib.pbkdf2_hmac` on request.
struct Python {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    program: PathBuf,
    openssl_version: String,
    backing: String,
}

impl Python {
    /// Starts the project's venv Python, or `python3` when there is no venv.
    fn start(salt: &[u8]) -> BenchResult<Python> {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or("the service crate has no parent folder")?;

        let venv_python = workspace.join(".venv/bin/python");
        let program = if venv_python.is_file() {
            venv_python
        } else {
            PathBuf::from("python3")
        };
        let mut child = Command::new(&program)
            .arg("-c")
            .arg(PYTHON_SCRIPT)
            .arg(PASSWORD)
            .arg(base64::engine::general_purpose::STANDARD.encode(salt))
            .arg(ITERATIONS.to_string())
            .arg(OUTPUT_BYTES.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| format!("failed to start {}: {error}", program.display()))?;

        let stdin = child.stdin.take().ok_or("no stdin for Python")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout for Python")?);
        let mut python = Python {
            child,
            stdin,
            stdout,
            program,
            openssl_version: String::new(),
            backing: String::new(),
        };

        let header = python.read_line()?;
        let (version, backing) = header
            .split_once('\t')
            .ok_or_else(|| format!("unexpected first line from Python: {header}"))?;
        python.openssl_version = version.to_owned();
        python.backing = backing.to_owned();
        Ok(python)
    }

    /// Requests one hash from Python, and returns the time it measured and the output.
    fn run(&mut self) -> BenchResult<(Duration, Vec<u8>)> {
        self.stdin.write_all(b"run\n")?;
        self.stdin.flush()?;
        let line = self.read_line()?;
        let (seconds, output) = line
            .split_once('\t')
            .ok_or_else(|| format!("unexpected line from Python: {line}"))?;
        let seconds: f64 = seconds.parse()?;
        let output = base64::engine::general_purpose::STANDARD.decode(output)?;
        Ok((Duration::from_secs_f64(seconds), output))
    }

    fn read_line(&mut self) -> BenchResult<String> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            return Err(format!("{} exited early", self.program.display()).into());
        }
        Ok(line.trim_end().to_owned())
    }

    /// Closes Python's input, which ends its loop, and waits for it to exit.
    fn finish(self) -> BenchResult<PythonInfo> {
        let Python {
            mut child,
            stdin,
            program,
            openssl_version,
            backing,
            ..
        } = self;
        drop(stdin);
        let status = child.wait()?;
        if !status.success() {
            return Err(format!("{} failed: {status}", program.display()).into());
        }
        Ok(PythonInfo {
            program,
            openssl_version,
            backing,
        })
    }
}

/// Returns the CPU model and whether the CPU has the SHA extensions, from /proc/cpuinfo.
fn cpu_info() -> (String, bool) {
    let Ok(cpuinfo) = fs::read_to_string("/proc/cpuinfo") else {
        return ("unknown (no /proc/cpuinfo)".to_owned(), false);
    };
    let field = |name: &str| {
        cpuinfo.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            (key.trim() == name).then(|| value.trim().to_owned())
        })
    };
    let model = field("model name").unwrap_or_else(|| "unknown".to_owned());
    let cpus = cpuinfo
        .lines()
        .filter(|line| line.starts_with("processor"))
        .count();
    let sha_ni =
        field("flags").is_some_and(|flags| flags.split_whitespace().any(|f| f == "sha_ni"));
    (format!("{model} ({cpus} logical CPUs)"), sha_ni)
}

/// Returns the 1-, 5- and 15-minute load averages, a hint of how busy the machine was.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Returns the median, minimum and maximum of a non-empty, odd-length list of times.
fn summary(times: &[Duration]) -> (Duration, Duration, Duration) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let middle = sorted.get(sorted.len() / 2).copied().unwrap_or_default();
    let min = sorted.first().copied().unwrap_or_default();
    let max = sorted.last().copied().unwrap_or_default();
    (middle, min, max)
}

fn milliseconds(time: Duration) -> String {
    format!("{:.1} ms", time.as_secs_f64() * 1000.0)
}
