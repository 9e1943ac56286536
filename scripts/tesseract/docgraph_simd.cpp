// docgraph: AVX-512 forms of inner loops of Tesseract's LSTM recognizer (see the header).
//
// Recognition with the integer ("fast") models spends about a fifth of its time in the gate
// non-linearities: for every time step, four or five vectors of 48 to 192 values go through
// Tanh or Logistic, a table lookup with linear interpolation behind a branch on the sign that
// the processor cannot predict. Here sixteen values at a time take the same steps: the same
// single-precision operations in the same order, each rounded once (this file is compiled
// with floating-point contraction off, so no multiply and add are fused), the table entries
// fetched with gathers. The int8 conversion of a time step and the integer matrix product
// (AVX-512 VNNI) follow the same rule: the operations of the code they replace, in its order.
// scripts/tesseract/check_simd.cpp compares each with Tesseract's own code, bit for bit, over
// every 61st float up to 2^24 in magnitude, the table boundaries and their neighbours, and
// random matrices. Inputs where they could differ lie beyond 2^24, where the scalar code's
// conversion to an unsigned index overflows; gate inputs never come near that.
#include "docgraph_simd.h"

#include "functions.h"     // TanhTable, LogisticTable, kTableSize, kScaleFactor
#include "intsimdmatrix.h" // IntSimdMatrix: the weight layout and the product's signature

#include <cstring>

// FAST_FLOAT (Tesseract's default): the LSTM computes in float, the tables are float.
#if defined(__x86_64__) && defined(__GNUC__) && defined(FAST_FLOAT)
#  define DOCGRAPH_X86 1
#  include <immintrin.h>
#  pragma GCC optimize("fp-contract=off")
#endif

