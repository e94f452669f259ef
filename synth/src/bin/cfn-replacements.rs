//! `cfn-replacements OLD NEW`: prints, as a JSON array, the stateful resources (tables, secrets,
//! buckets) of template OLD that template NEW would replace. `just diff` uses it beside the
//! change set, because moto's change sets, unlike CloudFormation's, report no replacements.

use std::process::ExitCode;

fn read(path: &str) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("failed to read `{path}`: {error}"))?;
    serde_json::from_str(&text).map_err(|error| format!("`{path}` is not a JSON template: {error}"))
}

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let [old, new] = arguments.as_slice() else {
        eprintln!("usage: cfn-replacements OLD_TEMPLATE NEW_TEMPLATE");
        return ExitCode::from(2);
    };
    let templates = read(old).and_then(|old| Ok((old, read(new)?)));
    match templates {
        Ok((old, new)) => {
            let replacements = synth::replacement::find(&old, &new);
            match serde_json::to_string_pretty(&replacements) {
                Ok(text) => {
                    println!("{text}");
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("error: failed to serialize the replacements: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
