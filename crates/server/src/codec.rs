//! Reading frontend messages: pgwire's decoder, with a faster path for a complete simple Query.
//!
//! pgwire finds a Query's end byte by byte and converts its text with
//! `String::from_utf8_lossy`, whose validation has no ASCII fast path: for the 100 KB
//! statements of a bulk load by multi-row INSERTs, that was 7% of the server's time. A Query
//! that is entirely in the buffer, whose text is valid UTF-8 and ends at the message's only
//! NUL, is decoded here into the same message with the standard library's vectorised
//! search and validation. Everything else — a message still arriving, one too large, invalid
//! UTF-8, bytes after the NUL, any other message type, and everything before startup ends —
//! goes to pgwire unchanged, so its errors and edge cases stay pgwire's.
//!
//! The connection keeps pgwire's codec (its handlers need it) and switches to this one only
//! to read, with `Framed::map_codec`, which keeps the buffers.

use bytes::{Buf, BytesMut};
use pgwire::error::PgWireError;
use pgwire::messages::PgWireFrontendMessage;
use pgwire::messages::simplequery::Query;
use pgwire::tokio::server::PgWireMessageServerCodec;
use tokio_util::codec::Decoder;

/// pgwire's limit on a Query message's length (its `LARGE_PACKET_SIZE_LIMIT`): longer ones
/// go to pgwire, which refuses them.
const MAX_QUERY_MESSAGE_BYTES: usize = 0x3fff_fffe;

/// pgwire's server codec plus the Query fast path.
pub struct ReadCodec {
    inner: PgWireMessageServerCodec<String>,
    /// Startup is over: messages carry a type byte (the startup packet has none).
    typed_messages: bool,
}

impl ReadCodec {
    pub fn new(inner: PgWireMessageServerCodec<String>, typed_messages: bool) -> ReadCodec {
        ReadCodec {
            inner,
            typed_messages,
        }
    }

    pub fn into_inner(self) -> PgWireMessageServerCodec<String> {
        self.inner
    }
}

/// The text of a complete Query message at the front of `src`, and the message's length
/// (type byte included); None whenever pgwire should decode it instead.
fn complete_query(src: &[u8]) -> Option<(&str, usize)> {
    let (&b'Q', rest) = src.split_first()? else {
        return None;
    };
    let length_bytes: [u8; 4] = rest.get(..4)?.try_into().ok()?;
    let length = u32::from_be_bytes(length_bytes) as usize;
    if !(5..=MAX_QUERY_MESSAGE_BYTES).contains(&length) {
        return None;
    }
    let body = rest.get(4..length)?;
    let (&0, text) = body.split_last()? else {
        return None;
    };
    if text.contains(&0) {
        return None;
    }
    Some((std::str::from_utf8(text).ok()?, 1 + length))
}

impl Decoder for ReadCodec {
    type Item = PgWireFrontendMessage;
    type Error = PgWireError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, Self::Error> {
        if self.typed_messages
            && let Some((text, message_bytes)) = complete_query(src)
        {
            let query = Query::new(text.to_owned());
            src.advance(message_bytes);
            return Ok(Some(PgWireFrontendMessage::Query(query)));
        }
        self.inner.decode(src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BufMut;
    use pgwire::messages::DecodeContext;

    fn query_message(body: &[u8]) -> Vec<u8> {
        let mut m = vec![b'Q'];
        m.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
        m.extend_from_slice(body);
        m
    }

    /// What pgwire itself decodes from the same bytes.
    fn pgwire_decode(bytes: &[u8]) -> Option<String> {
        let mut buf = BytesMut::from(bytes);
        let mut ctx = DecodeContext::default();
        ctx.awaiting_frontend_ssl = false;
        ctx.awaiting_frontend_startup = false;
        match PgWireFrontendMessage::decode(&mut buf, &ctx) {
            Ok(Some(PgWireFrontendMessage::Query(q))) => Some(q.query),
            _ => None,
        }
    }

    #[test]
    fn complete_queries_decode_as_pgwire_decodes_them() {
        for text in [
            "SELECT 1",
            "",
            "INSERT INTO t VALUES ('é☃'), ('x')",
            "a;b;c",
        ] {
            let mut body = text.as_bytes().to_vec();
            body.push(0);
            let message = query_message(&body);
            let (decoded, len) = complete_query(&message).expect(text);
            assert_eq!(decoded, text);
            assert_eq!(len, message.len());
            assert_eq!(pgwire_decode(&message).as_deref(), Some(text));
        }
    }

    #[test]
    fn anything_unusual_is_left_to_pgwire() {
        let full = query_message(b"SELECT 1\0");
        // Still arriving.
        for cut in 0..full.len() {
            assert_eq!(complete_query(&full[..cut]), None, "cut at {cut}");
        }
        // Invalid UTF-8 (pgwire replaces it), bytes after the NUL, no NUL, a NUL inside.
        for body in [
            &b"SELECT \xff\0"[..],
            b"SELECT 1\0junk",
            b"SELECT 1",
            b"SEL\0ECT\0",
        ] {
            assert_eq!(complete_query(&query_message(body)), None, "{body:?}");
        }
        // A length below the minimum, another message type.
        assert_eq!(complete_query(b"Q\0\0\0\x03\0"), None);
        assert_eq!(complete_query(b"P\0\0\0\x05\0"), None);
    }

    #[test]
    fn the_codec_consumes_exactly_one_message() {
        let mut buf = BytesMut::new();
        buf.put_slice(&query_message(b"SELECT 1\0"));
        buf.put_slice(&query_message(b"SELECT 2\0")[..6]);
        let codec = PgWireMessageServerCodec::new(pgwire::api::DefaultClient::new(
            "127.0.0.1:5432".parse().expect("address"),
            false,
        ));
        let mut codec = ReadCodec::new(codec, true);
        match codec.decode(&mut buf) {
            Ok(Some(PgWireFrontendMessage::Query(q))) => assert_eq!(q.query, "SELECT 1"),
            other => panic!("{other:?}"),
        }
        // The partial second message stays for the next read.
        assert_eq!(buf.len(), 6);
    }
}
