//! An error and its causes in one line: an error in; `outer: cause: root
//! cause` out, each cause once. HTTP clients' own messages rarely say why
//! (`error sending request`); the causes do (`connection refused`).

/// The error's message followed by each cause it does not already say.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::chain;

    #[test]
    fn errors_chain_their_causes_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("error sending request")]
        struct Outer(#[source] std::io::Error);
        #[derive(Debug, thiserror::Error)]
        #[error("failed: connection reset")]
        struct Says(#[source] std::io::Error);
        let error = Outer(std::io::Error::other("connection reset"));
        assert_eq!(chain(&error), "error sending request: connection reset");
        let error = Says(std::io::Error::other("connection reset"));
        assert_eq!(chain(&error), "failed: connection reset");
    }
}