namespace tesseract {
namespace docgraph {

#if defined(DOCGRAPH_X86)

namespace {

// What this processor has, read once. (Also called from SIMDDetect's static constructor,
// which may run before libgcc's own initialisation: hence __builtin_cpu_init.)
struct Features {
  bool avx512f;  // the float loops
  bool avx512bw; // the byte loops
  bool vnni;     // the matrix product
};

const Features &Cpu() {
  static const Features features = [] {
    __builtin_cpu_init();
    const bool f = __builtin_cpu_supports("avx512f");
    const bool bw = f && __builtin_cpu_supports("avx512bw");
    return Features{f, bw, bw && __builtin_cpu_supports("avx512vnni")};
  }();
  return features;
}

#  define DOCGRAPH_TARGET __attribute__((target("avx512f"), optimize("fp-contract=off")))

// The lanes of a block of n - i values (all sixteen but at the end).
DOCGRAPH_TARGET inline __mmask16 Lanes(int n, int i) {
  const int left = n - i;
  return left >= 16 ? static_cast<__mmask16>(0xFFFF)
                    : static_cast<__mmask16>((1u << left) - 1);
}

// The table's value at a >= 0 as Tanh and Logistic compute it: a * kScaleFactor truncated to
// an index, the two entries there interpolated linearly; 1 from the last entry on.
DOCGRAPH_TARGET inline __m512 Interpolate(__m512 a, const float *table) {
  const __m512 scaled = _mm512_mul_ps(a, _mm512_set1_ps(static_cast<float>(kScaleFactor)));
  const __mmask16 past_end =
      _mm512_cmp_ps_mask(scaled, _mm512_set1_ps(static_cast<float>(kTableSize - 1)), _CMP_GE_OQ);
  // Below kTableSize - 1 the clamp changes no index; at and above it keeps the gathers inside
  // the table for lanes whose value is 1 anyway.
  const __m512i index = _mm512_cvttps_epi32(
      _mm512_min_ps(scaled, _mm512_set1_ps(static_cast<float>(kTableSize - 2))));
  const __m512 low = _mm512_i32gather_ps(index, table, 4);
  const __m512 high = _mm512_i32gather_ps(_mm512_add_epi32(index, _mm512_set1_epi32(1)), table, 4);
  const __m512 fraction = _mm512_sub_ps(scaled, _mm512_cvtepi32_ps(index));
  const __m512 value = _mm512_add_ps(low, _mm512_mul_ps(_mm512_sub_ps(high, low), fraction));
  return _mm512_mask_blend_ps(past_end, value, _mm512_set1_ps(1.0f));
}

// Tanh(x): the table at |x|, its sign flipped where x < 0 (Tanh(x) = -Tanh(-x)).
DOCGRAPH_TARGET inline __m512 Tanh16(__m512 x) {
  const __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
  const __m512i value = _mm512_castps_si512(Interpolate(_mm512_abs_ps(x), TanhTable));
  return _mm512_castsi512_ps(
      _mm512_mask_xor_epi32(value, negative, value, _mm512_set1_epi32(INT32_MIN)));
}

// Logistic(x): the table at |x|, 1 minus it where x < 0 (Logistic(x) = 1 - Logistic(-x)).
DOCGRAPH_TARGET inline __m512 Logistic16(__m512 x) {
  const __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
  const __m512 value = Interpolate(_mm512_abs_ps(x), LogisticTable);
  return _mm512_mask_sub_ps(value, negative, _mm512_set1_ps(1.0f), value);
}

DOCGRAPH_TARGET void TanhInPlace16(int n, float *inout) {
  for (int i = 0; i < n; i += 16) {
    const __mmask16 lanes = Lanes(n, i);
    _mm512_mask_storeu_ps(inout + i, lanes, Tanh16(_mm512_maskz_loadu_ps(lanes, inout + i)));
  }
}

DOCGRAPH_TARGET void LogisticInPlace16(int n, float *inout) {
  for (int i = 0; i < n; i += 16) {
    const __mmask16 lanes = Lanes(n, i);
    _mm512_mask_storeu_ps(inout + i, lanes, Logistic16(_mm512_maskz_loadu_ps(lanes, inout + i)));
  }
}

DOCGRAPH_TARGET void TanhMultiply16(const float *u, const float *v, int n, float *out) {
  for (int i = 0; i < n; i += 16) {
    const __mmask16 lanes = Lanes(n, i);
    const __m512 tanh = Tanh16(_mm512_maskz_loadu_ps(lanes, u + i));
    _mm512_mask_storeu_ps(out + i, lanes,
                          _mm512_mul_ps(tanh, _mm512_maskz_loadu_ps(lanes, v + i)));
  }
}

// IntCastRounded(x * 127) clipped to [-127, 127]: |x * 127| + 0.5 truncated, negated where
// x * 127 < 0. (Clamping |x * 127| at 1024 first changes nothing the clip keeps.)
DOCGRAPH_TARGET void QuantizeToInt816(int n, const float *in, int8_t *out) {
  for (int i = 0; i < n; i += 16) {
    const __mmask16 lanes = Lanes(n, i);
    const __m512 scaled =
        _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes, in + i), _mm512_set1_ps(static_cast<float>(INT8_MAX)));
    const __mmask16 negative = _mm512_cmp_ps_mask(scaled, _mm512_setzero_ps(), _CMP_LT_OQ);
    const __m512 magnitude = _mm512_min_ps(_mm512_abs_ps(scaled), _mm512_set1_ps(1024.0f));
    __m512i rounded = _mm512_cvttps_epi32(_mm512_add_ps(magnitude, _mm512_set1_ps(0.5f)));
    rounded = _mm512_mask_sub_epi32(rounded, negative, _mm512_setzero_si512(), rounded);
    rounded = _mm512_min_epi32(rounded, _mm512_set1_epi32(INT8_MAX));
    rounded = _mm512_max_epi32(rounded, _mm512_set1_epi32(-INT8_MAX));
    _mm512_mask_cvtepi32_storeu_epi8(out + i, lanes, rounded);
  }
}


// The integer matrix-vector product, sixteen outputs to a register.
//
// IntSimdMatrix::Init lays the weights out, for a set of R registers, as groups of four inputs:
// for each group, R * 16 outputs' four weights in a row, which is exactly the operand of
// vpdpbusd (four byte products summed into each 32-bit lane); after the groups come the set's
// R * 16 biases. vpdpbusd multiplies unsigned by signed bytes, so the inputs are offset by 128
// (x XOR 0x80) and 128 times each output's weight sum, accumulated alongside, is taken off
// again: the sum is the exact integer sum the AVX2 product computes. The bias (times 127) is
// added, the sum converted to float and multiplied by the output's scale, the AVX2 product's
// steps in its order.
constexpr int kVnniOutputsPerRegister = 16;
constexpr int kVnniMaxRegisters = 8;
constexpr int kVnniInputsPerGroup = 4;

#  define DOCGRAPH_VNNI_TARGET \
    __attribute__((target("avx512f,avx512bw,avx512vnni"), optimize("fp-contract=off")))

template <int kRegisters>
DOCGRAPH_VNNI_TARGET inline void PartialDotVnni(const int8_t *wi, const float *scales,
                                                const int8_t *u, int rounded_num_in, float *v) {
  __m512i sums[kRegisters];
  __m512i offsets[kRegisters];
  for (int r = 0; r < kRegisters; ++r) {
    sums[r] = _mm512_setzero_si512();
    offsets[r] = _mm512_setzero_si512();
  }
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int j = 0; j < rounded_num_in; j += kVnniInputsPerGroup) {
    int32_t four;
    std::memcpy(&four, u + j, sizeof four);
    const __m512i inputs = _mm512_xor_si512(_mm512_set1_epi32(four), flip);
    for (int r = 0; r < kRegisters; ++r) {
      const __m512i weights = _mm512_loadu_si512(wi);
      wi += 64;
      sums[r] = _mm512_dpbusd_epi32(sums[r], inputs, weights);
      offsets[r] = _mm512_dpbusd_epi32(offsets[r], flip, weights);
    }
  }
  for (int r = 0; r < kRegisters; ++r) {
    const __m512i bias =
        _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(wi)));
    wi += kVnniOutputsPerRegister;
    __m512i total = _mm512_sub_epi32(sums[r], offsets[r]);
    total = _mm512_add_epi32(total, _mm512_mullo_epi32(bias, _mm512_set1_epi32(INT8_MAX)));
    const __m512 scaled = _mm512_mul_ps(_mm512_cvtepi32_ps(total), _mm512_loadu_ps(scales));
    _mm512_storeu_ps(v, scaled);
    scales += kVnniOutputsPerRegister;
    v += kVnniOutputsPerRegister;
  }
}

