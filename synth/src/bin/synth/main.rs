//! `synth`: builds the CloudFormation templates and deploy manifests of every environment in
//! `stacks/` and writes them to `out/`.

mod manifest;
mod output;
mod settings;
mod stacks;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use synth::{MAX_INLINE_TEMPLATE_BYTES, Template};

use crate::manifest::{BOOTSTRAP_TEMPLATE_FILE, MANIFEST_FILE, Manifest, TEMPLATE_FILE};
use crate::output::Files;
use crate::settings::{Settings, StacksDir};

/// Synthesizes the auth service's CloudFormation templates from the settings in `stacks/`.
#[derive(Debug, Parser)]
#[command(name = "synth", version)]
struct Cli {
    /// Environments to synthesize: a settings file's name without `.toml` (`prod`), the same
    /// as `env=prod`, or `all` for every file in the settings folder. Defaults to `all`.
    #[arg(value_name = "ENV")]
    environments: Vec<String>,

    /// Folder of settings files: `defaults.toml` and one `<env>.toml` per environment.
    #[arg(long, value_name = "DIR", default_value = "stacks")]
    stacks: PathBuf,

    /// Folder to write the templates and manifests to.
    #[arg(long, value_name = "DIR", default_value = "out")]
    out: PathBuf,

    /// Compare the output folder with a fresh synth instead of writing it, and fail naming the
    /// files that differ.
    #[arg(long)]
    check: bool,

    /// Write templates that replace the table or signing-key secret of an environment that
    /// retains them. Without it, such a change fails, because the replacement starts empty.
    #[arg(long)]
    allow_replacement: bool,
}

/// The environments that the command line selects.
#[derive(Debug, PartialEq, Eq)]
enum Selection {
    /// Every environment in the settings folder.
    All,
    /// The named environments, in order, without repeats.
    Named(Vec<String>),
}

impl Selection {
    /// Parses `prod`, `env=prod` and `all`.
    fn parse(arguments: &[String]) -> Selection {
        let mut named = Vec::new();
        for argument in arguments {
            let name = argument.strip_prefix("env=").unwrap_or(argument);
            if name == settings::ALL_ENVIRONMENTS {
                return Selection::All;
            }
            if !named.iter().any(|existing| existing == name) {
                named.push(name.to_owned());
            }
        }
        if named.is_empty() {
            Selection::All
        } else {
            Selection::Named(named)
        }
    }
}

/// One environment's synthesized stack.
struct Synthesized {
    environment: String,
    template: Template,
    template_bytes: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let stacks = StacksDir::new(&cli.stacks);
    let known = stacks.environments()?;
    let selection = Selection::parse(&cli.environments);
    let environments = match &selection {
        Selection::All if known.is_empty() => anyhow::bail!(
            "no environments in `{}`; add a settings file such as `{}`",
            cli.stacks.display(),
            cli.stacks.join("dev.toml").display()
        ),
        Selection::All => known.clone(),
        Selection::Named(names) => names.clone(),
    };

    let bootstrap = stacks::bootstrap::build().context("failed to build the bootstrap stack")?;
    let mut files = Files::new();
    files.insert(
        PathBuf::from(BOOTSTRAP_TEMPLATE_FILE),
        bootstrap
            .to_json()
            .context("failed to build the bootstrap stack")?,
    );

    let mut synthesized = Vec::new();
    for environment in &environments {
        let settings = stacks.load(environment)?;
        let template = stacks::auth::build(&settings)
            .with_context(|| format!("failed to build the auth stack of `{environment}`"))?;
        let json = template
            .to_json()
            .with_context(|| format!("failed to build the auth stack of `{environment}`"))?;
        if !cli.check && !cli.allow_replacement {
            refuse_replacement(&cli.out, &settings, &json)?;
        }
        let manifest = Manifest::new(&settings, &template, &bootstrap)
            .to_json()
            .context("failed to serialize the deploy manifest")?;
        let folder = PathBuf::from(environment);
        synthesized.push(Synthesized {
            environment: environment.clone(),
            template,
            template_bytes: json.len(),
        });
        files.insert(folder.join(TEMPLATE_FILE), json);
        files.insert(folder.join(MANIFEST_FILE), manifest);
    }

    let every_environment = (selection == Selection::All).then_some(known.as_slice());
    if cli.check {
        return check(cli, &files, every_environment, &selection);
    }

