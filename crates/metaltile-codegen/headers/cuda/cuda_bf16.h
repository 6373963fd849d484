// MetalTile: stand-in for <cuda_bf16.h> when syntax-checking emitted CUDA on a host: the
// subset of its declarations the CUDA emitter uses (conversions go through f32 with
// intrinsics, so the stub offers no implicit conversions or arithmetic operators).
#pragma once
#pragma GCC system_header

struct __nv_bfloat16 {
    unsigned short __x;
    __nv_bfloat16() = default;
};
struct alignas(4) __nv_bfloat162 {
    __nv_bfloat16 x, y;
    __nv_bfloat162() = default;
    __nv_bfloat162(const __nv_bfloat16&, const __nv_bfloat16&);
};

__nv_bfloat16 __float2bfloat16_rn(float);
float __bfloat162float(__nv_bfloat16);
__nv_bfloat16 __hneg(__nv_bfloat16);
__nv_bfloat16 __habs(__nv_bfloat16);
short __bfloat16_as_short(__nv_bfloat16);
unsigned short __bfloat16_as_ushort(__nv_bfloat16);
__nv_bfloat16 __short_as_bfloat16(short);
__nv_bfloat16 __ushort_as_bfloat16(unsigned short);

__nv_bfloat16 __shfl_sync(unsigned int mask, __nv_bfloat16 var, int srcLane, int width = 32);
__nv_bfloat16 __shfl_up_sync(unsigned int mask, __nv_bfloat16 var, unsigned int delta, int width = 32);
__nv_bfloat16 __shfl_down_sync(unsigned int mask, __nv_bfloat16 var, unsigned int delta, int width = 32);
__nv_bfloat16 __shfl_xor_sync(unsigned int mask, __nv_bfloat16 var, int laneMask, int width = 32);
