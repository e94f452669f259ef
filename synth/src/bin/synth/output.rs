//! Writing the generated files to `out/`, or checking that `out/` matches them.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::manifest::{MANIFEST_FILE, TEMPLATE_FILE};

/// Generated files by path relative to the output folder, with their contents.
pub type Files = BTreeMap<PathBuf, String>;

/// A file in `out/` that differs from a fresh synth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stale {
    /// The file is missing.
    Missing(PathBuf),
    /// The file's contents differ.
    Changed(PathBuf),
    /// The file belongs to an environment without a settings file.
    Orphaned(PathBuf),
    /// The file is in an environment's folder, but synth does not write it.
    Unexpected(PathBuf),
}

impl std::fmt::Display for Stale {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stale::Missing(path) => write!(formatter, "{} is missing", path.display()),
            Stale::Changed(path) => write!(formatter, "{} is out of date", path.display()),
            Stale::Orphaned(path) => write!(
                formatter,
                "{} belongs to an environment that has no settings file",
                path.display()
            ),
            Stale::Unexpected(path) => write!(
                formatter,
                "{} is not a file that synth writes; remove it",
                path.display()
            ),
        }
    }
}

/// Reports whether `folder` contains a manifest that synth wrote for an environment of the same
/// name, so that only synth's own output is ever treated as orphaned.
fn is_generated_environment(folder: &Path, name: &str) -> bool {
    let Ok(text) = fs::read_to_string(folder.join(MANIFEST_FILE)) else {
        return false;
    };
    let Ok(manifest) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    manifest["environment"] == name
        && manifest["template"] == TEMPLATE_FILE
        && manifest["bootstrap"].is_object()
}

/// Lists the generated files of environment folders in `out/` that are not among
/// `environments`. A folder counts only when its manifest shows that synth wrote it.
fn orphans(out: &Path, environments: &[String]) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    if !out.is_dir() {
        return Ok(found);
    }
    let entries =
        fs::read_dir(out).with_context(|| format!("failed to list `{}`", out.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("failed to list `{}`", out.display()))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !path.is_dir() || environments.contains(&name) || !is_generated_environment(&path, &name)
        {
            continue;
        }
        for file in [TEMPLATE_FILE, MANIFEST_FILE] {
            let generated = path.join(file);
            if generated.is_file() {
                found.push(generated);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Lists the files in the generated files' folders, other than `out/` itself, that synth does
/// not write.
fn unexpected(out: &Path, files: &Files) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let folders: std::collections::BTreeSet<&Path> = files
        .keys()
        .filter_map(|relative| relative.parent())
        .filter(|parent| !parent.as_os_str().is_empty())
        .collect();
    for folder in folders {
        let path = out.join(folder);
        let Ok(entries) = fs::read_dir(&path) else {
            continue;
        };
        for entry in entries {
            let entry = entry.with_context(|| format!("failed to list `{}`", path.display()))?;
            let relative = folder.join(entry.file_name());
            if !files.contains_key(&relative) {
                found.push(out.join(relative));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Compares `out/` with the generated files. Files that synth does not write are stale in the
/// folders it writes to, and with `every_environment`, so are the files of environments that no
/// longer have settings.
pub fn check(
    out: &Path,
    files: &Files,
    every_environment: Option<&[String]>,
) -> anyhow::Result<Vec<Stale>> {
    let mut stale = Vec::new();
    for (relative, contents) in files {
        let path = out.join(relative);
        match fs::read_to_string(&path) {
            Ok(existing) if existing == *contents => {}
            Ok(_) => stale.push(Stale::Changed(path)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                stale.push(Stale::Missing(path));
            }
            Err(error) => {
                return Err(error).with_context(|| format!("failed to read `{}`", path.display()));
            }
        }
    }
    if let Some(environments) = every_environment {
        stale.extend(orphans(out, environments)?.into_iter().map(Stale::Orphaned));
    }
    stale.extend(unexpected(out, files)?.into_iter().map(Stale::Unexpected));
    Ok(stale)
}

/// The files that a write changed.
#[derive(Debug, Default)]
pub struct Written {
    /// Files created or rewritten.
    pub changed: Vec<PathBuf>,
    /// Files removed because their environment has no settings file.
    pub removed: Vec<PathBuf>,
}

/// Writes the generated files, leaving files with the same contents untouched. With
/// `every_environment`, removes the generated files of environments without settings.
pub fn write(
    out: &Path,
    files: &Files,
    every_environment: Option<&[String]>,
) -> anyhow::Result<Written> {
    let mut written = Written::default();
    for (relative, contents) in files {
        let path = out.join(relative);
        if fs::read_to_string(&path).is_ok_and(|existing| existing == *contents) {
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("failed to create `{}`", parent.display()))?;
        }
        fs::write(&path, contents)
            .with_context(|| format!("failed to write `{}`", path.display()))?;
        written.changed.push(path);
    }
    if let Some(environments) = every_environment {
        for path in orphans(out, environments)? {
            fs::remove_file(&path)
                .with_context(|| format!("failed to remove `{}`", path.display()))?;
            if let Some(parent) = path.parent() {
                // Removing the folder fails while it has other files, which then stay.
                let _ = fs::remove_dir(parent);
            }
            written.removed.push(path);
        }
    }
    Ok(written)
}