// All rounded_num_out outputs: register sets of 8, then at most one each of 4, 2 and 1
// registers, the order in which Init laid the weights out.
DOCGRAPH_VNNI_TARGET void MatrixDotVectorVnni(int dim1, int dim2, const int8_t *wi,
                                              const float *scales, const int8_t *u, float *v) {
  const int rounded_num_in = IntSimdMatrix::Roundup(dim2 - 1, kVnniInputsPerGroup);
  const int rounded_num_out = IntSimdMatrix::Roundup(dim1, kVnniOutputsPerRegister);
  int output = 0;
  auto step = [&](int registers) {
    const int outputs = registers * kVnniOutputsPerRegister;
    wi += (rounded_num_in + 1) * outputs;
    scales += outputs;
    v += outputs;
    output += outputs;
  };
  while (output + kVnniMaxRegisters * kVnniOutputsPerRegister <= rounded_num_out) {
    PartialDotVnni<8>(wi, scales, u, rounded_num_in, v);
    step(8);
  }
  if (output + 4 * kVnniOutputsPerRegister <= rounded_num_out) {
    PartialDotVnni<4>(wi, scales, u, rounded_num_in, v);
    step(4);
  }
  if (output + 2 * kVnniOutputsPerRegister <= rounded_num_out) {
    PartialDotVnni<2>(wi, scales, u, rounded_num_in, v);
    step(2);
  }
  if (output + kVnniOutputsPerRegister <= rounded_num_out) {
    PartialDotVnni<1>(wi, scales, u, rounded_num_in, v);
  }
}

