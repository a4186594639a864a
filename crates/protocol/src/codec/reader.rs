//! `Reader`: bounded decoding over one request frame.

use super::{DecodeError, FrameRange};

/// Reads primitives from a frame. Positions are offsets into the frame, so byte fields
/// can be returned as [`FrameRange`]s.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// A reader over `buf` starting at `pos` (e.g. after the request header).
    pub fn at(buf: &'a [u8], pos: usize) -> Self {
        Self {
            buf,
            pos: pos.min(buf.len()),
        }
    }

    pub fn position(&self) -> usize {
        self.pos
    }
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    pub fn frame(&self) -> &'a [u8] {
        self.buf
    }

    /// Fails unless every byte was consumed.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            remaining => Err(DecodeError::TrailingBytes { remaining }),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return Err(DecodeError::Truncated {
                needed: n - self.remaining(),
                position: self.pos,
            });
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub fn i8(&mut self) -> Result<i8, DecodeError> {
        Ok(i8::from_be_bytes(self.fixed()?))
    }
    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        Ok(self.i8()? != 0)
    }
    pub fn i16(&mut self) -> Result<i16, DecodeError> {
        Ok(i16::from_be_bytes(self.fixed()?))
    }
    pub fn i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.fixed()?))
    }
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.fixed()?))
    }
    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_be_bytes(self.fixed()?))
    }
    pub fn f64(&mut self) -> Result<f64, DecodeError> {
        Ok(f64::from_be_bytes(self.fixed()?))
    }
    pub fn uuid(&mut self) -> Result<[u8; 16], DecodeError> {
        self.fixed()
    }

    pub fn unsigned_varint(&mut self) -> Result<u32, DecodeError> {
        let position = self.pos;
        let (value, used) = crate::varint::read_unsigned_varint(&self.buf[self.pos..]).map_err(
            |err| match err {
                crate::varint::VarintError::Truncated => DecodeError::Truncated {
                    needed: 1,
                    position,
                },
                _ => DecodeError::InvalidVarint { position },
            },
        )?;
        self.pos += used;
        Ok(value)
    }

    pub fn varint(&mut self) -> Result<i32, DecodeError> {
        let position = self.pos;
        let (value, used) = crate::varint::read_varint(&self.buf[self.pos..])
            .map_err(|_| DecodeError::InvalidVarint { position })?;
        self.pos += used;
        Ok(value)
    }

    /// A length prefix: int16/int32 in classic versions, unsigned varint N+1 in flexible
    /// ones (0 meaning null). `None` is null. The length is checked against the bytes
    /// left times `min_element_size`, so it cannot make us allocate beyond the frame.
    fn length(
        &mut self,
        flexible: bool,
        wide: bool,
        min_element_size: usize,
        what: &'static str,
    ) -> Result<Option<usize>, DecodeError> {
        let position = self.pos;
        let raw: i64 = if flexible {
            self.unsigned_varint()? as i64 - 1
        } else if wide {
            self.i32()? as i64
        } else {
            self.i16()? as i64
        };
        if raw < -1 {
            return Err(DecodeError::InvalidLength {
                what,
                length: raw,
                position,
            });
        }
        if raw == -1 {
            return Ok(None);
        }
        let length = raw as usize;
        if length.saturating_mul(min_element_size.max(1)) > self.remaining() {
            return Err(DecodeError::InvalidLength {
                what,
                length: raw,
                position,
            });
        }
        Ok(Some(length))
    }

    pub fn nullable_string(&mut self, flexible: bool) -> Result<Option<&'a str>, DecodeError> {
        let Some(len) = self.length(flexible, false, 1, "string")? else {
            return Ok(None);
        };
        let position = self.pos;
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes)
            .map(Some)
            .map_err(|_| DecodeError::InvalidUtf8 { position })
    }

    pub fn string(&mut self, flexible: bool) -> Result<&'a str, DecodeError> {
        self.nullable_string(flexible)?
            .ok_or(DecodeError::UnexpectedNull { what: "string" })
    }

    /// A byte field as a range of the frame; `None` when null.
    pub fn nullable_bytes_range(
        &mut self,
        flexible: bool,
    ) -> Result<Option<FrameRange>, DecodeError> {
        let Some(len) = self.length(flexible, true, 1, "bytes")? else {
            return Ok(None);
        };
        let start = self.pos;
        self.take(len)?;
        Ok(Some(start..start + len))
    }

    pub fn nullable_bytes(&mut self, flexible: bool) -> Result<Option<&'a [u8]>, DecodeError> {
        Ok(self.nullable_bytes_range(flexible)?.map(|r| &self.buf[r]))
    }

    pub fn bytes(&mut self, flexible: bool) -> Result<&'a [u8], DecodeError> {
        self.nullable_bytes(flexible)?
            .ok_or(DecodeError::UnexpectedNull { what: "bytes" })
    }

    /// A nullable array whose elements each take at least `min_element_size` bytes.
    pub fn nullable_array<T>(
        &mut self,
        flexible: bool,
        min_element_size: usize,
        mut element: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Option<Vec<T>>, DecodeError> {
        let Some(len) = self.length(flexible, true, min_element_size, "array")? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(len);
        for _ in 0..len {
            out.push(element(self)?);
        }
        Ok(Some(out))
    }

    /// An array (null is read as empty, as Kafka's generated code tolerates).
    pub fn array<T>(
        &mut self,
        flexible: bool,
        min_element_size: usize,
        element: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        Ok(self
            .nullable_array(flexible, min_element_size, element)?
            .unwrap_or_default())
    }

    /// Tagged fields (flexible versions only): calls `known(tag, reader)` for each tag,
    /// which returns `false` to skip one it does not know.
    pub fn tagged_fields(
        &mut self,
        flexible: bool,
        mut known: impl FnMut(u32, &mut Self) -> Result<bool, DecodeError>,
    ) -> Result<(), DecodeError> {
        if !flexible {
            return Ok(());
        }
        let count = self.unsigned_varint()? as usize;
        if count > self.remaining() {
            return Err(DecodeError::InvalidLength {
                what: "tagged fields",
                length: count as i64,
                position: self.pos,
            });
        }
        for _ in 0..count {
            let tag = self.unsigned_varint()?;
            let size = self.unsigned_varint()? as usize;
            let start = self.pos;
            let end = start
                .checked_add(size)
                .filter(|e| *e <= self.buf.len())
                .ok_or(DecodeError::Truncated {
                    needed: size,
                    position: start,
                })?;
            // A known field is read from a reader bounded to its declared size.
            let mut field = Reader {
                buf: &self.buf[..end],
                pos: start,
            };
            known(tag, &mut field)?;
            self.pos = end;
        }
        Ok(())
    }

    /// Skips tagged fields.
    pub fn skip_tagged_fields(&mut self, flexible: bool) -> Result<(), DecodeError> {
        self.tagged_fields(flexible, |_, _| Ok(false))
    }
}
