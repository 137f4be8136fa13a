//! A tiny hand-written PostgreSQL protocol client, for checking exactly which messages the
//! server sends (NoData vs RowDescription, ParameterStatus, ReadyForQuery status bytes) and
//! for sending malformed input that no driver would.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One backend message: its type byte and body.
#[derive(Debug, Clone)]
pub struct Message {
    pub tag: u8,
    pub body: Vec<u8>,
}

impl Message {
    /// The fields of an ErrorResponse or NoticeResponse by field code.
    pub fn field(&self, code: u8) -> Option<String> {
        let mut rest = &self.body[..];
        while let Some((&c, tail)) = rest.split_first() {
            if c == 0 {
                break;
            }
            let end = tail.iter().position(|&b| b == 0)?;
            if c == code {
                return Some(String::from_utf8_lossy(&tail[..end]).into_owned());
            }
            rest = &tail[end + 1..];
        }
        None
    }

    /// A ParameterStatus message's name and value.
    pub fn parameter(&self) -> Option<(String, String)> {
        let mut parts = self.body.split(|&b| b == 0);
        let name = String::from_utf8_lossy(parts.next()?).into_owned();
        let value = String::from_utf8_lossy(parts.next()?).into_owned();
        Some((name, value))
    }

    /// The type OIDs of a ParameterDescription.
    pub fn parameter_types(&self) -> Vec<u32> {
        let n = u16::from_be_bytes([self.body[0], self.body[1]]) as usize;
        (0..n)
            .map(|i| {
                let at = 2 + 4 * i;
                u32::from_be_bytes([
                    self.body[at],
                    self.body[at + 1],
                    self.body[at + 2],
                    self.body[at + 3],
                ])
            })
            .collect()
    }

    /// The text of each column of a DataRow (None for NULL).
    pub fn data_row(&self) -> Vec<Option<String>> {
        let n = u16::from_be_bytes([self.body[0], self.body[1]]) as usize;
        let mut at = 2;
        let mut values = Vec::with_capacity(n);
        for _ in 0..n {
            let len = i32::from_be_bytes([
                self.body[at],
                self.body[at + 1],
                self.body[at + 2],
                self.body[at + 3],
            ]);
            at += 4;
            if len < 0 {
                values.push(None);
            } else {
                let len = len as usize;
                values.push(Some(
                    String::from_utf8_lossy(&self.body[at..at + len]).into_owned(),
                ));
                at += len;
            }
        }
        values
    }

    /// A CommandComplete tag.
    pub fn tag_text(&self) -> String {
        String::from_utf8_lossy(self.body.strip_suffix(&[0]).unwrap_or(&self.body)).into_owned()
    }
}

pub struct RawConn {
    stream: TcpStream,
}

fn cstr(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

impl RawConn {
    /// Connects and completes startup, returning the messages before the first ReadyForQuery.
    pub fn connect(port: u16) -> (RawConn, Vec<Message>) {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let mut conn = RawConn { stream };
        let mut body = Vec::new();
        body.extend_from_slice(&196608i32.to_be_bytes());
        for (k, v) in [("user", "raw"), ("database", "raw")] {
            cstr(&mut body, k);
            cstr(&mut body, v);
        }
        body.push(0);
        let mut packet = ((body.len() + 4) as i32).to_be_bytes().to_vec();
        packet.extend_from_slice(&body);
        conn.stream.write_all(&packet).expect("send startup");
        let startup = conn.until_ready();
        (conn, startup)
    }

    pub fn send(&mut self, tag: u8, body: &[u8]) {
        let mut packet = vec![tag];
        packet.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
        packet.extend_from_slice(body);
        self.stream.write_all(&packet).expect("send");
    }

    /// Writes raw bytes (for malformed input).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send raw");
    }

    /// The next message, or None if the server closed the connection.
    pub fn recv(&mut self) -> Option<Message> {
        let mut header = [0u8; 5];
        self.stream.read_exact(&mut header).ok()?;
        let len = i32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        let mut body = vec![0u8; len.saturating_sub(4)];
        self.stream.read_exact(&mut body).ok()?;
        Some(Message {
            tag: header[0],
            body,
        })
    }

    /// Messages up to and including the next ReadyForQuery.
    pub fn until_ready(&mut self) -> Vec<Message> {
        let mut messages = Vec::new();
        while let Some(m) = self.recv() {
            let done = m.tag == b'Z';
            messages.push(m);
            if done {
                break;
            }
        }
        messages
    }

    pub fn query(&mut self, sql: &str) -> Vec<Message> {
        let mut body = Vec::new();
        cstr(&mut body, sql);
        self.send(b'Q', &body);
        self.until_ready()
    }

    pub fn parse(&mut self, name: &str, sql: &str, oids: &[u32]) {
        let mut body = Vec::new();
        cstr(&mut body, name);
        cstr(&mut body, sql);
        body.extend_from_slice(&(oids.len() as i16).to_be_bytes());
        for oid in oids {
            body.extend_from_slice(&oid.to_be_bytes());
        }
        self.send(b'P', &body);
    }

    /// Bind with text parameters (None is NULL) and the given result format codes.
    pub fn bind(
        &mut self,
        portal: &str,
        statement: &str,
        params: &[Option<&str>],
        formats: &[i16],
    ) {
        let mut body = Vec::new();
        cstr(&mut body, portal);
        cstr(&mut body, statement);
        body.extend_from_slice(&0i16.to_be_bytes());
        body.extend_from_slice(&(params.len() as i16).to_be_bytes());
        for p in params {
            match p {
                Some(v) => {
                    body.extend_from_slice(&(v.len() as i32).to_be_bytes());
                    body.extend_from_slice(v.as_bytes());
                }
                None => body.extend_from_slice(&(-1i32).to_be_bytes()),
            }
        }
        body.extend_from_slice(&(formats.len() as i16).to_be_bytes());
        for f in formats {
            body.extend_from_slice(&f.to_be_bytes());
        }
        self.send(b'B', &body);
    }

    pub fn describe(&mut self, kind: u8, name: &str) {
        let mut body = vec![kind];
        cstr(&mut body, name);
        self.send(b'D', &body);
    }

    pub fn execute(&mut self, portal: &str, max_rows: i32) {
        let mut body = Vec::new();
        cstr(&mut body, portal);
        body.extend_from_slice(&max_rows.to_be_bytes());
        self.send(b'E', &body);
    }

    pub fn sync(&mut self) -> Vec<Message> {
        self.send(b'S', &[]);
        self.until_ready()
    }
}

/// The type bytes of a message list, as a string (`"1t n Z"` style checks).
pub fn tags(messages: &[Message]) -> String {
    messages.iter().map(|m| m.tag as char).collect()
}
