//! `{{env}}`, `{{service}}` and `{{region}}` placeholders in string settings, rendered with
//! handlebars in strict mode so that an unknown placeholder is an error.

use handlebars::{Handlebars, RenderErrorReason};
use serde_json::json;
use toml::{Table, Value};

/// The placeholder names, for messages.
pub const PLACEHOLDERS: &str = "{{env}}, {{service}} and {{region}}";

/// The placeholder names.
const NAMES: [&str; 3] = ["env", "service", "region"];

/// Settings that supply placeholder values and so cannot contain placeholders themselves.
const PLAIN_KEYS: [&str; 2] = ["service", "region"];

/// The table of tags, whose keys may contain placeholders too.
const TAGS_KEY: &str = "tags";

/// The values of the placeholders for one environment.
pub struct Placeholders {
    values: serde_json::Value,
    handlebars: Handlebars<'static>,
}

impl Placeholders {
    /// Takes `{{service}}` and `{{region}}` from the merged settings, and `{{env}}` from the
    /// environment name. Fails with the key and message when either setting is missing or not
    /// a string.
    pub fn from_settings(
        environment: &str,
        settings: &Table,
    ) -> Result<Self, (&'static str, String)> {
        let mut values = json!({ "env": environment });
        for key in PLAIN_KEYS {
            let value = match settings.get(key) {
                Some(Value::String(value)) => value,
                Some(other) => {
                    return Err((
                        key,
                        format!("expected a string, found {}", other.type_str()),
                    ));
                }
                None => return Err((key, "missing; set it in defaults.toml".to_owned())),
            };
            if value.contains("{{") {
                return Err((
                    key,
                    format!("`{value}` contains a placeholder, which this setting cannot use"),
                ));
            }
            values[key] = json!(value);
        }

        let mut handlebars = Handlebars::new();
        handlebars.set_strict_mode(true);
        handlebars.register_escape_fn(handlebars::no_escape);
        Ok(Self { values, handlebars })
    }

    /// Renders one string.
    pub fn render(&self, text: &str) -> Result<String, String> {
        if !text.contains("{{") {
            return Ok(text.to_owned());
        }
        check_placeholders(text)?;
        self.handlebars
            .render_template(text, &self.values)
            .map_err(|error| match error.reason() {
                RenderErrorReason::MissingVariable(Some(name)) => format!(
                    "unknown placeholder `{{{{{name}}}}}` in `{text}`; the placeholders are \
                     {PLACEHOLDERS}"
                ),
                _ => format!(
                    "invalid placeholder syntax in `{text}`: {}",
                    first_line(&error)
                ),
            })
    }

    /// Renders every string value in the table, except the settings that supply placeholder
    /// values. Fails with the key path and message of the first string that does not render.
    pub fn render_table(&self, table: &mut Table) -> Result<(), (Vec<String>, String)> {
        for (key, value) in table.iter_mut() {
            if PLAIN_KEYS.contains(&key.as_str()) {
                continue;
            }
            let mut path = vec![key.clone()];
            self.render_value(value, &mut path)?;
        }
        if let Some(Value::Table(tags)) = table.get_mut(TAGS_KEY) {
            self.render_keys(tags)?;
        }
        Ok(())
    }

    /// Renders the keys of the tags table, whose keys are data rather than setting names.
    fn render_keys(&self, tags: &mut Table) -> Result<(), (Vec<String>, String)> {
        let mut rendered = Table::new();
        for (key, value) in std::mem::take(tags) {
            let path = vec![TAGS_KEY.to_owned(), key.clone()];
            let new_key = self
                .render(&key)
                .map_err(|message| (path.clone(), message))?;
            if rendered.insert(new_key.clone(), value).is_some() {
                return Err((
                    path,
                    format!("renders to `{new_key}`, which another tag uses"),
                ));
            }
        }
        *tags = rendered;
        Ok(())
    }

