//! A kernel definition as the front end registers it: its name, the dtypes its generic
//! parameter takes, its signature, its constexprs and the function that builds its IR.

use crate::constant::Constant;
use crate::dtype::DType;
use crate::error::{IrError, IrResult};
use crate::kernel::Kernel;
use std::collections::BTreeMap;

/// How a parameter appears in the Rust signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamInfoKind {
    /// `&[T]`
    Input,
    /// `&mut [T]`
    Output,
    /// A runtime scalar.
    Scalar,
}

/// A parameter of a kernel definition. `dtype` is `None` when it is the generic `T`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamInfo {
    pub name: &'static str,
    pub kind: ParamInfoKind,
    pub dtype: Option<DType>,
}

/// A `#[constexpr]` parameter, with its default if it has one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConstexprInfo {
    pub name: &'static str,
    pub dtype: DType,
    pub default: Option<ConstArg>,
}

/// A constexpr value as given by a user (`--const k=v`) before it is typed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ConstArg {
    Int(i128),
    Float(f64),
    Bool(bool),
}

impl ConstArg {
    /// Parse `256`, `-3`, `0.5`, `1e-5`, `true`.
    pub fn parse(s: &str) -> Option<ConstArg> {
        let s = s.trim();
        match s {
            "true" => return Some(ConstArg::Bool(true)),
            "false" => return Some(ConstArg::Bool(false)),
            _ => {}
        }
        if let Ok(i) = s.parse::<i128>() {
            return Some(ConstArg::Int(i));
        }
        s.parse::<f64>().ok().map(ConstArg::Float)
    }

    /// Type the value as `dtype`, refusing lossy or meaningless conversions.
    pub fn to_constant(self, name: &str, dtype: DType) -> IrResult<Constant> {
        let bad = |msg: String| IrError::BadConstexpr { name: name.to_string(), msg };
        match self {
            ConstArg::Bool(b) if dtype.is_bool() => Ok(Constant::bool(b)),
            ConstArg::Bool(_) => Err(bad(format!("expected a {dtype} value, got a bool"))),
            ConstArg::Int(i) if dtype.is_int() => {
                let (lo, hi) = dtype.min_max();
                if (i as f64) < lo || (i as f64) > hi {
                    return Err(bad(format!("{i} does not fit in {dtype}")));
                }
                Ok(Constant::from_i128(dtype, i))
            }
            ConstArg::Int(i) if dtype.is_float() => Ok(Constant::from_f64(dtype, i as f64)),
            ConstArg::Float(f) if dtype.is_float() => Ok(Constant::from_f64(dtype, f)),
            ConstArg::Int(_) | ConstArg::Float(_) => Err(bad(format!("expected a {dtype} value"))),
        }
    }
}

/// Constexpr values by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConstArgs(pub BTreeMap<String, ConstArg>);

impl ConstArgs {
    pub fn new() -> ConstArgs {
        ConstArgs::default()
    }
    /// Builder-style insert.
    pub fn with(mut self, name: &str, v: ConstArg) -> ConstArgs {
        self.0.insert(name.to_string(), v);
        self
    }
    pub fn set(&mut self, name: &str, v: ConstArg) {
        self.0.insert(name.to_string(), v);
    }
    pub fn get(&self, name: &str) -> Option<ConstArg> {
        self.0.get(name).copied()
    }
}

/// A registered kernel definition.
#[derive(Clone, Copy, Debug)]
pub struct KernelDef {
    pub name: &'static str,
    /// Dtypes the generic parameter takes; empty when the kernel is not generic.
    pub dtypes: &'static [DType],
    pub params: &'static [ParamInfo],
    pub constexprs: &'static [ConstexprInfo],
    /// Builds the IR for one dtype (None for a non-generic kernel) and constexpr set.
    pub build: fn(Option<DType>, &ConstArgs) -> IrResult<Kernel>,
}

impl KernelDef {
    /// Build the IR, checking the dtype against the ones this kernel supports.
    pub fn ir(&self, dtype: Option<DType>, consts: &ConstArgs) -> IrResult<Kernel> {
        for name in consts.0.keys() {
            if !self.constexprs.iter().any(|c| c.name == name) {
                return Err(IrError::BadConstexpr {
                    name: name.clone(),
                    msg: format!("kernel `{}` has no such constexpr", self.name),
                });
            }
        }
        (self.build)(dtype, consts)
    }

    /// Resolve a constexpr from the given values or its default.
    pub fn constexpr_value(info: &ConstexprInfo, consts: &ConstArgs) -> IrResult<Constant> {
        let arg =
            consts.get(info.name).or(info.default).ok_or_else(|| IrError::MissingConstexpr(info.name.to_string()))?;
        arg.to_constant(info.name, info.dtype)
    }

    pub fn dtype_names(&self) -> String {
        self.dtypes.iter().map(|d| d.name()).collect::<Vec<_>>().join(", ")
    }
}
