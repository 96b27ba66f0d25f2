#include "ckernels.h"
#include <immintrin.h>

// AVX-512 intrinsics throughout: every operation is the exact 32-bit lane operation the Swift
// kernel wrote (wrapping add/sub/mul, arithmetic shift with the count taken mod 32 as Swift's
// &>> and &<< do), so the result is bit-identical and there is no signed-overflow UB.
// The two choices (int16 or int32 sums, lateral term or none) are compile-time constants in each
// of the four inlined copies below, so the loop tests neither.
static inline __attribute__((always_inline)) int fused_update(
                       const int narrow, const int lateral, int32_t *restrict current, int32_t *restrict membrane, int32_t *restrict refractory,
                       int32_t *restrict fired_last, const int32_t *restrict thresholds,
                       const int32_t *restrict laterals, const int16_t *restrict packed_sums,
                       const int32_t *restrict sums, long padded_width, int weight_shift,
                       int32_t current_bias, int current_shift, int32_t membrane_bias, int membrane_shift,
                       int32_t refractory_steps, int32_t last_spike_count,
                       int32_t *restrict spikes, int32_t *restrict bound) {
    const __m128i w_shift = _mm_cvtsi32_si128(weight_shift & 31);
    const __m128i c_shift = _mm_cvtsi32_si128(current_shift & 31);
    const __m128i m_shift = _mm_cvtsi32_si128(membrane_shift & 31);
    const __m512i c_bias = _mm512_set1_epi32(current_bias), m_bias = _mm512_set1_epi32(membrane_bias);
    const __m512i refractory_v = _mm512_set1_epi32(refractory_steps);
    const __m512i lateral_count = _mm512_set1_epi32(last_spike_count);
    const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
    const __m512i lane_index = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512i magnitudes = zero;
    int32_t *out = spikes;
    for (long o = 0; o < padded_width; o += 16) {
        __m512i sum = narrow ? _mm512_cvtepi16_epi32(_mm256_load_si256((const __m256i *)(packed_sums + o)))
                                  : _mm512_load_si512(sums + o);
        __m512i drive = _mm512_sll_epi32(sum, w_shift);
        if (lateral) {
            __m512i n = _mm512_sub_epi32(lateral_count, _mm512_load_si512(fired_last + o));
            drive = _mm512_add_epi32(drive, _mm512_mullo_epi32(n, _mm512_load_si512(laterals + o)));
        }
        __m512i c0 = _mm512_load_si512(current + o), u0 = _mm512_load_si512(membrane + o);
        __m512i c = _mm512_add_epi32(_mm512_sub_epi32(c0, _mm512_sra_epi32(_mm512_add_epi32(c0, c_bias), c_shift)), drive);
        __m512i u = _mm512_add_epi32(_mm512_sub_epi32(u0, _mm512_sra_epi32(_mm512_add_epi32(u0, m_bias), m_shift)), c);
        // r >= 0: lanes with r > 0 are clamped to u = 0 and count down.
        __m512i left = _mm512_load_si512(refractory + o);
        __mmask16 resting = _mm512_cmpgt_epi32_mask(left, zero);
        u = _mm512_mask_mov_epi32(u, resting, zero);
        left = _mm512_mask_sub_epi32(left, resting, left, one);
        __mmask16 spike = _mm512_cmpgt_epi32_mask(u, _mm512_load_si512(thresholds + o));
        u = _mm512_mask_mov_epi32(u, spike, zero);
        left = _mm512_mask_mov_epi32(left, spike, refractory_v);
        _mm512_store_si512(current + o, c);
        _mm512_store_si512(membrane + o, u);
        _mm512_store_si512(refractory + o, left);
        magnitudes = _mm512_or_si512(magnitudes, _mm512_or_si512(_mm512_abs_epi32(c), _mm512_abs_epi32(u)));
        if (lateral) _mm512_store_si512(fired_last + o, _mm512_maskz_mov_epi32(spike, one));
        // The fired lanes' indices, ascending, appended to the list: vpcompressd into a register,
        // then a whole 16-lane store: at most o spikes precede this block, so it ends by o + 16 <=
        // padded_width. (vpcompressd with a memory operand is microcoded on Zen 4/5 and made the
        // whole step 3x slower; a masked store of popcount lanes was slower too.)
        _mm512_storeu_si512(out, _mm512_maskz_compress_epi32(spike, _mm512_add_epi32(lane_index, _mm512_set1_epi32((int32_t)o))));
        out += __builtin_popcount(spike);
    }
    *bound = _mm512_reduce_or_epi32(magnitudes);
    return (int)(out - spikes);
}

int hm2bp_fused_update(int32_t *restrict current, int32_t *restrict membrane, int32_t *restrict refractory,
                       int32_t *restrict fired_last, const int32_t *restrict thresholds,
                       const int32_t *restrict laterals, const int16_t *restrict packed_sums,
                       const int32_t *restrict sums, long padded_width, int weight_shift,
                       int32_t current_bias, int current_shift, int32_t membrane_bias, int membrane_shift,
                       int32_t refractory_steps, int32_t last_spike_count,
                       int32_t *restrict spikes, int32_t *restrict bound) {
#define HM2BP_FUSED(narrow, lateral)                                                                          \
    fused_update(narrow, lateral, current, membrane, refractory, fired_last, thresholds, laterals, packed_sums, \
                 sums, padded_width, weight_shift, current_bias, current_shift, membrane_bias, membrane_shift,  \
                 refractory_steps, last_spike_count, spikes, bound)
    if (packed_sums) return fired_last ? HM2BP_FUSED(1, 1) : HM2BP_FUSED(1, 0);
    return fired_last ? HM2BP_FUSED(0, 1) : HM2BP_FUSED(0, 0);
#undef HM2BP_FUSED
}
