//! Reading settings files: discovery, overlay, placeholder rendering and typed decoding, with
//! errors that name the file and key at fault.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde_path_to_error::Segment;
use toml::{Table, Value};

use super::Settings;
use super::render::Placeholders;

/// The settings file that every environment file overlays.
pub const DEFAULTS_FILE: &str = "defaults.toml";
/// The argument that selects every environment.
pub const ALL_ENVIRONMENTS: &str = "all";
/// The maximum length of an environment name. It becomes part of resource names such as the
/// function name, which Lambda limits to 64 characters.
pub const MAX_ENVIRONMENT_NAME_LENGTH: usize = 32;

/// An error from reading or checking settings.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The settings directory does not exist.
    #[error(
        "settings directory `{}` not found; run synth from the repository root or pass --stacks DIR",
        .0.display()
    )]
    MissingDirectory(PathBuf),

    /// A file could not be read.
    #[error("failed to read `{}`: {source}", path.display())]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },

    /// No settings file exists for the environment.
    #[error(
        "unknown environment `{name}`; the known environments are {}. To add it, create `{}`",
        known_list(known),
        file.display()
    )]
    UnknownEnvironment {
        /// The requested environment.
        name: String,
        /// The environments that have settings files.
        known: Vec<String>,
        /// The file that would define it.
        file: PathBuf,
    },

    /// An environment name that cannot be used in resource names.
    #[error(
        "invalid environment name `{name}`: {reason}. An environment is named by its settings \
         file without `.toml`: lowercase letters, digits and `-`, starting with a letter, at \
         most 32 characters"
    )]
    InvalidEnvironmentName {
        /// The name.
        name: String,
        /// The reason it is invalid.
        reason: &'static str,
    },

    /// A settings file is not valid TOML.
    #[error("{}: invalid TOML: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },

    /// One or more settings are missing or invalid.
    #[error("{}", Problems(.0))]
    Invalid(Vec<SettingProblem>),
}

/// A missing or invalid setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingProblem {
    /// The file that sets the key, or that should.
    pub file: PathBuf,
    /// The dotted key, such as `function.memory_mb`.
    pub key: String,
    /// The problem and the expected value.
    pub message: String,
}

impl fmt::Display for SettingProblem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{}: `{}`: {}",
            self.file.display(),
            self.key,
            self.message
        )
    }
}

struct Problems<'a>(&'a [SettingProblem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines = self.0.iter();
        if let Some(first) = lines.next() {
            write!(formatter, "{first}")?;
        }
        for line in lines {
            write!(formatter, "\n{line}")?;
        }
        Ok(())
    }
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        "none".to_owned()
    } else {
        known.join(", ")
    }
}

/// The directory of settings files, usually `stacks/`.
#[derive(Clone, Debug)]
pub struct StacksDir {
    path: PathBuf,
}