    let written = output::write(&cli.out, &files, every_environment)?;
    let mut stdout = std::io::stdout().lock();
    for stack in &synthesized {
        print_summary(&mut stdout, &cli.out, stack)?;
    }
    for path in &written.changed {
        writeln!(stdout, "wrote {}", path.display())?;
    }
    for path in &written.removed {
        writeln!(stdout, "removed {}", path.display())?;
    }
    if written.changed.is_empty() && written.removed.is_empty() {
        writeln!(stdout, "{} is up to date", cli.out.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The stateful resource types of the auth stack that a retaining environment must not
/// replace.
const RETAINED_TYPES: [&str; 2] = ["AWS::DynamoDB::Table", "AWS::SecretsManager::Secret"];

/// Reports whether a template keeps any of its [`RETAINED_TYPES`] resources when the stack is
/// deleted.
fn retains_data(template: &serde_json::Value) -> bool {
    let Some(resources) = template
        .get("Resources")
        .and_then(serde_json::Value::as_object)
    else {
        return false;
    };
    resources.values().any(|resource| {
        let resource_type = resource.get("Type").and_then(serde_json::Value::as_str);
        let policy = resource
            .get("DeletionPolicy")
            .and_then(serde_json::Value::as_str);
        resource_type.is_some_and(|kind| RETAINED_TYPES.contains(&kind))
            && matches!(policy, Some("Retain" | "RetainExceptOnDelete"))
    })
}

/// Fails when the new template would replace the table or secret that the environment's
/// current template in `out/` deploys, so that no synth silently schedules the loss of data.
/// The guard applies when either the settings or the current template retain the data, so
/// turning `table.retain` off in the same change does not get around it.
fn refuse_replacement(out: &Path, settings: &Settings, new_json: &str) -> anyhow::Result<()> {
    let current = out.join(&settings.environment).join(TEMPLATE_FILE);
    let Ok(current_json) = std::fs::read_to_string(&current) else {
        return Ok(());
    };
    let old: serde_json::Value = serde_json::from_str(&current_json)
        .with_context(|| format!("failed to parse `{}`", current.display()))?;
    if !settings.table.retain && !retains_data(&old) {
        return Ok(());
    }
    let new: serde_json::Value =
        serde_json::from_str(new_json).context("failed to parse the new template")?;
    let replacements: Vec<String> = synth::replacement::find(&old, &new)
        .into_iter()
        .filter(|replacement| RETAINED_TYPES.contains(&replacement.resource_type.as_str()))
        .map(|replacement| format!("  - {replacement}"))
        .collect();
    if replacements.is_empty() {
        return Ok(());
    }
    let (retention, retain_hint) = if settings.table.retain {
        ("retains its data", "")
    } else {
        (
            "retains its data in its current template",
            " Turning `table.retain` off does not lift this guard while the current template \
             retains the data: synthesize and deploy that change on its own first.",
        )
    };
    anyhow::bail!(
        "environment `{}` {retention}, but this change replaces it compared with `{}`:\n{}\n\
         A replaced table starts empty and a replaced secret invalidates every token. Undo the \
         change, or run synth again with --allow-replacement if the replacement is intended.{}",
        settings.environment,
        current.display(),
        replacements.join("\n"),
        retain_hint
    )
}

fn check(
    cli: &Cli,
    files: &Files,
    every_environment: Option<&[String]>,
    selection: &Selection,
) -> anyhow::Result<ExitCode> {
    let stale = output::check(&cli.out, files, every_environment)?;
    if stale.is_empty() {
        println!(
            "{} matches a fresh synth ({} files)",
            cli.out.display(),
            files.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for entry in &stale {
        eprintln!("stale: {entry}");
    }
    let arguments = match selection {
        Selection::All => "env=all".to_owned(),
        Selection::Named(names) => names
            .iter()
            .map(|name| format!("env={name}"))
            .collect::<Vec<_>>()
            .join(" "),
    };
    let (count, verb) = match stale.len() {
        1 => ("1 file".to_owned(), "differs"),
        count => (format!("{count} files"), "differ"),
    };
    eprintln!(
        "error: {count} in {} {verb} from a fresh synth; run `./just synth {arguments}` and \
         commit the result",
        cli.out.display()
    );
    Ok(ExitCode::FAILURE)
}

fn print_summary(out: &mut impl Write, folder: &Path, stack: &Synthesized) -> std::io::Result<()> {
    let counts = stack.template.resource_counts();
    let total: usize = counts.values().sum();
    writeln!(
        out,
        "{}: {} resources, {} bytes in {}",
        stack.environment,
        total,
        stack.template_bytes,
        folder
            .join(&stack.environment)
            .join(TEMPLATE_FILE)
            .display()
    )?;
    for (resource_type, count) in counts {
        writeln!(out, "  {count:>3} {resource_type}")?;
    }
    let outputs: Vec<&str> = stack
        .template
        .output_names()
        .map(|name| name.as_str())
        .collect();
    writeln!(out, "  outputs: {}", outputs.join(", "))?;
    if stack.template_bytes > MAX_INLINE_TEMPLATE_BYTES {
        writeln!(
            out,
            "  note: the template is over {MAX_INLINE_TEMPLATE_BYTES} bytes, so `aws \
             cloudformation deploy` needs --s3-bucket to upload it"
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(arguments: &[&str]) -> Selection {
        let arguments: Vec<String> = arguments.iter().map(|a| (*a).to_owned()).collect();
        Selection::parse(&arguments)
    }

    #[test]
    fn selection_forms() {
        assert_eq!(parse(&[]), Selection::All);
        assert_eq!(parse(&["all"]), Selection::All);
        assert_eq!(parse(&["env=all"]), Selection::All);
        assert_eq!(parse(&["env=prod"]), Selection::Named(vec!["prod".into()]));
        assert_eq!(parse(&["prod"]), Selection::Named(vec!["prod".into()]));
        assert_eq!(
            parse(&["env=dev", "prod", "dev"]),
            Selection::Named(vec!["dev".into(), "prod".into()])
        );
    }
}
