//! The imported plan before it is text: groups, VMs, hook blocks and the
//! comments that go with them in; the plan's text, laid out by
//! [`crate::fmt`] and compiled, out.

use std::fmt::Write as _;

use super::ImportError;
use crate::lsp::rename::{quoted, written};
use crate::plan::Phase;

/// A plan being imported.
#[derive(Debug, Default)]
pub(super) struct Draft {
    /// The plan's name.
    pub(super) name: String,
    /// Comment lines above the plan.
    pub(super) header: Vec<String>,
    /// The plan's description.
    pub(super) description: String,
    /// The vault's ARM id.
    pub(super) vault: String,
    /// The primary region, and a comment when it is a guess.
    pub(super) primary: (String, Option<String>),
    /// The recovery region, and a comment when it is a guess.
    pub(super) recovery: (String, Option<String>),
    /// The plan's own `before` hooks.
    pub(super) before: Vec<HookBlock>,
    /// The groups, in order.
    pub(super) groups: Vec<Group>,
    /// What could not be carried over, for the header.
    pub(super) losses: Vec<String>,
}

/// A group of the plan.
#[derive(Debug, Default)]
pub(super) struct Group {
    /// Its name (valid, unique).
    pub(super) name: String,
    /// Comment lines above it.
    pub(super) comments: Vec<String>,
    /// The group it needs.
    pub(super) needs: Option<String>,
    /// Its own regions, when they differ from the plan's.
    pub(super) regions: Option<(String, String)>,
    /// Its VMs.
    pub(super) vms: Vec<Vm>,
    /// Comment lines for VMs left out.
    pub(super) left_out: Vec<String>,
    /// `before` hooks.
    pub(super) before: Vec<HookBlock>,
    /// `after` hooks.
    pub(super) after: Vec<HookBlock>,
}

/// A VM of a group.
#[derive(Debug, Default)]
pub(super) struct Vm {
    /// Its name (valid, unique).
    pub(super) name: String,
    /// The item it names, when its name alone would not find it.
    pub(super) item: Option<String>,
    /// A comment at its line.
    pub(super) comment: Option<String>,
}

/// Hooks that run in the same phases, in order.
#[derive(Debug)]
pub(super) struct HookBlock {
    /// The phases (never empty).
    pub(super) phases: Vec<Phase>,
    /// The hooks.
    pub(super) hooks: Vec<Hook>,
}

/// One hook: its statement and the comments above it.
#[derive(Debug)]
pub(super) struct Hook {
    /// Comment lines above it.
    pub(super) comments: Vec<String>,
    /// The statement (`manual "…"`, `runbook "…" { account "…" }`).
    pub(super) statement: String,
}

/// Appends `hook` to `blocks`: to the last block when it runs in the same
/// phases (so consecutive actions share a block), else in a new one.
pub(super) fn push_hook(blocks: &mut Vec<HookBlock>, phases: Vec<Phase>, hook: Hook) {
    match blocks.last_mut() {
        Some(last) if last.phases == phases => last.hooks.push(hook),
        _ => blocks.push(HookBlock {
            phases,
            hooks: vec![hook],
        }),
    }
}

impl Draft {
    /// The plan's text, formatted, checked to compile without errors.
    pub(super) fn render(&self) -> Result<String, ImportError> {
        let text = self.print();
        let formatted = crate::fmt::format_text(&text)
            .ok_or_else(|| ImportError::Internal(format!("it does not parse:\n{text}")))?;
        let source = crate::source::SourceFile::new("imported.drplan", formatted.as_str());
        let (plan, diagnostics) = crate::compile(&source);
        if plan.is_none() {
            let shown: String = diagnostics
                .iter()
                .map(|d| crate::render::human(&source, d, false, 100))
                .collect();
            return Err(ImportError::Internal(shown));
        }
        Ok(formatted)
    }

    fn print(&self) -> String {
        let mut out = String::new();
        for line in &self.header {
            comment(&mut out, "", line);
        }
        let _ = writeln!(out, "plan {} {{", written(&self.name));
        let _ = writeln!(out, "  description {}", quoted(&self.description));
        let _ = writeln!(out, "  vault {}", quoted(&self.vault));
        for (key, (region, note)) in [("primary", &self.primary), ("recovery", &self.recovery)] {
            if let Some(note) = note {
                comment(&mut out, "  ", note);
            }
            let _ = writeln!(out, "  {key} {}", quoted(region));
        }
        hook_blocks(&mut out, "  ", "before", &self.before);
        for group in &self.groups {
            out.push('\n');
            group.print(&mut out);
        }
        out.push_str("}\n");
        out
    }
}

impl Group {
    fn print(&self, out: &mut String) {
        for line in &self.comments {
            comment(out, "  ", line);
        }
        let _ = write!(out, "  group {}", written(&self.name));
        if let Some(needs) = &self.needs {
            let _ = write!(out, " needs {}", written(needs));
        }
        out.push_str(" {\n");
        if let Some((primary, recovery)) = &self.regions {
            let _ = writeln!(out, "    primary {}", quoted(primary));
            let _ = writeln!(out, "    recovery {}", quoted(recovery));
        }
        hook_blocks(out, "    ", "before", &self.before);
        for vm in &self.vms {
            let _ = write!(out, "    vm {}", written(&vm.name));
            if let Some(item) = &vm.item {
                let _ = write!(out, " {{ item {} }}", quoted(item));
            }
            if let Some(note) = &vm.comment {
                let _ = write!(out, "  # {}", one_line(note));
            }
            out.push('\n');
        }
        for line in &self.left_out {
            comment(out, "    ", line);
        }
        hook_blocks(out, "    ", "after", &self.after);
        out.push_str("  }\n");
    }
}

fn hook_blocks(out: &mut String, indent: &str, word: &str, blocks: &[HookBlock]) {
    for block in blocks {
        let phases: Vec<&str> = block.phases.iter().map(|p| p.as_str()).collect();
        let _ = writeln!(out, "{indent}{word} {} {{", phases.join(", "));
        for hook in &block.hooks {
            for line in &hook.comments {
                comment(out, &format!("{indent}  "), line);
            }
            let _ = writeln!(out, "{indent}  {}", hook.statement);
        }
        let _ = writeln!(out, "{indent}}}");
    }
}

/// How wide comment lines may get before they wrap (URLs and ids, which
/// have no spaces, may pass it).
const WIDTH: usize = 100;

/// Writes `text` as comment lines, wrapped at [`WIDTH`]: a comment ends at
/// the line's end, so a line break in ASR's text starts another comment
/// line. A wrapped list item (`- …`) goes on indented.
fn comment(out: &mut String, indent: &str, text: &str) {
    for line in text.split(['\n', '\r']) {
        let line = without_controls(line);
        let line = line.trim_end();
        if line.is_empty() {
            let _ = writeln!(out, "{indent}#");
            continue;
        }
        let hang = if line.starts_with("- ") { "  " } else { "" };
        let mut current = format!("{indent}#");
        let mut first = true;
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let fresh = current.len() == indent.len() + 1 + if first { 0 } else { 1 + hang.len() };
            if !fresh && current.len() + 1 + word.len() > WIDTH {
                let _ = writeln!(out, "{current}");
                current = format!("{indent}# {hang}");
                first = false;
            } else {
                current.push(' ');
            }
            current.push_str(word);
        }
        let _ = writeln!(out, "{current}");
    }
}

/// `text` on one line (for a comment at the end of a statement).
fn one_line(text: &str) -> String {
    without_controls(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` with control characters (a lone CR ends a line too) as spaces.
fn without_controls(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
