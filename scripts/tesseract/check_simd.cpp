// docgraph: checks that the vector code of docgraph_simd.cpp gives, bit for bit, what
// Tesseract's own code gives. Built and run by scripts/build_tesseract.sh against the library
// it built; exit status 0 when every value matches (or when this processor lacks what the
// vector code needs, so the library runs Tesseract's own), 1 and the first differences
// otherwise.
//
// Non-linearities: every 61st float bit pattern up to 2^24 in magnitude, both signs (the
// tables end at 16); the table's index boundaries k / 256 and their neighbours; zeros,
// denormals and the rounding boundaries of the int8 quantisation. Matrix product: random
// weights, scales and inputs at the shapes of the "fast" models' layers and at odd ones, each
// laid out by its product's own Init, against the AVX2 product. Max-pool step: random rows of
// every length up to 300.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include <random>

#include "docgraph_simd.h"
#include "functions.h"
#include "helpers.h"
#include "intsimdmatrix.h"
#include "matrix.h"

using namespace tesseract;

static float FromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
static uint32_t Bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

static std::vector<float> Inputs() {
  std::vector<float> in;
  const uint32_t limit = Bits(16777216.0f);
  for (uint32_t b = 0; b <= limit; b += 61) {
    in.push_back(FromBits(b));
    in.push_back(-FromBits(b));
  }
  for (int k = 0; k <= kTableSize + 2; ++k) {
    const float x = static_cast<float>(k) / static_cast<float>(kScaleFactor);
    for (float v : {x, std::nextafter(x, 0.0f), std::nextafter(x, 100.0f)}) {
      in.push_back(v);
      in.push_back(-v);
    }
  }
  for (int k = -300; k <= 300; ++k) {
    const float x = (static_cast<float>(k) + 0.5f) / 127.0f;
    for (float v : {x, std::nextafter(x, -100.0f), std::nextafter(x, 100.0f)}) {
      in.push_back(v);
    }
  }
  for (float v : {0.0f, -0.0f, 1e-45f, -1e-45f, 1e-38f, -1e-38f, 1.0f, -1.0f}) {
    in.push_back(v);
  }
  // An odd length, so the loops' last, partial block is checked too.
  if (in.size() % 2 == 0) {
    in.push_back(0.25f);
  }
  return in;
}

static int Compare(const char *what, const std::vector<float> &in, const float *want,
                   const float *got, size_t n) {
  int bad = 0;
  for (size_t i = 0; i < n; ++i) {
    if (Bits(want[i]) != Bits(got[i])) {
      if (bad < 5) {
        std::printf("%s(%.9g): scalar %.9g, vector %.9g\n", what, in[i], want[i], got[i]);
      }
      ++bad;
    }
  }
  return bad;
}

// The VNNI product against the AVX2 product on random matrices; the number of differing
// outputs, -1 when this processor has no VNNI.
static int CheckMatrixProduct() {
  const IntSimdMatrix *vnni = docgraph::VnniMatrix();
  if (vnni == nullptr) {
    std::printf("check_simd: no AVX-512 VNNI here; the AVX2 matrix product runs\n");
    return -1;
  }
  const IntSimdMatrix &avx2 = IntSimdMatrix::intSimdMatrixAVX2;
  std::mt19937 random(20261201);
  std::uniform_int_distribution<int> byte(-127, 127);
  std::uniform_real_distribution<float> scale(1e-6f, 1e-2f);
  int bad = 0;
  int checked = 0;
  for (int num_out : {1, 7, 8, 16, 17, 48, 96, 111, 128, 192, 200, 256, 300}) {
    for (int num_in : {1, 3, 4, 5, 16, 36, 97, 144, 288, 300}) {
      GENERIC_2D_ARRAY<int8_t> w(num_out, num_in + 1, 0);
      for (int o = 0; o < num_out; ++o) {
        for (int i = 0; i <= num_in; ++i) {
          w(o, i) = static_cast<int8_t>(byte(random));
        }
      }
      std::vector<int8_t> u(avx2.RoundInputs(num_in) + 64, 0);
      for (int i = 0; i < num_in; ++i) {
        u[i] = static_cast<int8_t>(byte(random));
      }
      std::vector<float> base_scales(num_out);
      for (float &s : base_scales) {
        s = scale(random);
      }
      std::vector<float> outputs[2];
      int which = 0;
      for (const IntSimdMatrix *m : {&avx2, vnni}) {
        std::vector<int8_t> shaped;
        int32_t rounded_num_out;
        m->Init(w, shaped, rounded_num_out);
        std::vector<float> scales(base_scales);
        scales.resize(rounded_num_out);
        outputs[which].assign(rounded_num_out, 0.0f);
        m->matrixDotVectorFunction(num_out, num_in + 1, shaped.data(), scales.data(), u.data(),
                                   outputs[which].data());
        ++which;
      }
      for (int o = 0; o < num_out; ++o) {
        ++checked;
        if (Bits(outputs[0][o]) != Bits(outputs[1][o])) {
          if (bad < 5) {
            std::printf("matrix %dx%d, output %d: AVX2 %.9g, VNNI %.9g\n", num_out, num_in, o,
                        outputs[0][o], outputs[1][o]);
          }
          ++bad;
        }
      }
    }
  }
  if (bad == 0) {
    std::printf("check_simd: %d matrix product outputs identical\n", checked);
  }
  return bad;
}

