//! The base protocol's framing, read from a byte stream: header lines
//! (`Content-Length: N`, then an empty line) and a body of N bytes in; frame
//! bodies out, or what was wrong with a frame. Nothing from the client
//! decides an allocation up front: a header line is kept up to
//! [`MAX_HEADER_LINE`] bytes, a body grows as its bytes arrive, and a body
//! over [`MAX_FRAME`] is read and dropped as it comes. After a frame whose
//! length cannot be known (no, two or an unreadable `Content-Length`),
//! reading goes on from the next `Content-Length` in the stream.

use std::io::{self, BufRead};

/// The largest body read: 64 MiB, far above any plan (a plan of a million
/// VMs is about 20 MB).
pub(super) const MAX_FRAME: u64 = 64 << 20;

/// The longest header line kept; `Content-Length` and `Content-Type` lines
/// are a few dozen bytes.
const MAX_HEADER_LINE: usize = 1024;

const LENGTH: &[u8] = b"Content-Length";

/// What was wrong with a frame; the frame itself is dropped.
#[derive(Debug, thiserror::Error)]
pub(super) enum FrameError {
    #[error("a message header has no `Content-Length`")]
    NoLength,
    #[error("a message header has `Content-Length` more than once")]
    TwoLengths,
    #[error("`Content-Length` is not a byte count: `{0}`")]
    BadLength(String),
    #[error("a message header line is not `Name: value`: `{0}`")]
    BadHeader(String),
    #[error("a message header line is longer than {MAX_HEADER_LINE} bytes")]
    LongHeader,
    #[error("a message of {0} bytes is over the 64 MiB limit of drplan lsp; it was skipped unread")]
    TooLarge(u64),
}

/// One frame as read.
#[derive(Debug)]
pub(super) enum Frame {
    /// A whole body.
    Body(Vec<u8>),
    /// A frame that could not be read; the stream goes on after it.
    Broken(FrameError),
}

/// What is left to skip before the next frame.
#[derive(Debug, Clone, Copy)]
enum Skip {
    Nothing,
    /// The body of a frame that was refused.
    Bytes(u64),
    /// Everything up to the next `Content-Length`: where a frame ends is unknown.
    ToNextLength,
}

/// One line read by [`Frames::line`].
enum Line {
    Kept,
    TooLong,
    /// The input ended (within the line if any bytes came).
    End,
}

/// Frames read one at a time from `input`.
pub(super) struct Frames<R> {
    input: R,
    skip: Skip,
}

impl<R: BufRead> Frames<R> {
    pub(super) fn new(input: R) -> Self {
        Self {
            input,
            skip: Skip::Nothing,
        }
    }

    /// The next frame, or `None` when the input ends (between frames or
    /// inside one: a half-sent frame is no message). A broken frame is
    /// reported before its body is skipped, so the client hears of it even
    /// when the body never comes.
    pub(super) fn next(&mut self) -> io::Result<Option<Frame>> {
        let mut line = Vec::new();
        match std::mem::replace(&mut self.skip, Skip::Nothing) {
            Skip::Nothing => {}
            Skip::Bytes(n) => {
                if !self.discard(n)? {
                    return Ok(None);
                }
            }
            Skip::ToNextLength => {
                if !self.seek_length()? {
                    return Ok(None);
                }
                line.extend_from_slice(LENGTH);
            }
        }
        let mut length = None;
        let mut problem = None;
        let mut first = true;
        loop {
            match self.line(&mut line)? {
                Line::End => {
                    if !first || !line.is_empty() {
                        tracing::warn!("drplan lsp: the input ended inside a message header");
                    }
                    return Ok(None);
                }
                Line::TooLong => {
                    problem.get_or_insert(FrameError::LongHeader);
                }
                Line::Kept => {
                    let text = line.strip_suffix(b"\n").unwrap_or(&line);
                    let text = text.strip_suffix(b"\r").unwrap_or(text);
                    if text.is_empty() {
                        break;
                    }
                    // The rest of a body longer than its `Content-Length`
                    // said, before the next frame's header: that body was
                    // answered already, so its tail is only dropped.
                    let text = match find(text, LENGTH) {
                        Some(start) if first && start > 0 && header(text).is_none() => {
                            tracing::warn!("drplan lsp: {start} bytes between messages dropped");
                            &text[start..]
                        }
                        _ => text,
                    };
                    if let Err(e) = length_header(text, &mut length) {
                        problem.get_or_insert(e);
                    }
                }
            }
            line.clear();
            first = false;
        }
        let problem = match (problem, length) {
            (Some(problem), _) => problem,
            (None, None) => FrameError::NoLength,
            (None, Some(Length::Two)) => FrameError::TwoLengths,
            (None, Some(Length::Once(n))) if n > MAX_FRAME => FrameError::TooLarge(n),
            (None, Some(Length::Once(n))) => return self.body(n),
        };
        self.skip = match length {
            Some(Length::Once(n)) => Skip::Bytes(n),
            _ => Skip::ToNextLength,
        };
        Ok(Some(Frame::Broken(problem)))
    }

    /// Reads a body of `length` bytes (at most [`MAX_FRAME`]), growing the
    /// buffer as the bytes come.
    fn body(&mut self, length: u64) -> io::Result<Option<Frame>> {
        let mut body = Vec::new();
        Ok(self
            .pass(length, Some(&mut body))?
            .then_some(Frame::Body(body)))
    }

    /// Reads and drops `n` bytes; `false` when the input ends first.
    fn discard(&mut self, n: u64) -> io::Result<bool> {
        self.pass(n, None)
    }

