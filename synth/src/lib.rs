//! A typed model of CloudFormation templates.
//!
//! Resources are added to a [`Template`], which returns a typed [`Handle`]. `Ref` and
//! `Fn::GetAtt` go through handles, so an attribute that a resource type lacks does not compile.
//! [`Template::to_json`] checks what types cannot: every reference resolves, no dependency cycle
//! exists, and the template is within CloudFormation's limits. Resource types check their own
//! properties when added, such as name lengths and IAM wildcards.
//!
//! ```
//! use synth::resources::dynamodb::Table;
//! use synth::{Output, Template};
//!
//! let mut template = Template::new("A table");
//! let table = template.add("UsersTable", Table::with_partition_key("username"))?;
//! template.add_output("TableArn", Output::new(table.arn()))?;
//! let json = template.to_json()?;
//! assert!(json.contains(r#""Fn::GetAtt": ["#));
//! # Ok::<(), synth::Error>(())
//! ```
//!
//! The model contains nothing specific to one service. The `synth` binary builds this
//! repository's stacks with it.

pub mod arn;
mod attributes;
mod error;
mod expr;
mod name;
pub mod policy;
pub mod replacement;
mod resource;
pub mod resources;
mod template;
mod validate;

pub use attributes::{Policy, ResourceAttributes};
pub use error::{Error, Problem};
pub use expr::{ConditionExpr, Expr, Pseudo, Target};
pub use name::{ConditionName, LogicalId, MAX_NAME_LENGTH, OutputName, ParameterName};
pub use resource::{Handle, NameRule, Resource};
pub use template::{
    Capability, MAX_INLINE_TEMPLATE_BYTES, MAX_TEMPLATE_BYTES, Output, Parameter, ParameterHandle,
    ParameterType, Template,
};
