#ifndef HM2BP_LANES_H
#define HM2BP_LANES_H

// The 512-bit lane operations the emulator's kernels (fast_step.c) are written in, with two
// implementations chosen at compile time:
//
// - AVX-512 (F + BW) intrinsics, when the compiler targets a CPU that has them and
//   HM2BP_PORTABLE_KERNELS is not defined;
// - portable C: GCC/clang vector extensions and short lane loops, which compile on any 64-bit
//   CPU (clang turns them into SSE/AVX2 on x86-64 and NEON on arm64).
//
// Every operation is defined as an exact integer lane operation (wrapping 32-, 16- or 8-bit
// arithmetic, arithmetic right shifts), so both give bit-identical results; the tests run both
// (EmulatorTests/PortableKernelTests) and CI compiles the portable one for x86-64-v3 and arm64.

#include <stdint.h>
#include <string.h>

#if defined(__AVX512F__) && defined(__AVX512BW__) && !defined(HM2BP_PORTABLE_KERNELS)
#define HM2BP_LANES_AVX512 1
#include <immintrin.h>

#define HM2BP_LANES_NAME "avx-512"

typedef __m512i lanes;      // 16 x int32, 32 x int16 or 64 x uint8, by operation
typedef __mmask16 mask16;   // bit i: 32-bit lane i
typedef __m128i shift_count;

static inline lanes lanes_load(const void *p) { return _mm512_load_si512(p); }
static inline lanes lanes_loadu(const void *p) { return _mm512_loadu_si512(p); }
static inline void lanes_store(void *p, lanes x) { _mm512_store_si512(p, x); }
static inline void lanes_storeu(void *p, lanes x) { _mm512_storeu_si512(p, x); }
static inline lanes lanes_zero(void) { return _mm512_setzero_si512(); }
static inline lanes lanes_set32(int32_t x) { return _mm512_set1_epi32(x); }
static inline lanes lanes_set16(int16_t x) { return _mm512_set1_epi16(x); }
static inline shift_count lanes_shift_count(int k) { return _mm_cvtsi32_si128(k); }

static inline lanes add32(lanes a, lanes b) { return _mm512_add_epi32(a, b); }
static inline lanes sub32(lanes a, lanes b) { return _mm512_sub_epi32(a, b); }
static inline lanes mullo32(lanes a, lanes b) { return _mm512_mullo_epi32(a, b); }
static inline lanes max32(lanes a, lanes b) { return _mm512_max_epi32(a, b); }
static inline lanes min32(lanes a, lanes b) { return _mm512_min_epi32(a, b); }
static inline lanes sra32(lanes a, shift_count k) { return _mm512_sra_epi32(a, k); }
static inline lanes sll32(lanes a, shift_count k) { return _mm512_sll_epi32(a, k); }
/// Lanes of `m` where a > b.
static inline mask16 cmpgt32_mask(mask16 m, lanes a, lanes b) { return _mm512_mask_cmpgt_epi32_mask(m, a, b); }
/// b where m, else a.
static inline lanes select32(lanes a, mask16 m, lanes b) { return _mm512_mask_mov_epi32(a, m, b); }
/// a - b where m, else a.
static inline lanes mask_sub32(lanes a, mask16 m, lanes b) { return _mm512_mask_sub_epi32(a, m, a, b); }
static inline int32_t reduce_max32(lanes a) { return _mm512_reduce_max_epi32(a); }
static inline int32_t reduce_min32(lanes a) { return _mm512_reduce_min_epi32(a); }

static inline lanes add16(lanes a, lanes b) { return _mm512_add_epi16(a, b); }
static inline lanes sub16(lanes a, lanes b) { return _mm512_sub_epi16(a, b); }
/// Logical shifts of the 16-bit lanes.
static inline lanes srl16_8(lanes a) { return _mm512_srli_epi16(a, 8); }
static inline lanes sll16_8(lanes a) { return _mm512_slli_epi16(a, 8); }
/// vpmaddwd: 32-bit lane i = a[2i] * b[2i] + a[2i + 1] * b[2i + 1] of the signed 16-bit lanes.
static inline lanes madd16(lanes a, lanes b) { return _mm512_madd_epi16(a, b); }

