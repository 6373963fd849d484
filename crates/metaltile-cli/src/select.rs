//! Turning command-line words into library things: a kernel name into its registry entry, a
//! dtype name into one of its instances, `NAME=VALUE` arguments into constexprs, a backend
//! choice into a device. Every refusal names the word and what would have been accepted.

use crate::cli::Backend;
use crate::error::CliError;
use metaltile_ir::{ConstArg, ConstArgs, DType, KernelDef};
use metaltile_runtime::Device;
use metaltile_std::registry::{self, Entry};
use metaltile_std::testing::selects;

/// The registry entry named `name`, or an error suggesting close names.
pub fn kernel(name: &str) -> Result<Entry, CliError> {
    registry::find(name).ok_or_else(|| {
        let names: Vec<&'static str> = registry::all().iter().map(|e| e.name()).collect();
        let close = close_names(name, &names);
        let hint = if close.is_empty() {
            format!("the kernels are: {}", names.join(", "))
        } else {
            format!("did you mean {}? (`tile list` shows every kernel)", close.join(", "))
        };
        CliError::UnknownKernel { name: name.to_string(), hint }
    })
}

/// Names within a small edit distance of `name`, or sharing a part of it, closest first.
pub fn close_names<'a>(name: &str, names: &[&'a str]) -> Vec<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = names
        .iter()
        .filter_map(|n| {
            let d = edit_distance(name, n);
            let related = name.len() >= 3 && (n.contains(name) || name.contains(n));
            (d <= limit || related).then_some((d, *n))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(5).map(|(_, n)| n).collect()
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The dtype to instantiate `def` for: `asked` if the kernel has that instance, else its
/// first dtype; `None` for a kernel that is not generic.
pub fn dtype(def: &KernelDef, asked: Option<&str>) -> Result<Option<DType>, CliError> {
    match asked {
        None => Ok(def.dtypes.first().copied()),
        Some(s) if def.dtypes.is_empty() => Err(CliError::NotGeneric { kernel: def.name.into(), dtype: s.into() }),
        Some(s) => {
            let unsupported = || CliError::UnsupportedDType {
                kernel: def.name.into(),
                dtype: s.into(),
                supported: def.dtype_names(),
            };
            let d: DType = s.parse().map_err(|_| unsupported())?;
            if def.dtypes.contains(&d) {
                Ok(Some(d))
            } else {
                Err(unsupported())
            }
        }
    }
}

/// Split `NAME=VALUE` (`form` spells what is expected, e.g. `NAME=FILE`); `flag` names the
/// option in errors.
pub fn name_value<'a>(flag: &'static str, form: &str, arg: &'a str) -> Result<(&'a str, &'a str), CliError> {
    let bad = |msg: &str| CliError::BadArg { flag, arg: arg.to_string(), msg: msg.to_string() };
    let (name, value) = arg.split_once('=').ok_or_else(|| bad(&format!("expected {form}")))?;
    let (name, value) = (name.trim(), value.trim());
    if name.is_empty() {
        return Err(bad("the name before `=` is empty"));
    }
    if value.is_empty() {
        return Err(bad("the value after `=` is empty"));
    }
    Ok((name, value))
}

/// Parse a number or bool given as `VALUE` of `NAME=VALUE`.
pub fn const_value(flag: &'static str, arg: &str, value: &str) -> Result<ConstArg, CliError> {
    ConstArg::parse(value).ok_or_else(|| CliError::BadArg {
        flag,
        arg: arg.to_string(),
        msg: format!("`{value}` is not a number or a bool"),
    })
}

/// Parse `--const NAME=VALUE` arguments against `def`'s constexprs, typing each value.
pub fn consts(def: &KernelDef, args: &[String]) -> Result<ConstArgs, CliError> {
    let mut out = ConstArgs::new();
    for arg in args {
        let bad = |msg: String| CliError::BadArg { flag: "--const", arg: arg.clone(), msg };
        let (name, value) = name_value("--const", "NAME=VALUE", arg)?;
        let Some(info) = def.constexprs.iter().find(|c| c.name == name) else {
            let known: Vec<&str> = def.constexprs.iter().map(|c| c.name).collect();
            return Err(bad(if known.is_empty() {
                format!("kernel `{}` has no constexprs", def.name)
            } else {
                format!("kernel `{}` has no constexpr `{name}` (its constexprs: {})", def.name, known.join(", "))
            }));
        };
        if out.get(name).is_some() {
            return Err(bad(format!("`{name}` is given twice")));
        }
        let v = const_value("--const", arg, value)?;
        v.to_constant(name, info.dtype).map_err(|e| bad(e.to_string()))?;
        out.set(name, v);
    }
    Ok(out)
}

/// The registry entries `filter` selects, or an error when it selects none.
pub fn filtered(filter: Option<&str>) -> Result<Vec<Entry>, CliError> {
    let all = registry::all();
    let picked: Vec<Entry> = all.iter().copied().filter(|e| selects(filter, e)).collect();
    if picked.is_empty() {
        let mut families: Vec<&str> = all.iter().map(|e| e.family).collect();
        families.dedup();
        return Err(CliError::EmptyFilter {
            filter: filter.unwrap_or_default().to_string(),
            families: families.join(", "),
        });
    }
    Ok(picked)
}

/// The device `--backend` asks for.
pub fn device(backend: Backend) -> Result<Device, CliError> {
    match backend {
        Backend::Auto => Ok(Device::best()),
        Backend::Kind(k) => Ok(Device::new(k)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use metaltile_ir::{ConstexprInfo, IrError, Kernel};

    fn no_build(_: Option<DType>, _: &ConstArgs) -> Result<Kernel, IrError> {
        Err(IrError::Invalid("not built in these tests".into()))
    }

    const TILED: KernelDef = KernelDef {
        name: "tiled",
        dtypes: &[DType::F32],
        params: &[],
        constexprs: &[
            ConstexprInfo { name: "BLOCK", dtype: DType::U32, default: Some(ConstArg::Int(256)) },
            ConstexprInfo { name: "SCALE", dtype: DType::F32, default: None },
            ConstexprInfo { name: "MASKED", dtype: DType::Bool, default: None },
        ],
        build: no_build,
    };

    #[test]
    fn consts_are_typed_by_the_constexpr() {
        let c = consts(&TILED, &["BLOCK=128".into(), "SCALE=0.5".into(), "MASKED=true".into()]).unwrap();
        assert_eq!(c.get("BLOCK"), Some(ConstArg::Int(128)));
        assert_eq!(c.get("SCALE"), Some(ConstArg::Float(0.5)));
        assert_eq!(c.get("MASKED"), Some(ConstArg::Bool(true)));
    }

    #[test]
    fn bad_consts_say_why() {
        let err = |a: &str| consts(&TILED, &[a.to_string()]).unwrap_err().to_string();
        assert!(err("BLOCK").contains("expected NAME=VALUE"), "{}", err("BLOCK"));
        assert!(err("=3").contains("name before"), "{}", err("=3"));
        assert!(
            err("TILE=3").contains("no constexpr `TILE` (its constexprs: BLOCK, SCALE, MASKED)"),
            "{}",
            err("TILE=3")
        );
        assert!(err("BLOCK=0.5").contains("expected a u32 value"), "{}", err("BLOCK=0.5"));
        assert!(err("BLOCK=-1").contains("does not fit in u32"), "{}", err("BLOCK=-1"));
        assert!(err("MASKED=3").contains("expected a bool value"), "{}", err("MASKED=3"));
        assert!(err("SCALE=true").contains("got a bool"), "{}", err("SCALE=true"));
        assert!(err("SCALE=abc").contains("not a number or a bool"), "{}", err("SCALE=abc"));
        let twice = consts(&TILED, &["BLOCK=1".into(), "BLOCK=2".into()]).unwrap_err().to_string();
        assert!(twice.contains("given twice"), "{twice}");
    }

    #[test]
    fn dtype_defaults_to_the_first_and_refuses_others() {
        assert_eq!(dtype(&TILED, None).unwrap(), Some(DType::F32));
        let e = dtype(&TILED, Some("f16")).unwrap_err().to_string();
        assert!(e.contains("no `f16` instance (supported dtypes: f32)"), "{e}");
        let e = dtype(&TILED, Some("f8")).unwrap_err().to_string();
        assert!(e.contains("`f8`") && e.contains("supported dtypes: f32"), "{e}");
        let plain = KernelDef { dtypes: &[], ..TILED };
        assert_eq!(dtype(&plain, None).unwrap(), None);
        assert!(dtype(&plain, Some("f32")).unwrap_err().to_string().contains("not generic"));
    }

    #[test]
    fn close_names_rank_by_distance() {
        let names = ["softmax", "sin", "sigmoid", "rms_norm", "layer_norm"];
        assert_eq!(close_names("sofmax", &names), vec!["softmax"]);
        assert_eq!(close_names("norm", &names), vec!["rms_norm", "layer_norm"]);
        assert!(close_names("zzzzzzzz", &names).is_empty());
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn unknown_kernel_suggests() {
        let e = kernel("sofmax").unwrap_err().to_string();
        assert!(e.contains("unknown kernel `sofmax`") && e.contains("did you mean softmax"), "{e}");
        let e = kernel("qqqqqqqqqq").unwrap_err().to_string();
        assert!(e.contains("the kernels are:") && e.contains("softmax"), "{e}");
    }
}
