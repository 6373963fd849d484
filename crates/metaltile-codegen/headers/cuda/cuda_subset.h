// MetalTile: declarations of what NVRTC provides without any include (CUDA language
// qualifiers, thread-position builtins, vector types, warp, atomic, math and bit intrinsics),
// restricted to the subset MetalTile's CUDA emitter uses, for checking emitted kernels with a
// host C++17 compiler. Signatures follow the CUDA C++ Programming Guide and the CUDA Math API.
// Nothing here is ever run, so there are no definitions.
#pragma once
#pragma GCC system_header

#define __global__
#define __device__
#define __host__
#define __shared__
#define __forceinline__ inline __attribute__((always_inline))
#define __align__(n) alignas(n)

struct uint3 {
    unsigned int x, y, z;
};
struct dim3 {
    unsigned int x, y, z;
};
extern const uint3 threadIdx;
extern const uint3 blockIdx;
extern const dim3 blockDim;
extern const dim3 gridDim;
extern const int warpSize;

// ---- Vector types --------------------------------------------------------------------------

#define MT_VEC2(name, T) struct alignas(2 * sizeof(T)) name##2 { T x, y; };
#define MT_VEC4(name, T) struct alignas(4 * sizeof(T)) name##4 { T x, y, z, w; };
MT_VEC2(char, signed char)
MT_VEC4(char, signed char)
MT_VEC2(uchar, unsigned char)
MT_VEC4(uchar, unsigned char)
MT_VEC2(short, short)
MT_VEC4(short, short)
MT_VEC2(ushort, unsigned short)
MT_VEC4(ushort, unsigned short)
MT_VEC2(int, int)
MT_VEC4(int, int)
MT_VEC2(uint, unsigned int)
MT_VEC4(uint, unsigned int)
MT_VEC2(float, float)
MT_VEC4(float, float)
MT_VEC2(longlong, long long)
MT_VEC2(ulonglong, unsigned long long)
#undef MT_VEC2
#undef MT_VEC4

// ---- Synchronization and warp functions ----------------------------------------------------

void __syncthreads();
void __syncwarp(unsigned int mask = 0xffffffffu);

#define MT_SHFL(T)                                                                                 \
    T __shfl_sync(unsigned int mask, T var, int srcLane, int width = 32);                          \
    T __shfl_up_sync(unsigned int mask, T var, unsigned int delta, int width = 32);                \
    T __shfl_down_sync(unsigned int mask, T var, unsigned int delta, int width = 32);              \
    T __shfl_xor_sync(unsigned int mask, T var, int laneMask, int width = 32);
MT_SHFL(int)
MT_SHFL(unsigned int)
MT_SHFL(long long)
MT_SHFL(unsigned long long)
MT_SHFL(float)
#undef MT_SHFL

int __any_sync(unsigned int mask, int predicate);
int __all_sync(unsigned int mask, int predicate);
unsigned int __ballot_sync(unsigned int mask, int predicate);

// ---- Atomics -------------------------------------------------------------------------------

#define MT_ATOMIC(f, T) T f(T* address, T val);
MT_ATOMIC(atomicAdd, int)
MT_ATOMIC(atomicAdd, unsigned int)
MT_ATOMIC(atomicAdd, unsigned long long)
MT_ATOMIC(atomicAdd, float)
MT_ATOMIC(atomicMin, int)
MT_ATOMIC(atomicMin, unsigned int)
MT_ATOMIC(atomicMin, long long)
MT_ATOMIC(atomicMin, unsigned long long)
MT_ATOMIC(atomicMax, int)
MT_ATOMIC(atomicMax, unsigned int)
MT_ATOMIC(atomicMax, long long)
MT_ATOMIC(atomicMax, unsigned long long)
MT_ATOMIC(atomicAnd, int)
MT_ATOMIC(atomicAnd, unsigned int)
MT_ATOMIC(atomicAnd, unsigned long long)
MT_ATOMIC(atomicOr, int)
MT_ATOMIC(atomicOr, unsigned int)
MT_ATOMIC(atomicOr, unsigned long long)
MT_ATOMIC(atomicXor, int)
MT_ATOMIC(atomicXor, unsigned int)
MT_ATOMIC(atomicXor, unsigned long long)
MT_ATOMIC(atomicExch, int)
MT_ATOMIC(atomicExch, unsigned int)
MT_ATOMIC(atomicExch, unsigned long long)
MT_ATOMIC(atomicExch, float)
#undef MT_ATOMIC
int atomicCAS(int* address, int compare, int val);
unsigned int atomicCAS(unsigned int* address, unsigned int compare, unsigned int val);
unsigned long long atomicCAS(unsigned long long* address, unsigned long long compare, unsigned long long val);

// ---- Single-precision math -----------------------------------------------------------------

#define MT_F1(f) float f(float);
MT_F1(fabsf)
MT_F1(expf)
MT_F1(exp2f)
MT_F1(expm1f)
MT_F1(logf)
MT_F1(log2f)
MT_F1(log10f)
MT_F1(log1pf)
MT_F1(sqrtf)
MT_F1(rsqrtf)
MT_F1(cbrtf)
MT_F1(sinf)
MT_F1(cosf)
MT_F1(tanf)
MT_F1(asinf)
MT_F1(acosf)
MT_F1(atanf)
MT_F1(sinhf)
MT_F1(coshf)
MT_F1(tanhf)
MT_F1(asinhf)
MT_F1(acoshf)
MT_F1(atanhf)
MT_F1(erff)
MT_F1(erfinvf)
MT_F1(ceilf)
MT_F1(floorf)
MT_F1(roundf)
MT_F1(rintf)
MT_F1(truncf)
MT_F1(__expf)
MT_F1(__logf)
MT_F1(__log2f)
MT_F1(__sinf)
MT_F1(__cosf)
#undef MT_F1
float fmaxf(float, float);
float fminf(float, float);
float fmodf(float, float);
float powf(float, float);
float atan2f(float, float);
float fmaf(float, float, float);
float ldexpf(float, int);
float __fdividef(float, float);
bool isnan(float);
bool isinf(float);
bool isfinite(float);

// ---- Bits ----------------------------------------------------------------------------------

int __popc(unsigned int);
int __popcll(unsigned long long);
int __clz(int);
int __clzll(long long);
int __ffs(int);
int __ffsll(long long);
int __float_as_int(float);
unsigned int __float_as_uint(float);
float __int_as_float(int);
float __uint_as_float(unsigned int);