const IntSimdMatrix kVnniMatrix = {
    MatrixDotVectorVnni,      // the product
    kVnniOutputsPerRegister,  // 32-bit outputs per register
    kVnniMaxRegisters,        // registers of outputs at most
    32,                       // inputs per register: the input padding, as the AVX2 product's
    kVnniInputsPerGroup,      // inputs per weight group
};

#  define DOCGRAPH_BW_TARGET __attribute__((target("avx512f,avx512bw")))

// The max-pool step, 64 bytes at a time: where the source byte is greater (signed), it
// replaces the destination byte and its position records src_t, as in the scalar loop.
DOCGRAPH_BW_TARGET void MaxpoolInt864(int n, int8_t *dest, const int8_t *src, int src_t,
                                      int *max_line) {
  const __m512i when = _mm512_set1_epi32(src_t);
  for (int i = 0; i < n; i += 64) {
    const int left = n - i;
    const __mmask64 lanes = left >= 64 ? ~__mmask64{0} : ((__mmask64{1} << left) - 1);
    const __m512i d = _mm512_maskz_loadu_epi8(lanes, dest + i);
    const __m512i s = _mm512_maskz_loadu_epi8(lanes, src + i);
    const __mmask64 greater = _mm512_mask_cmpgt_epi8_mask(lanes, s, d);
    if (greater == 0) {
      continue;
    }
    _mm512_mask_storeu_epi8(dest + i, greater, s);
    for (int quarter = 0; quarter < 4; ++quarter) {
      const __mmask16 where = static_cast<__mmask16>(greater >> (16 * quarter));
      if (where != 0) {
        _mm512_mask_storeu_epi32(max_line + i + 16 * quarter, where, when);
      }
    }
  }
}

} // namespace

bool MaxpoolInt8(int n, int8_t *dest, const int8_t *src, int src_t, int *max_line) {
  if (!Cpu().avx512bw) {
    return false;
  }
  MaxpoolInt864(n, dest, src, src_t, max_line);
  return true;
}

const IntSimdMatrix *VnniMatrix() {
  return Cpu().vnni ? &kVnniMatrix : nullptr;
}

bool TanhInPlace(int n, TFloat *inout) {
  if (!Cpu().avx512f) {
    return false;
  }
  TanhInPlace16(n, inout);
  return true;
}

bool LogisticInPlace(int n, TFloat *inout) {
  if (!Cpu().avx512f) {
    return false;
  }
  LogisticInPlace16(n, inout);
  return true;
}

bool TanhMultiply(const TFloat *u, const TFloat *v, int n, TFloat *out) {
  if (!Cpu().avx512f) {
    return false;
  }
  TanhMultiply16(u, v, n, out);
  return true;
}

bool QuantizeToInt8(int n, const TFloat *in, int8_t *out) {
  if (!Cpu().avx512f) {
    return false;
  }
  QuantizeToInt816(n, in, out);
  return true;
}

#else // not x86-64 with GCC or Clang, or a double build: the callers' own loops.

const IntSimdMatrix *VnniMatrix() {
  return nullptr;
}

bool TanhInPlace(int, TFloat *) {
  return false;
}
bool LogisticInPlace(int, TFloat *) {
  return false;
}
bool TanhMultiply(const TFloat *, const TFloat *, int, TFloat *) {
  return false;
}
bool QuantizeToInt8(int, const TFloat *, int8_t *) {
  return false;
}
bool MaxpoolInt8(int, int8_t *, const int8_t *, int, int *) {
  return false;
}

#endif

} // namespace docgraph
} // namespace tesseract