// The max-pool step against the scalar loop of NetworkIO::MaxpoolTimeStep on random rows;
// the number of differing bytes and positions, -1 when this processor has no AVX-512 BW.
static int CheckMaxpool() {
  std::mt19937 random(20261202);
  std::uniform_int_distribution<int> byte(-128, 127);
  int bad = 0;
  int checked = 0;
  for (int n = 1; n <= 300; ++n) {
    std::vector<int8_t> src(n), want(n), got(n);
    for (int i = 0; i < n; ++i) {
      src[i] = static_cast<int8_t>(byte(random));
      want[i] = got[i] = static_cast<int8_t>(byte(random));
    }
    std::vector<int> want_max(n + 1, -1), got_max(n + 1, -1);
    const int src_t = n * 7;
    for (int i = 0; i < n; ++i) {
      if (want[i] < src[i]) {
        want[i] = src[i];
        want_max[i] = src_t;
      }
    }
    if (!docgraph::MaxpoolInt8(n, got.data(), src.data(), src_t, got_max.data())) {
      std::printf("check_simd: no AVX-512 BW here; Tesseract's max-pool loop runs\n");
      return -1;
    }
    for (int i = 0; i < n; ++i) {
      checked += 2;
      bad += (want[i] != got[i]) + (want_max[i] != got_max[i]);
    }
    bad += want_max[n] != got_max[n]; // nothing written past the row
  }
  if (bad == 0) {
    std::printf("check_simd: %d max-pool bytes and positions identical\n", checked);
  } else {
    std::printf("check_simd: %d max-pool bytes or positions differ\n", bad);
  }
  return bad;
}

int main() {
  const int matrix_bad = CheckMatrixProduct();
  if (matrix_bad > 0 || CheckMaxpool() > 0) {
    return 1;
  }
  const std::vector<float> in = Inputs();
  const size_t n = in.size();
  std::vector<float> want(n), got(in);
  if (!docgraph::TanhInPlace(static_cast<int>(n), got.data())) {
    std::printf("check_simd: no AVX-512 here; Tesseract's own loops run\n");
    return 0;
  }
  int bad = 0;
  for (size_t i = 0; i < n; ++i) {
    want[i] = Tanh(in[i]);
  }
  bad += Compare("Tanh", in, want.data(), got.data(), n);

  got = in;
  docgraph::LogisticInPlace(static_cast<int>(n), got.data());
  for (size_t i = 0; i < n; ++i) {
    want[i] = Logistic(in[i]);
  }
  bad += Compare("Logistic", in, want.data(), got.data(), n);

  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i] = in[(i * 7919) % n];
  }
  docgraph::TanhMultiply(in.data(), v.data(), static_cast<int>(n), got.data());
  for (size_t i = 0; i < n; ++i) {
    want[i] = Tanh(in[i]) * v[i];
  }
  bad += Compare("TanhMultiply", in, want.data(), got.data(), n);

  // Quantisation: values up to 64 in magnitude (beyond, both clip; the scalar cast of a
  // value past INT_MAX is undefined).
  std::vector<float> small;
  for (float x : in) {
    if (std::fabs(x) <= 64.0f) {
      small.push_back(x);
    }
  }
  std::vector<int8_t> q_want(small.size()), q_got(small.size(), 99);
  docgraph::QuantizeToInt8(static_cast<int>(small.size()), small.data(), q_got.data());
  int q_bad = 0;
  for (size_t i = 0; i < small.size(); ++i) {
    q_want[i] = ClipToRange<int>(IntCastRounded(small[i] * INT8_MAX), -INT8_MAX, INT8_MAX);
    if (q_want[i] != q_got[i]) {
      if (q_bad < 5) {
        std::printf("QuantizeToInt8(%.9g): scalar %d, vector %d\n", small[i], q_want[i], q_got[i]);
      }
      ++q_bad;
    }
  }
  bad += q_bad;

  if (bad != 0) {
    std::printf("check_simd: %d of %zu values differ\n", bad, 3 * n + small.size());
    return 1;
  }
  std::printf("check_simd: %zu values identical\n", 3 * n + small.size());
  return 0;
}
