//! Go to definition, find references and highlights, for groups and VMs:
//! every occurrence of a name of the same kind (definitions and `needs`) in
//! the file.

use lsp_types::{DocumentHighlight, DocumentHighlightKind, Location, Uri};

use super::document::{Document, NameRef};

/// Where the name under the cursor is defined.
pub(super) fn definition(uri: &Uri, doc: &Document, offset: usize) -> Option<Location> {
    let at = doc.name_at(offset)?;
    let def = same(doc, at).find(|n| n.definition)?;
    Some(Location {
        uri: uri.clone(),
        range: doc.range(def.span),
    })
}

/// Every occurrence of the name under the cursor.
pub(super) fn references(
    uri: &Uri,
    doc: &Document,
    offset: usize,
    declaration: bool,
) -> Vec<Location> {
    let Some(at) = doc.name_at(offset) else {
        return Vec::new();
    };
    same(doc, at)
        .filter(|n| declaration || !n.definition)
        .map(|n| Location {
            uri: uri.clone(),
            range: doc.range(n.span),
        })
        .collect()
}

/// Every occurrence of the name under the cursor, for the editor to mark:
/// the definition as written, uses as read.
pub(super) fn highlights(doc: &Document, offset: usize) -> Vec<DocumentHighlight> {
    let Some(at) = doc.name_at(offset) else {
        return Vec::new();
    };
    same(doc, at)
        .map(|n| DocumentHighlight {
            range: doc.range(n.span),
            kind: Some(if n.definition {
                DocumentHighlightKind::WRITE
            } else {
                DocumentHighlightKind::READ
            }),
        })
        .collect()
}

/// Every occurrence of the same name as `at`, of the same kind.
pub(super) fn same<'d>(doc: &'d Document, at: NameRef<'d>) -> impl Iterator<Item = NameRef<'d>> {
    doc.names()
        .filter(move |n| n.kind == at.kind && n.text == at.text)
}
