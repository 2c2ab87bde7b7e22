//! Row flags (one `bool` a row: kept or not) turned into what polars and the Parquet reader
//! take, eight rows at a time rather than a row at a time (building a mask from an iterator of
//! bools, and finding kept rows by testing each flag, were each a few percent of a question
//! that keeps a fifth of a store's rows).

use polars::prelude::*;
use polars_arrow::array::BooleanArray;
use polars_arrow::bitmap::Bitmap;

/// `flags` as their bytes (a `bool` is one byte, 0 or 1).
pub fn as_bytes(flags: &[bool]) -> &[u8] {
    // SAFETY: `bool` has the size and alignment of `u8`, and every bool is a valid u8.
    unsafe { std::slice::from_raw_parts(flags.as_ptr().cast::<u8>(), flags.len()) }
}

/// Eight flags (bytes of 0 or 1) as the bits of one byte, the first flag the lowest bit.
fn gathered(eight: [u8; 8]) -> u8 {
    // Each byte's bit 0 is carried by the multiplication to its own place in the top byte
    // (no two products overlap, so nothing carries).
    (u64::from_le_bytes(eight).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// `flags` as a bitmap: bit `i` set when `flags[i]`.
pub fn packed(flags: &[bool]) -> Bitmap {
    let (eights, rest) = as_bytes(flags).as_chunks::<8>();
    let mut bits: Vec<u8> = Vec::with_capacity(flags.len().div_ceil(8));
    bits.extend(eights.iter().map(|e| gathered(*e)));
    if !rest.is_empty() {
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        bits.push(gathered(last));
    }
    Bitmap::from_u8_vec(bits, flags.len())
}

/// `flags` as a polars mask (for [`super::filter_rows`]).
pub fn mask(flags: &[bool]) -> BooleanChunked {
    let array = BooleanArray::new(ArrowDataType::Boolean, packed(flags), None);
    BooleanChunked::with_chunk(PlSmallStr::from_static("keep"), array)
}

/// The places of the set flags, in order.
pub fn set_places(flags: &[bool]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(1, as_bytes(flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flags from a seed: a different mix of runs and single rows per seed.
    fn flags(len: usize, seed: u64) -> Vec<bool> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.is_multiple_of(3)
            })
            .collect()
    }

    #[test]
    fn every_byte_of_eight_flags_packs_to_its_bits() {
        for byte in 0..=255u8 {
            let eight: Vec<bool> = (0..8).map(|i| byte >> i & 1 == 1).collect();
            let bitmap = packed(&eight);
            assert_eq!(bitmap.len(), 8);
            for (i, flag) in eight.iter().enumerate() {
                assert_eq!(bitmap.get_bit(i), *flag, "byte {byte:#010b}, flag {i}");
            }
        }
    }

    #[test]
    fn flags_of_any_length_become_the_same_mask_and_places_as_one_at_a_time() {
        for len in [0, 1, 7, 8, 9, 63, 64, 65, 1000] {
            for seed in 1..4 {
                let flags = flags(len, seed);
                let bitmap = packed(&flags);
                assert_eq!(bitmap.len(), len);
                let bits: Vec<bool> = bitmap.iter().collect();
                assert_eq!(bits, flags, "length {len}, seed {seed}");
                assert_eq!(bitmap.unset_bits(), flags.iter().filter(|f| !**f).count());
                let mask = mask(&flags);
                let from_mask: Vec<bool> = mask.iter().map(|b| b == Some(true)).collect();
                assert_eq!(from_mask, flags);
                let places: Vec<usize> = set_places(&flags).collect();
                let one_at_a_time: Vec<usize> = (0..len).filter(|i| flags[*i]).collect();
                assert_eq!(places, one_at_a_time);
            }
        }
    }
}