    fn render_value(
        &self,
        value: &mut Value,
        path: &mut Vec<String>,
    ) -> Result<(), (Vec<String>, String)> {
        match value {
            Value::String(text) => {
                *text = self
                    .render(text)
                    .map_err(|message| (path.clone(), message))?;
            }
            Value::Table(table) => {
                for (key, inner) in table.iter_mut() {
                    path.push(key.clone());
                    self.render_value(inner, path)?;
                    path.pop();
                }
            }
            Value::Array(values) => {
                for (index, inner) in values.iter_mut().enumerate() {
                    path.push(index.to_string());
                    self.render_value(inner, path)?;
                    path.pop();
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Accepts only the plain placeholders, so that handlebars' helpers, blocks and paths such as
/// `{{#each}}` or `{{this}}` are errors rather than surprises.
fn check_placeholders(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(format!(
                "invalid placeholder syntax in `{text}`: `{{{{` without a closing `}}}}`"
            ));
        };
        let name = after[..end].trim();
        if !NAMES.contains(&name) {
            return Err(format!(
                "unknown placeholder `{{{{{name}}}}}` in `{text}`; the placeholders are \
                 {PLACEHOLDERS}"
            ));
        }
        rest = &after[end + 2..];
    }
    Ok(())
}

fn first_line(error: &impl std::fmt::Display) -> String {
    error
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders() -> Placeholders {
        let settings: Table = "service = \"auth\"\nregion = \"eu-west-1\""
            .parse()
            .unwrap();
        Placeholders::from_settings("qa", &settings).unwrap()
    }

    #[test]
    fn renders_each_placeholder() {
        let rendered = placeholders()
            .render("{{service}}-{{env}}-{{region}}")
            .unwrap();
        assert_eq!(rendered, "auth-qa-eu-west-1");
    }

    #[test]
    fn leaves_html_characters_alone() {
        assert_eq!(placeholders().render("<{{env}}&>").unwrap(), "<qa&>");
    }

    #[test]
    fn unknown_placeholder_is_named() {
        let error = placeholders().render("{{service}}-{{stage}}").unwrap_err();
        assert_eq!(
            error,
            "unknown placeholder `{{stage}}` in `{{service}}-{{stage}}`; the placeholders are \
             {{env}}, {{service}} and {{region}}"
        );
    }

    #[test]
    fn helpers_and_blocks_are_rejected() {
        for text in [
            "{{this}}",
            "{{#each this}}{{@key}}{{/each}}",
            "{{len env}}",
            "{{{env}}}",
        ] {
            let error = placeholders().render(text).unwrap_err();
            assert!(error.starts_with("unknown placeholder"), "{text}: {error}");
        }
        assert_eq!(placeholders().render("{{ env }}").unwrap(), "qa");
    }

    #[test]
    fn tag_keys_are_rendered() {
        let mut table: Table = "[tags]\n\"{{env}}-owner\" = \"me\"".parse().unwrap();
        placeholders().render_table(&mut table).unwrap();
        assert_eq!(table["tags"]["qa-owner"].as_str(), Some("me"));

        let mut table: Table = "[tags]\n\"{{nope}}\" = \"x\"".parse().unwrap();
        let (path, message) = placeholders().render_table(&mut table).unwrap_err();
        assert_eq!(path, ["tags", "{{nope}}"]);
        assert!(
            message.starts_with("unknown placeholder `{{nope}}`"),
            "{message}"
        );
    }

    #[test]
    fn broken_syntax_is_reported() {
        let error = placeholders().render("{{env").unwrap_err();
        assert!(
            error.starts_with("invalid placeholder syntax in `{{env`"),
            "{error}"
        );
    }

    #[test]
    fn service_may_not_use_placeholders() {
        let settings: Table = "service = \"{{env}}\"\nregion = \"eu-west-1\""
            .parse()
            .unwrap();
        let error = Placeholders::from_settings("qa", &settings).err().unwrap();
        assert_eq!(error.0, "service");
    }

    #[test]
    fn missing_region_is_reported() {
        let settings: Table = "service = \"auth\"".parse().unwrap();
        let error = Placeholders::from_settings("qa", &settings).err().unwrap();
        assert_eq!(
            error,
            ("region", "missing; set it in defaults.toml".to_owned())
        );
    }

    #[test]
    fn renders_nested_values_with_paths() {
        let mut table: Table = "[tags]\nowner = \"{{service}}\"\n[list]\nitems = [\"{{oops}}\"]"
            .parse()
            .unwrap();
        let (path, _) = placeholders().render_table(&mut table).unwrap_err();
        assert_eq!(path, ["list", "items", "0"]);

        let mut table: Table = "[tags]\nowner = \"{{service}}\"".parse().unwrap();
        placeholders().render_table(&mut table).unwrap();
        assert_eq!(table["tags"]["owner"].as_str(), Some("auth"));
    }
}
