// docgraph: AVX-512 forms of the per-time-step loops of Tesseract's LSTM and of its integer
// matrix-vector product, added to the library by scripts/build_tesseract.sh. Each gives, bit for bit, what the loop it replaces
// gives (see docgraph_simd.cpp), so recognition reads the same text with the same confidences.
// Each returns false where it has nothing faster (no AVX-512 on this processor, or a double
// build), and the caller then runs its own loop.
#ifndef DOCGRAPH_SIMD_H_
#define DOCGRAPH_SIMD_H_

#include <cstdint>

#include "tesstypes.h"

namespace tesseract {

struct IntSimdMatrix;

namespace docgraph {

// The integer matrix-vector product with AVX-512 VNNI, or null where the processor lacks it
// (SIMDDetect then keeps its own choice). Its sums are exact integers, as the AVX2 product's
// are, and are scaled in the same single-precision steps, so the outputs are the same.
const IntSimdMatrix *VnniMatrix();

// inout[i] = Tanh(inout[i]) for i < n.
bool TanhInPlace(int n, TFloat *inout);
// inout[i] = Logistic(inout[i]) for i < n.
bool LogisticInPlace(int n, TFloat *inout);
// out[i] = Tanh(u[i]) * v[i] for i < n.
bool TanhMultiply(const TFloat *u, const TFloat *v, int n, TFloat *out);
// out[i] = in[i] * 127 rounded half away from zero and clipped to [-127, 127], as
// NetworkIO::WriteTimeStepPart stores a float time step in an integer network.
bool QuantizeToInt8(int n, const TFloat *in, int8_t *out);
// For i < n where dest[i] < src[i]: dest[i] = src[i] and max_line[i] = src_t, as
// NetworkIO::MaxpoolTimeStep does for an integer network.
bool MaxpoolInt8(int n, int8_t *dest, const int8_t *src, int src_t, int *max_line);

} // namespace docgraph
} // namespace tesseract

#endif // DOCGRAPH_SIMD_H_
