//! The parameters of the data-movement ops, several of which are lists (a permutation, a
//! view's shape and strides, a slice's bounds): [`NumList`], a fixed-capacity list that keeps
//! [`OpParams`] `Copy`, and [`OpParams::set_values`], the one setter of every op parameter by
//! name, which `tile run --param NAME=V[,V...]` and the registry's named parameters go through.

use super::OpParams;

/// Most values a list parameter holds (one per axis of the input, before the strided plans
/// merge axes).
pub const MAX_LIST: usize = 8;

/// A list of up to [`MAX_LIST`] numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NumList {
    len: usize,
    values: [f64; MAX_LIST],
}

impl NumList {
    /// The list of `values`, or why it cannot be one.
    pub fn new(values: &[f64]) -> Result<NumList, String> {
        if values.len() > MAX_LIST {
            return Err(format!("takes at most {MAX_LIST} values, got {}", values.len()));
        }
        let mut list = NumList { len: values.len(), values: [0.0; MAX_LIST] };
        list.values[..values.len()].copy_from_slice(values);
        Ok(list)
    }
    /// The list of integers `values`.
    pub fn ints(values: &[i64]) -> NumList {
        let v: Vec<f64> = values.iter().take(MAX_LIST).map(|v| *v as f64).collect();
        NumList::new(&v).unwrap_or_default()
    }
    /// The values.
    pub fn as_slice(&self) -> &[f64] {
        &self.values[..self.len]
    }
    /// True when the list holds nothing (the parameter was not given).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The values as integers, or why one is not.
    pub fn to_ints(&self) -> Result<Vec<i64>, String> {
        self.as_slice()
            .iter()
            .map(|v| {
                if v.fract() == 0.0 && v.abs() < 2f64.powi(53) {
                    Ok(*v as i64)
                } else {
                    Err(format!("must hold integers, got {v}"))
                }
            })
            .collect()
    }
}

/// The parameters of the data-movement ops. A list left empty takes the op's default.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MoveParams {
    /// `permute`: output axis `k` is input axis `perm[k]`; empty reverses the axes (NumPy's
    /// `transpose` default).
    pub perm: NumList,
    /// `as_strided`: the view's shape; empty: the input's.
    pub size: NumList,
    /// `as_strided`: the view's element strides (non-negative); empty: contiguous.
    pub stride: NumList,
    /// `as_strided`: the element the view starts at.
    pub storage_offset: f64,
    /// `slice`: the first index per axis (negative counts from the end; clamped, as Python);
    /// `arange`: its first value (one number).
    pub start: NumList,
    /// `slice`: the end per axis (exclusive; negative counts from the end; clamped); empty or
    /// missing axes run to the end.
    pub stop: NumList,
    /// `slice`: the step per axis (positive); `arange`: the difference of neighbours (one
    /// number, default 1).
    pub step: NumList,
    /// `concat`: the axis joined along (negative counts from the end; default 0).
    pub dim: f64,
    /// `fill`: the value (converted to the dtype with the cast rules).
    pub value: f64,
}

impl MoveParams {
    /// The names [`MoveParams::set`] knows.
    pub const NAMES: &'static [&'static str] =
        &["perm", "size", "stride", "storage_offset", "start", "stop", "step", "dim", "value"];

    /// Set the parameter called `name` to `values` (one value for the scalar ones).
    pub fn set(&mut self, name: &str, values: &[f64]) -> Result<(), String> {
        let one = || match values {
            [v] => Ok(*v),
            _ => Err(format!("takes one value, got {}", values.len())),
        };
        match name {
            "perm" => self.perm = NumList::new(values)?,
            "size" => self.size = NumList::new(values)?,
            "stride" => self.stride = NumList::new(values)?,
            "start" => self.start = NumList::new(values)?,
            "stop" => self.stop = NumList::new(values)?,
            "step" => self.step = NumList::new(values)?,
            "storage_offset" => self.storage_offset = one()?,
            "dim" => self.dim = one()?,
            "value" => self.value = one()?,
            other => return Err(format!("`{other}` is not a parameter of the data-movement ops")),
        }
        Ok(())
    }
}

impl MoveParams {
    /// The values of the parameter called `name` (one for a scalar; none for an unset list),
    /// as a peer receives them.
    pub fn values(&self, name: &str) -> Option<Vec<f64>> {
        let list = |l: &NumList| Some(l.as_slice().to_vec());
        match name {
            "perm" => list(&self.perm),
            "size" => list(&self.size),
            "stride" => list(&self.stride),
            "start" => list(&self.start),
            "stop" => list(&self.stop),
            "step" => list(&self.step),
            "storage_offset" => Some(vec![self.storage_offset]),
            "dim" => Some(vec![self.dim]),
            "value" => Some(vec![self.value]),
            _ => None,
        }
    }
}

impl OpParams {
    /// Set the parameter called `name` (any op's) to `values`: one value for a scalar, any
    /// number (up to [`MAX_LIST`]) for a list.
    pub fn set_values(&mut self, name: &str, values: &[f64]) -> Result<(), String> {
        if MoveParams::NAMES.contains(&name) {
            return self.movement.set(name, values);
        }
        if super::RandomParams::COUNTERS.contains(&name) {
            return self.random.set_counter(name, values);
        }
        let slot = self.slot(name).ok_or_else(|| format!("`{name}` is not a parameter of the library"))?;
        match values {
            [v] => {
                *slot = *v as f32;
                Ok(())
            }
            _ => Err(format!("takes one value, got {}", values.len())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_scalars_are_set_by_name() {
        let mut p = OpParams::default();
        p.set_values("perm", &[0.0, 2.0, 1.0]).unwrap();
        assert_eq!(p.movement.perm.to_ints().unwrap(), vec![0, 2, 1]);
        p.set_values("value", &[-3.5]).unwrap();
        assert_eq!(p.movement.value, -3.5);
        p.set_values("eps", &[1e-6]).unwrap();
        assert_eq!(p.eps, 1e-6);
        assert!(p.set_values("eps", &[1.0, 2.0]).unwrap_err().contains("one value"));
        assert!(p.set_values("dim", &[]).unwrap_err().contains("one value"));
        assert!(p.set_values("perm", &[0.0; 9]).unwrap_err().contains("at most 8"));
        assert!(p.set_values("nope", &[1.0]).unwrap_err().contains("`nope`"));
        assert!(NumList::new(&[0.5]).unwrap().to_ints().unwrap_err().contains("integers"));
    }
}