impl StacksDir {
    /// Builds a handle on a settings directory; nothing is read yet.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Lists the environments: the stems of the `.toml` files other than `defaults.toml`,
    /// sorted.
    pub fn environments(&self) -> Result<Vec<String>, SettingsError> {
        if !self.path.is_dir() {
            return Err(SettingsError::MissingDirectory(self.path.clone()));
        }
        let entries = std::fs::read_dir(&self.path).map_err(|source| SettingsError::Read {
            path: self.path.clone(),
            source,
        })?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| SettingsError::Read {
                path: self.path.clone(),
                source,
            })?;
            let path = entry.path();
            let is_settings = path
                .extension()
                .is_some_and(|extension| extension == "toml");
            let file_name = entry.file_name();
            let file_name = file_name.to_string_lossy();
            // Hidden files, such as an editor's backups, are not environments.
            if !is_settings || file_name == DEFAULTS_FILE || file_name.starts_with('.') {
                continue;
            }
            if let Some(stem) = path.file_stem().and_then(|stem| stem.to_str()) {
                names.push(stem.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Reads, renders and checks one environment's settings.
    pub fn load(&self, environment: &str) -> Result<Settings, SettingsError> {
        validate_environment_name(environment)?;
        let environment_file = self.path.join(format!("{environment}.toml"));
        if !environment_file.is_file() {
            return Err(SettingsError::UnknownEnvironment {
                name: environment.to_owned(),
                known: self.environments()?,
                file: environment_file,
            });
        }

        let defaults_file = self.path.join(DEFAULTS_FILE);
        let defaults = if defaults_file.is_file() {
            Some(Layer::read(defaults_file)?)
        } else {
            None
        };
        let layers = Layers {
            defaults,
            environment: Layer::read(environment_file)?,
        };

        let mut merged = layers.merged();
        let placeholders = Placeholders::from_settings(environment, &merged)
            .map_err(|(key, message)| layers.problem(&[key.to_owned()], message))?;
        placeholders
            .render_table(&mut merged)
            .map_err(|(path, message)| layers.problem(&path, message))?;

        let mut settings: Settings = serde_path_to_error::deserialize(Value::Table(merged))
            .map_err(|error| {
                let mut path = key_path(error.path());
                // The TOML decoder appends "in `key`" on a new line, which the path repeats.
                let message = error.inner().to_string();
                let message = plain_type_names(message.lines().next().unwrap_or_default());
                // A missing field is reported at its parent table, so name the field itself.
                if let Some(field) = missing_field(&message) {
                    path.push(field.to_owned());
                    let message = format!(
                        "missing; set it in `{}` or in `{DEFAULTS_FILE}`",
                        layers.environment.path.display()
                    );
                    return layers.problem(&path, message);
                }
                layers.problem(&path, message)
            })?;
        settings.environment = environment.to_owned();

        let problems: Vec<SettingProblem> = super::validate::problems(&settings)
            .into_iter()
            .map(|(key, message)| {
                let path: Vec<String> = key.split('.').map(str::to_owned).collect();
                layers.problem_entry(&path, message)
            })
            .collect();
        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(SettingsError::Invalid(problems))
        }
    }
}

/// Checks an environment name, which becomes part of stack, function and stage names.
fn validate_environment_name(name: &str) -> Result<(), SettingsError> {
    let reason = if name == ALL_ENVIRONMENTS {
        Some("`all` selects every environment, so it cannot name one")
    } else if format!("{name}.toml") == DEFAULTS_FILE {
        Some("`defaults.toml` holds the settings that every environment shares")
    } else if name.is_empty() {
        Some("it is empty")
    } else if name.len() > MAX_ENVIRONMENT_NAME_LENGTH {
        Some("it is longer than 32 characters")
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        Some("it does not start with a lowercase letter")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Some("it contains a character other than lowercase letters, digits and `-`")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(SettingsError::InvalidEnvironmentName {
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Turns a deserializer path into key segments, such as `["function", "memory_mb"]`.
fn key_path(path: &serde_path_to_error::Path) -> Vec<String> {
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Map { key } => Some(key.clone()),
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect()
}

/// Replaces the Rust type names in serde's messages, such as "expected u32", with the TOML
/// terms that a settings author uses.
fn plain_type_names(message: &str) -> String {
    let replacements = [
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
        ("expected a string", "expected a quoted string"),
    ];
    let mut message = message.to_owned();
    for (rust, plain) in replacements {
        message = message.replace(rust, plain);
    }
    for table in ["expected struct ", "expected a map"] {
        if let Some(start) = message.find(table) {
            message.replace_range(start.., "expected a table of settings");
        }
    }
    message
}

/// Returns the field name of serde's "missing field `name`" message.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
}

/// One parsed settings file.
struct Layer {
    path: PathBuf,
    table: Table,
}

impl Layer {
    fn read(path: PathBuf) -> Result<Self, SettingsError> {
        let text = std::fs::read_to_string(&path).map_err(|source| SettingsError::Read {
            path: path.clone(),
            source,
        })?;
        let table = text
            .parse::<Table>()
            .map_err(|error| SettingsError::Syntax {
                path: path.clone(),
                message: error.to_string().trim_end().to_owned(),
            })?;
        Ok(Self { path, table })
    }

    /// Reports whether this file sets the key, or a value that contains it.
    fn sets(&self, path: &[String]) -> bool {
        let mut table = &self.table;
        for (depth, key) in path.iter().enumerate() {
            match table.get(key) {
                Some(Value::Table(inner)) if depth + 1 < path.len() => table = inner,
                Some(_) => return true,
                None => return false,
            }
        }
        !path.is_empty()
    }
}

/// The defaults file and the environment file.
struct Layers {
    defaults: Option<Layer>,
    environment: Layer,
}

impl Layers {
    /// Overlays the environment file on the defaults: tables merge key by key, and any other
    /// value in the environment file replaces the default.
    fn merged(&self) -> Table {
        let mut merged = self
            .defaults
            .as_ref()
            .map(|layer| layer.table.clone())
            .unwrap_or_default();
        overlay(&mut merged, &self.environment.table);
        merged
    }

    /// Returns the file that sets a key: the environment file if it does, else the defaults
    /// file if it does, else the environment file, where a missing key belongs.
    fn origin(&self, path: &[String]) -> &Path {
        if self.environment.sets(path) {
            return &self.environment.path;
        }
        match &self.defaults {
            Some(defaults) if defaults.sets(path) => &defaults.path,
            _ => &self.environment.path,
        }
    }

    fn problem_entry(&self, path: &[String], message: String) -> SettingProblem {
        SettingProblem {
            file: self.origin(path).to_path_buf(),
            key: path.join("."),
            message,
        }
    }

    fn problem(&self, path: &[String], message: String) -> SettingsError {
        SettingsError::Invalid(vec![self.problem_entry(path, message)])
    }
}

fn overlay(base: &mut Table, top: &Table) {
    for (key, value) in top {
        match (base.get_mut(key), value) {
            (Some(Value::Table(base_table)), Value::Table(top_table)) => {
                overlay(base_table, top_table);
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests;
