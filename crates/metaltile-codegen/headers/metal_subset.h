// MetalTile: declarations of the subset of the Metal Shading Language (3.1) standard library
// that MetalTile's MSL emitter uses, for checking emitted kernels with a host C++17 compiler.
//
// The signatures follow the Metal Shading Language Specification, so a call with the wrong
// arity or argument types fails here as it would in Metal. The subset is stricter than Metal
// where that is harmless: conversions between scalar types are explicit. Address-space
// qualifiers and `kernel` have no host meaning and expand to nothing; `[[buffer(n)]]` and the
// other attributes are parsed and ignored (the check passes -Wno-attributes). Nothing here is
// ever run, so there are no definitions.
#pragma once
#pragma GCC system_header

#define kernel
#define device
#define constant
#define threadgroup
#define thread

namespace metal {

typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef unsigned long ulong;
static_assert(sizeof(long) == 8, "MSL's long is 64 bits; check on an LP64 host");

// ---- 16-bit floats -------------------------------------------------------------------------

#define MT_FLOAT16_CLASS(T)                                                                        \
    class T {                                                                                      \
        ushort bits_;                                                                              \
                                                                                                   \
      public:                                                                                      \
        T() = default;                                                                             \
        explicit T(float);                                                                         \
        explicit T(bool);                                                                          \
        explicit T(char);                                                                          \
        explicit T(uchar);                                                                         \
        explicit T(short);                                                                         \
        explicit T(ushort);                                                                        \
        explicit T(int);                                                                           \
        explicit T(uint);                                                                          \
        explicit T(long);                                                                          \
        explicit T(ulong);                                                                         \
        explicit operator float() const;                                                           \
    };                                                                                             \
    T operator+(T, T);                                                                             \
    T operator-(T, T);                                                                             \
    T operator*(T, T);                                                                             \
    T operator/(T, T);                                                                             \
    T operator-(T);                                                                                \
    bool operator==(T, T);                                                                         \
    bool operator!=(T, T);                                                                         \
    bool operator<(T, T);                                                                          \
    bool operator<=(T, T);                                                                         \
    bool operator>(T, T);                                                                          \
    bool operator>=(T, T);

MT_FLOAT16_CLASS(half)
MT_FLOAT16_CLASS(bfloat)
#undef MT_FLOAT16_CLASS

// `1.5h` is a half literal in MSL.
half operator""h(long double);

// ---- Vectors -------------------------------------------------------------------------------

template <typename T, int N>
struct vec;
template <typename T>
struct alignas(2 * sizeof(T)) vec<T, 2> {
    T x, y;
    vec() = default;
    explicit vec(T);
    vec(T, T);
};
template <typename T>
struct alignas(4 * sizeof(T)) vec<T, 3> {
    T x, y, z;
    vec() = default;
    explicit vec(T);
    vec(T, T, T);
};
template <typename T>
struct alignas(4 * sizeof(T)) vec<T, 4> {
    T x, y, z, w;
    vec() = default;
    explicit vec(T);
    vec(T, T, T, T);
};

#define MT_VECTORS(T)          \
    typedef vec<T, 2> T##2;    \
    typedef vec<T, 3> T##3;    \
    typedef vec<T, 4> T##4;
MT_VECTORS(float)
MT_VECTORS(half)
MT_VECTORS(bfloat)
MT_VECTORS(char)
MT_VECTORS(uchar)
MT_VECTORS(short)
MT_VECTORS(ushort)
MT_VECTORS(int)
MT_VECTORS(uint)
MT_VECTORS(long)
MT_VECTORS(ulong)
MT_VECTORS(bool)
#undef MT_VECTORS

// ---- Reinterpreting bits -------------------------------------------------------------------

template <bool B, typename T>
struct mt_enable_if {};
template <typename T>
struct mt_enable_if<true, T> {
    typedef T type;
};
// as_type requires types of one size.
template <typename To, typename From>
typename mt_enable_if<sizeof(To) == sizeof(From), To>::type as_type(From);

// ---- Math ----------------------------------------------------------------------------------

#define MT_MATH_1(f) float f(float); half f(half);
#define MT_MATH_2(f) float f(float, float); half f(half, half);
MT_MATH_1(fabs)
MT_MATH_1(ceil)
MT_MATH_1(floor)
MT_MATH_1(round)
MT_MATH_1(rint)
MT_MATH_1(trunc)
MT_MATH_2(fmax)
MT_MATH_2(fmin)
MT_MATH_2(fmod)
MT_MATH_2(copysign)
float fma(float, float, float);
half fma(half, half, half);
float ldexp(float, int);
half ldexp(half, int);
bool isnan(float);
bool isnan(half);
bool isinf(float);
bool isinf(half);
bool isfinite(float);
bool isfinite(half);
#undef MT_MATH_1
#undef MT_MATH_2

// The functions Metal provides in precise and fast variants (single precision).
#define MT_VARIANTS                                                                              \
    float acos(float);                                                                           \
    float acosh(float);                                                                          \
    float asin(float);                                                                           \
    float asinh(float);                                                                          \
    float atan(float);                                                                           \
    float atan2(float, float);                                                                   \
    float atanh(float);                                                                          \
    float cos(float);                                                                            \
    float cosh(float);                                                                           \
    float divide(float, float);                                                                  \
    float exp(float);                                                                            \
    float exp2(float);                                                                           \
    float exp10(float);                                                                          \
    float fmax(float, float);                                                                    \
    float fmin(float, float);                                                                    \
    float log(float);                                                                            \
    float log2(float);                                                                           \
    float log10(float);                                                                          \
    float pow(float, float);                                                                     \
    float powr(float, float);                                                                    \
    float rsqrt(float);                                                                          \
    float sin(float);                                                                            \
    float sinh(float);                                                                           \
    float sqrt(float);                                                                           \
    float tan(float);                                                                            \
    float tanh(float);
namespace precise {
MT_VARIANTS
}
namespace fast {
MT_VARIANTS
}
#undef MT_VARIANTS

// ---- Integer functions ---------------------------------------------------------------------

#define MT_INT_FNS(T) T popcount(T); T clz(T); T ctz(T);
MT_INT_FNS(char)
MT_INT_FNS(uchar)
MT_INT_FNS(short)
MT_INT_FNS(ushort)
MT_INT_FNS(int)
MT_INT_FNS(uint)
MT_INT_FNS(long)
MT_INT_FNS(ulong)
#undef MT_INT_FNS

// ---- Synchronization -----------------------------------------------------------------------

enum class mem_flags { mem_none = 0, mem_device = 1, mem_threadgroup = 2, mem_texture = 4 };
mem_flags operator|(mem_flags, mem_flags);
void threadgroup_barrier(mem_flags);
void simdgroup_barrier(mem_flags);

// ---- Atomics -------------------------------------------------------------------------------

enum memory_order { memory_order_relaxed };
template <typename T>
struct atomic {
    T value_;
};
typedef atomic<int> atomic_int;
typedef atomic<uint> atomic_uint;
typedef atomic<float> atomic_float;

#define MT_ATOMIC_RMW(T, f) T f(volatile atomic<T>*, T, memory_order);
#define MT_ATOMIC_INT(T)                                                                           \
    MT_ATOMIC_RMW(T, atomic_fetch_add_explicit)                                                    \
    MT_ATOMIC_RMW(T, atomic_fetch_min_explicit)                                                    \
    MT_ATOMIC_RMW(T, atomic_fetch_max_explicit)                                                    \
    MT_ATOMIC_RMW(T, atomic_fetch_and_explicit)                                                    \
    MT_ATOMIC_RMW(T, atomic_fetch_or_explicit)                                                     \
    MT_ATOMIC_RMW(T, atomic_fetch_xor_explicit)                                                    \
    MT_ATOMIC_RMW(T, atomic_exchange_explicit)                                                     \
    bool atomic_compare_exchange_weak_explicit(volatile atomic<T>*, T*, T, memory_order, memory_order);
MT_ATOMIC_INT(int)
MT_ATOMIC_INT(uint)
MT_ATOMIC_RMW(float, atomic_fetch_add_explicit)
MT_ATOMIC_RMW(float, atomic_exchange_explicit)
#undef MT_ATOMIC_INT
#undef MT_ATOMIC_RMW

// ---- SIMD-group functions ------------------------------------------------------------------

// Reductions and scans take 16- and 32-bit numbers (not 8- or 64-bit integers, not bfloat).
#define MT_SIMD_ARITH(T)                                                                           \
    T simd_sum(T);                                                                                 \
    T simd_product(T);                                                                             \
    T simd_max(T);                                                                                 \
    T simd_min(T);                                                                                 \
    T simd_prefix_inclusive_sum(T);                                                                \
    T simd_prefix_exclusive_sum(T);
MT_SIMD_ARITH(float)
MT_SIMD_ARITH(half)
MT_SIMD_ARITH(short)
MT_SIMD_ARITH(ushort)
MT_SIMD_ARITH(int)
MT_SIMD_ARITH(uint)
#undef MT_SIMD_ARITH

// Data movement takes the same scalar types and their vectors.
#define MT_SIMD_MOVE(T)                                                                            \
    T simd_shuffle(T, ushort);                                                                     \
    T simd_shuffle_xor(T, ushort);                                                                 \
    T simd_shuffle_up(T, ushort);                                                                  \
    T simd_shuffle_down(T, ushort);                                                                \
    T simd_broadcast(T, ushort);
MT_SIMD_MOVE(float)
MT_SIMD_MOVE(half)
MT_SIMD_MOVE(short)
MT_SIMD_MOVE(ushort)
MT_SIMD_MOVE(int)
MT_SIMD_MOVE(uint)
MT_SIMD_MOVE(uint2)
#undef MT_SIMD_MOVE

bool simd_any(bool);
bool simd_all(bool);
struct simd_vote {
    typedef ulong vote_t;
    explicit operator vote_t() const;
};
simd_vote simd_ballot(bool);

}  // namespace metal
