//! The project's documentation stands on its own: no page points outside the
//! repository (into `../shared/`, say), and every relative link of the
//! README, CLI.md, the language reference and the editors' pages reaches a
//! file that exists, and a heading of it when the link names one.

use std::path::{Path, PathBuf};

use crate::support;

const PAGES: &[&str] = &[
    "README.md",
    "CLI.md",
    "grammar/README.md",
    "editors/README.md",
    "editors/vim/README.md",
    "editors/neovim/README.md",
    "editors/vscode/README.md",
    "editors/tree-sitter-drplan/README.md",
];

/// The targets of a page's links: inline `[text](target)` and reference
/// definitions `[name]: target`.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for piece in text.split("](").skip(1) {
        if let Some(end) = piece.find(')') {
            found.push(piece[..end].trim().to_string());
        }
    }
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix('[')
            && let Some((_, target)) = rest.split_once("]: ")
        {
            found.push(target.trim().to_string());
        }
    }
    found
}

/// GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(page: &Path) -> Vec<String> {
    std::fs::read_to_string(page)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| anchor(l.trim_start_matches('#')))
        .collect()
}

#[test]
fn documentation_points_nowhere_outside_the_repository_and_every_link_resolves() {
    let root = support::root();
    for page in PAGES {
        let path = root.join(page);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("../shared") && !text.contains("shared/spec"),
            "{page} points into ../shared/, which a clone does not have"
        );
        let dir = path.parent().unwrap();
        for link in links(&text) {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (file, heading) = link.split_once('#').unwrap_or((&link, ""));
            let target: PathBuf = if file.is_empty() {
                path.clone()
            } else {
                dir.join(file)
            };
            assert!(
                target.exists(),
                "{page} links to {link}, which is not in the repository"
            );
            let inside = target.canonicalize().unwrap();
            assert!(
                inside.starts_with(root.canonicalize().unwrap()),
                "{page} links to {link}, outside the repository"
            );
            if !heading.is_empty() && target.extension().is_some_and(|e| e == "md") {
                assert!(
                    anchors(&target).iter().any(|a| a == heading),
                    "{page} links to {link}, but {} has no such heading",
                    target.display()
                );
            }
        }
    }
}