/// All-ones bytes, hidden from the optimizer, which would otherwise turn the one masked byte
/// subtraction per count update into a mask-to-vector move and a subtraction.
static inline lanes opaque_ones8(void) {
    lanes x = _mm512_set1_epi8(-1);
    __asm__("" : "+v"(x));
    return x;
}
/// counts + 1 in the byte lanes whose bit of m is set (ones = opaque_ones8()).
static inline lanes count8(lanes counts, uint64_t m, lanes ones) { return _mm512_mask_sub_epi8(counts, (__mmask64)m, counts, ones); }
/// totals[k] += byte k of counts, for k < 64 (totals unaligned).
static inline void add_counts8(lanes counts, int32_t *totals) {
#define HM2BP_FLUSH(q)                                                                              \
    _mm512_storeu_si512(totals + 16 * q, _mm512_add_epi32(_mm512_loadu_si512(totals + 16 * q),      \
                                                          _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(counts, q))))
    HM2BP_FLUSH(0); HM2BP_FLUSH(1); HM2BP_FLUSH(2); HM2BP_FLUSH(3);
#undef HM2BP_FLUSH
}

#else

#define HM2BP_LANES_NAME "portable"

// 512-bit vector arguments of these static inline helpers change no external ABI: every one is
// inlined into the kernels, whose exported signatures take only scalars and pointers.
#pragma GCC diagnostic ignored "-Wpsabi"

typedef int32_t v16i32 __attribute__((vector_size(64)));
typedef uint32_t v16u32 __attribute__((vector_size(64)));
typedef int16_t v32i16 __attribute__((vector_size(64)));
typedef uint16_t v32u16 __attribute__((vector_size(64)));
typedef int16_t v16i16 __attribute__((vector_size(32)));
typedef uint8_t v64u8 __attribute__((vector_size(64)));
typedef uint64_t v8u64 __attribute__((vector_size(64)));

typedef v16i32 lanes;
typedef uint16_t mask16;
typedef int shift_count;

// Arithmetic goes through the unsigned types, where wrapping is defined.
static inline lanes lanes_load(const void *p) { lanes x; memcpy(&x, p, sizeof x); return x; }
static inline lanes lanes_loadu(const void *p) { lanes x; memcpy(&x, p, sizeof x); return x; }
static inline void lanes_store(void *p, lanes x) { memcpy(p, &x, sizeof x); }
static inline void lanes_storeu(void *p, lanes x) { memcpy(p, &x, sizeof x); }
static inline lanes lanes_zero(void) { return (lanes){0}; }
static inline lanes lanes_set32(int32_t x) {
    lanes v;
    for (int i = 0; i < 16; i++) v[i] = x;
    return v;
}
static inline lanes lanes_set16(int16_t x) {
    v32i16 v;
    for (int i = 0; i < 32; i++) v[i] = x;
    return (lanes)v;
}
static inline shift_count lanes_shift_count(int k) { return k; }

static inline lanes add32(lanes a, lanes b) { return (lanes)((v16u32)a + (v16u32)b); }
static inline lanes sub32(lanes a, lanes b) { return (lanes)((v16u32)a - (v16u32)b); }
static inline lanes mullo32(lanes a, lanes b) { return (lanes)((v16u32)a * (v16u32)b); }
static inline lanes max32(lanes a, lanes b) { lanes m = a > b; return (a & m) | (b & ~m); }
static inline lanes min32(lanes a, lanes b) { lanes m = a < b; return (a & m) | (b & ~m); }
// Shift counts here are 0 ... 31 (decays k <= 30, weight shifts <= 31), where the vector shifts
// are defined and equal the AVX-512 ones.
static inline lanes sra32(lanes a, shift_count k) { return a >> k; }
static inline lanes sll32(lanes a, shift_count k) { return (lanes)((v16u32)a << (uint32_t)k); }

