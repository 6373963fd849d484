//! From a kernel to a compute pipeline state: emit MSL, compile it at run time with the
//! options the IR's semantics need, look up the kernel function, build the pipeline.

use super::checks::{check_param_count, compile_error, metal_error};
use crate::error::Result;
use metaltile_codegen::Target;
use metaltile_ir::Kernel;
use objc2::rc::{autoreleasepool, Retained};
use objc2::runtime::{NSObjectProtocol, ProtocolObject};
use objc2::sel;
use objc2_foundation::NSString;
use objc2_metal::{
    MTLCompileOptions, MTLComputePipelineState, MTLDevice, MTLLanguageVersion, MTLLibrary,
    MTLMathFloatingPointFunctions, MTLMathMode,
};

/// What [`crate::Pipeline::compiled`] holds on Metal.
pub(super) struct MetalPipeline {
    pub(super) state: Retained<ProtocolObject<dyn MTLComputePipelineState>>,
}

/// Compile options: MSL 3.1 (the first with `bfloat`) and no fast math, because fast math
/// lets the compiler assume no NaN or infinity — `isnan`/`isinf` would fold to false — and
/// reassociate, both of which break the IR's semantics.
fn options() -> Retained<MTLCompileOptions> {
    let options = MTLCompileOptions::new();
    options.setLanguageVersion(MTLLanguageVersion::Version3_1);
    // `fastMathEnabled` is the switch every macOS version has; `mathMode` and
    // `mathFloatingPointFunctions` (macOS 15) replace it, so set them where they exist.
    #[allow(deprecated)]
    options.setFastMathEnabled(false);
    if options.respondsToSelector(sel!(setMathMode:)) {
        options.setMathMode(MTLMathMode::Safe);
    }
    if options.respondsToSelector(sel!(setMathFloatingPointFunctions:)) {
        options.setMathFloatingPointFunctions(MTLMathFloatingPointFunctions::Precise);
    }
    options
}

/// Compile `source` and build the pipeline of its function `function`.
pub(super) fn compile_msl(
    device: &ProtocolObject<dyn MTLDevice>,
    function: &str,
    source: &str,
) -> Result<MetalPipeline> {
    autoreleasepool(|_| {
        let library = device
            .newLibraryWithSource_options_error(&NSString::from_str(source), Some(&options()))
            .map_err(|e| compile_error(function, &e.localizedDescription().to_string()))?;
        let f = library.newFunctionWithName(&NSString::from_str(function)).ok_or_else(|| {
            metal_error(format!("the MSL compiled, but its library has no function named `{function}`"))
        })?;
        let state = device
            .newComputePipelineStateWithFunction_error(&f)
            .map_err(|e| metal_error(format!("building the pipeline of `{function}`: {}", e.localizedDescription())))?;
        Ok(MetalPipeline { state })
    })
}

/// Emit `kernel` as MSL and compile it; the emitter names the function `kernel.name`.
pub(super) fn compile_kernel(device: &ProtocolObject<dyn MTLDevice>, kernel: &Kernel) -> Result<MetalPipeline> {
    check_param_count(kernel)?;
    let source = metaltile_codegen::emit(kernel, Target::Msl)
        .map_err(|e| metal_error(format!("emitting MSL for `{}`: {e}", kernel.name)))?;
    compile_msl(device, &kernel.name, &source)
}