    /// Reads `n` bytes as they come, into `keep` if given; `false` when the
    /// input ends first.
    fn pass(&mut self, n: u64, mut keep: Option<&mut Vec<u8>>) -> io::Result<bool> {
        let mut left = n;
        while left > 0 {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                tracing::warn!("drplan lsp: the input ended inside a message");
                return Ok(false);
            }
            let take = available
                .len()
                .min(usize::try_from(left).unwrap_or(usize::MAX));
            if let Some(keep) = keep.as_mut() {
                keep.extend_from_slice(&available[..take]);
            }
            self.input.consume(take);
            left -= take as u64;
        }
        Ok(true)
    }

    /// Drops bytes up to and including the next `Content-Length`; `false`
    /// when the input ends first.
    fn seek_length(&mut self) -> io::Result<bool> {
        let mut matched = 0;
        loop {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                return Ok(false);
            }
            let mut used = 0;
            for &b in available {
                used += 1;
                // `C` occurs once in the pattern, so a mismatch restarts at
                // this byte.
                matched = if b == LENGTH[matched] {
                    matched + 1
                } else {
                    usize::from(b == LENGTH[0])
                };
                if matched == LENGTH.len() {
                    self.input.consume(used);
                    return Ok(true);
                }
            }
            self.input.consume(used);
        }
    }

    /// Appends one line, through its `\n`, to `line` (which may hold the
    /// start of it already), keeping at most [`MAX_HEADER_LINE`] bytes.
    fn line(&mut self, line: &mut Vec<u8>) -> io::Result<Line> {
        let mut too_long = false;
        loop {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                return Ok(Line::End);
            }
            let (take, done) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (available.len(), false),
            };
            too_long = too_long || line.len() + take > MAX_HEADER_LINE;
            if !too_long {
                line.extend_from_slice(&available[..take]);
            }
            self.input.consume(take);
            if done {
                return Ok(if too_long { Line::TooLong } else { Line::Kept });
            }
        }
    }
}

/// `Content-Length` as the header says it.
#[derive(Debug, Clone, Copy)]
enum Length {
    Once(u64),
    /// More than once, with different values.
    Two,
}

/// Reads one header line (without its line end) into `length` when it is
/// `Content-Length`; other headers (`Content-Type`) are allowed and ignored.
fn length_header(line: &[u8], length: &mut Option<Length>) -> Result<(), FrameError> {
    let Some((name, value)) = header(line) else {
        return Err(FrameError::BadHeader(
            String::from_utf8_lossy(line).escape_debug().to_string(),
        ));
    };
    if !name.eq_ignore_ascii_case("Content-Length") {
        return Ok(());
    }
    let n = value
        .parse::<u64>()
        .ok()
        .filter(|_| value.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| FrameError::BadLength(value.escape_debug().to_string()))?;
    match *length {
        None => *length = Some(Length::Once(n)),
        // Twice the same: where the frame ends is known, but it is refused.
        Some(Length::Once(m)) if m == n => return Err(FrameError::TwoLengths),
        Some(_) => *length = Some(Length::Two),
    }
    Ok(())
}

/// A header line's name and value, when it is `Name: value` with a name of
/// token characters (RFC 9110).
fn header(line: &[u8]) -> Option<(&str, &str)> {
    let (name, value) = std::str::from_utf8(line).ok()?.split_once(':')?;
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    (!name.is_empty() && name.bytes().all(token)).then_some((name, value.trim_matches([' ', '\t'])))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every frame of `input`: bodies as text, broken frames as their error.
    fn frames(input: &[u8]) -> Vec<String> {
        let mut frames = Frames::new(input);
        let mut out = Vec::new();
        while let Some(frame) = frames.next().unwrap() {
            out.push(match frame {
                Frame::Body(body) => String::from_utf8(body).unwrap(),
                Frame::Broken(e) => format!("error: {e}"),
            });
        }
        out
    }

    #[test]
    fn frames_follow_their_length() {
        assert_eq!(
            frames(b"Content-Length: 2\r\n\r\n{}content-length:3\r\nContent-Type: x\r\n\r\n[1]"),
            ["{}", "[1]"]
        );
        assert_eq!(frames(b""), Vec::<String>::new());
        assert_eq!(frames(b"Content-Length: 5\r\n\r\n{}"), Vec::<String>::new());
    }

    #[test]
    fn a_broken_frame_is_reported_and_reading_goes_on() {
        assert_eq!(
            frames(b"Content-Length: x\r\n\r\n{}Content-Length: 2\r\n\r\n[]"),
            ["error: `Content-Length` is not a byte count: `x`", "[]"]
        );
        assert_eq!(
            frames(b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}Content-Length: 2\r\n\r\n[]"),
            [
                "error: a message header has `Content-Length` more than once",
                "[]"
            ]
        );
        assert_eq!(
            frames(b"Content-Length: 1\r\nContent-Length: 2\r\n\r\n{}Content-Length: 2\r\n\r\n[]"),
            [
                "error: a message header has `Content-Length` more than once",
                "[]"
            ]
        );
        let long = format!("X: {}\r\nContent-Length: 2\r\n\r\n{{}}", "x".repeat(5000));
        assert_eq!(
            frames(long.as_bytes()),
            ["error: a message header line is longer than 1024 bytes"]
        );
    }

    #[test]
    fn the_tail_of_a_body_longer_than_said_is_dropped() {
        assert_eq!(
            frames(b"Content-Length: 2\r\n\r\n{}  }Content-Length: 2\r\n\r\n[]"),
            ["{}", "[]"]
        );
    }
}
