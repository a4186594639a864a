//! `Writer`: encoding responses, with record sets spliced in from log files.

use crate::varint;

/// A part of an encoded response: bytes we wrote, or a range of a log file that the
/// network layer sends straight from the file (no copy through user space).
pub enum ResponsePart<F> {
    Bytes(Vec<u8>),
    File(F),
}

/// An encoded response body. `F` is whatever the caller uses for file ranges (the
/// storage engine's `FileSlice`); the codec only needs its length.
pub struct ResponseBody<F> {
    pub parts: Vec<ResponsePart<F>>,
    pub len: usize,
}

/// Writes primitives. Record sets that live in files are added with
/// [`Writer::file_records`] and kept as separate parts.
#[derive(Default)]
pub struct Writer {
    buf: Vec<u8>,
    /// Byte positions in `buf` where a file part goes, with its length and its index
    /// in `files`.
    splices: Vec<(usize, usize)>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            buf: Vec::with_capacity(capacity),
            ..Self::default()
        }
    }

    pub fn i8(&mut self, v: i8) {
        self.buf.push(v as u8);
    }
    pub fn bool(&mut self, v: bool) {
        self.buf.push(v as u8);
    }
    pub fn i16(&mut self, v: i16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }
    pub fn i32(&mut self, v: i32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }
    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }
    pub fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }
    pub fn uuid(&mut self, v: &[u8; 16]) {
        self.buf.extend_from_slice(v);
    }
    pub fn unsigned_varint(&mut self, v: u32) {
        varint::write_unsigned_varint(v, &mut self.buf);
    }
    pub fn varint(&mut self, v: i32) {
        varint::write_varint(v, &mut self.buf);
    }

    /// A length prefix for a value of `len` items (`None` = null).
    fn length(&mut self, flexible: bool, wide: bool, len: Option<usize>) {
        match (flexible, len) {
            (true, None) => self.unsigned_varint(0),
            (true, Some(n)) => self.unsigned_varint(n as u32 + 1),
            (false, None) if wide => self.i32(-1),
            (false, None) => self.i16(-1),
            (false, Some(n)) if wide => self.i32(n as i32),
            (false, Some(n)) => self.i16(n as i16),
        }
    }

    pub fn nullable_string(&mut self, flexible: bool, v: Option<&str>) {
        self.length(flexible, false, v.map(str::len));
        if let Some(v) = v {
            self.buf.extend_from_slice(v.as_bytes());
        }
    }
    pub fn string(&mut self, flexible: bool, v: &str) {
        self.nullable_string(flexible, Some(v));
    }
    pub fn nullable_bytes(&mut self, flexible: bool, v: Option<&[u8]>) {
        self.length(flexible, true, v.map(<[u8]>::len));
        if let Some(v) = v {
            self.buf.extend_from_slice(v);
        }
    }
    pub fn bytes(&mut self, flexible: bool, v: &[u8]) {
        self.nullable_bytes(flexible, Some(v));
    }

    /// A records field whose bytes stay in a file: the length prefix is written now,
    /// the bytes are sent from the file. `None` writes a null records field.
    pub fn file_records(&mut self, flexible: bool, len: Option<usize>) {
        self.length(flexible, true, len);
        if let Some(len) = len {
            self.splices.push((self.buf.len(), len));
        }
    }

    pub fn array_len(&mut self, flexible: bool, len: Option<usize>) {
        self.length(flexible, true, len);
    }

    pub fn array<T>(
        &mut self,
        flexible: bool,
        items: &[T],
        mut element: impl FnMut(&mut Self, &T),
    ) {
        self.array_len(flexible, Some(items.len()));
        for item in items {
            element(self, item);
        }
    }

    /// An empty tagged-field section (flexible versions only).
    pub fn empty_tagged_fields(&mut self, flexible: bool) {
        if flexible {
            self.unsigned_varint(0);
        }
    }

    /// Bytes written so far, not counting file parts.
    pub fn bytes_written(&self) -> &[u8] {
        &self.buf
    }

    /// Splits the output at the file splices, filling them from `files` in order. There
    /// must be one file part per [`Writer::file_records`] call, of the length given there.
    pub fn finish<F>(self, files: impl IntoIterator<Item = F>) -> ResponseBody<F> {
        let mut files = files.into_iter();
        let mut parts = Vec::with_capacity(self.splices.len() * 2 + 1);
        let mut len = self.buf.len();
        let mut start = 0;
        let mut buf = self.buf;
        let mut rest;
        for (at, file_len) in self.splices {
            rest = buf.split_off(at - start);
            parts.push(ResponsePart::Bytes(buf));
            if let Some(file) = files.next() {
                parts.push(ResponsePart::File(file));
                len += file_len;
            }
            start = at;
            buf = rest;
        }
        parts.push(ResponsePart::Bytes(buf));
        ResponseBody { parts, len }
    }
}

impl From<Writer> for Vec<u8> {
    fn from(writer: Writer) -> Self {
        writer.buf
    }
}
