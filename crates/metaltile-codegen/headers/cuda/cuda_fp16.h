// MetalTile: stand-in for <cuda_fp16.h> when syntax-checking emitted CUDA on a host: the
// subset of its declarations the CUDA emitter uses (the emitter converts through f32 with
// intrinsics, so the stub offers no implicit conversions or arithmetic operators).
#pragma once
#pragma GCC system_header

struct __half {
    unsigned short __x;
    __half() = default;
};
struct alignas(4) __half2 {
    __half x, y;
    __half2() = default;
    __half2(const __half&, const __half&);
};

__half __float2half_rn(float);
float __half2float(__half);
__half __hneg(__half);
__half __habs(__half);
short __half_as_short(__half);
unsigned short __half_as_ushort(__half);
__half __short_as_half(short);
__half __ushort_as_half(unsigned short);

__half __shfl_sync(unsigned int mask, __half var, int srcLane, int width = 32);
__half __shfl_up_sync(unsigned int mask, __half var, unsigned int delta, int width = 32);
__half __shfl_down_sync(unsigned int mask, __half var, unsigned int delta, int width = 32);
__half __shfl_xor_sync(unsigned int mask, __half var, int laneMask, int width = 32);