/// The 16 lanes' bits as all-ones / zero 32-bit lanes.
static inline lanes expand_mask16(mask16 m) {
    const lanes bits = {1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4, 1 << 5, 1 << 6, 1 << 7,
                        1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12, 1 << 13, 1 << 14, 1 << 15};
    return (bits & (int32_t)m) != 0;
}
static inline mask16 cmpgt32_mask(mask16 m, lanes a, lanes b) {
    const lanes bits = {1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4, 1 << 5, 1 << 6, 1 << 7,
                        1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12, 1 << 13, 1 << 14, 1 << 15};
    const lanes set = (a > b) & bits;
#if __has_builtin(__builtin_reduce_or)
    return (mask16)__builtin_reduce_or(set) & m;
#else
    int32_t result = 0;
    for (int i = 0; i < 16; i++) result |= set[i];
    return (mask16)result & m;
#endif
}
static inline lanes select32(lanes a, mask16 m, lanes b) { lanes e = expand_mask16(m); return (b & e) | (a & ~e); }
static inline lanes mask_sub32(lanes a, mask16 m, lanes b) { return sub32(a, b & expand_mask16(m)); }
static inline int32_t reduce_max32(lanes a) {
#if __has_builtin(__builtin_reduce_max)
    return __builtin_reduce_max(a);
#else
    int32_t r = a[0];
    for (int i = 1; i < 16; i++) r = a[i] > r ? a[i] : r;
    return r;
#endif
}
static inline int32_t reduce_min32(lanes a) {
#if __has_builtin(__builtin_reduce_min)
    return __builtin_reduce_min(a);
#else
    int32_t r = a[0];
    for (int i = 1; i < 16; i++) r = a[i] < r ? a[i] : r;
    return r;
#endif
}

static inline lanes add16(lanes a, lanes b) { return (lanes)((v32u16)a + (v32u16)b); }
static inline lanes sub16(lanes a, lanes b) { return (lanes)((v32u16)a - (v32u16)b); }
static inline lanes srl16_8(lanes a) { return (lanes)((v32u16)a >> 8); }
static inline lanes sll16_8(lanes a) { return (lanes)((v32u16)a << 8); }
static inline lanes madd16(lanes a, lanes b) {
    const v32i16 x = (v32i16)a, y = (v32i16)b;
    const v16i32 xe = __builtin_convertvector(__builtin_shufflevector(x, x, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), v16i32);
    const v16i32 xo = __builtin_convertvector(__builtin_shufflevector(x, x, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), v16i32);
    const v16i32 ye = __builtin_convertvector(__builtin_shufflevector(y, y, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), v16i32);
    const v16i32 yo = __builtin_convertvector(__builtin_shufflevector(y, y, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), v16i32);
    // Each product fits int32 except (-2^15)^2; the wrapping sum equals vpmaddwd's even then.
    return (lanes)((v16u32)xe * (v16u32)ye + (v16u32)xo * (v16u32)yo);
}

static inline lanes opaque_ones8(void) { return lanes_set32(-1); }
static inline lanes count8(lanes counts, uint64_t m, lanes ones) {
    // Byte i of m's copy in every 64-bit lane, spread so that byte lane i holds byte i / 8 of m,
    // then tested against bit i % 8.
    const v64u8 copies = (v64u8)((v8u64){0} + m);
    const v64u8 spread = __builtin_shufflevector(copies, copies,
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3,
        4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7);
    const v64u8 bit = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
                       1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
                       1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    const v64u8 set = (v64u8)((spread & bit) != 0);
    return (lanes)((v64u8)counts - ((v64u8)ones & set));
}
static inline void add_counts8(lanes counts, int32_t *totals) {
    const v64u8 c = (v64u8)counts;
    for (int i = 0; i < 64; i++) totals[i] += c[i];
}

#endif

#endif
