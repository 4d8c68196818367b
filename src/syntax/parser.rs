//! The pest parser generated from `grammar/drplan.pest`, and the words used for
//! its rules in "expected …" messages.

#![allow(missing_docs, unreachable_pub, clippy::pedantic)]

use pest_derive::Parser;

/// The generated parser; `Rule` lists the grammar's rules.
#[derive(Parser)]
#[grammar = "../grammar/drplan.pest"]
pub struct DrplanParser;

/// How a rule reads in a message: "expected `}` or a statement".
pub fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::file => "a plan",
        Rule::block => "a `{ … }` block",
        Rule::group_stmt | Rule::hook_stmt | Rule::setting | Rule::stray | Rule::stray_text => {
            "a statement"
        }
        Rule::statement => "a statement",
        Rule::needs_clause => "`needs`",
        Rule::inline_setting => "a step setting",
        Rule::map_entry => "`KEY = value`",
        Rule::args | Rule::value => "a value",
        Rule::name_list | Rule::name => "a name",
        Rule::env_call => "`env(\"NAME\")`",
        Rule::list => "a list `[…]`",
        Rule::ident => "an identifier",
        Rule::string | Rule::string_body | Rule::unterminated_string => "a string",
        Rule::number => "a number or a duration such as `5m`",
        Rule::kw_group => "`group`",
        Rule::kw_needs => "`needs`",
        Rule::hook_kind => "a hook",
        Rule::step_key => "a step setting",
        Rule::WHITESPACE | Rule::COMMENT | Rule::ident_char | Rule::gap => "white space",
    }
}
